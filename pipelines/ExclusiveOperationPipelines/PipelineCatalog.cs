using DataFactory.Pipelines.Arm;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;

namespace ExclusiveOperationPipelines;

/// <summary>The product's pipelines and the files generated from them (ADF git layout + ARM template).</summary>
public static class PipelineCatalog
{
    public static IReadOnlyList<Pipeline> All() => [RunExclusiveOperation.Define(), RunExclusiveOperationQueued.Define(), RunExclusiveOperationsForKeys.Define()];

    /// <summary>Relative path to file content, for every generated file. Throws when a pipeline does not validate.</summary>
    public static IReadOnlyDictionary<string, string> GeneratedFiles()
    {
        var pipelines = All();
        var errors = pipelines.SelectMany(PipelineValidator.Validate).ToList();
        if (errors.Count > 0)
            throw new InvalidOperationException("The pipeline definitions do not validate:\n" + string.Join('\n', errors));

        var files = pipelines.ToDictionary(p => $"pipeline/{p.Name}.json", PipelineJson.Serialize);
        files["arm/pipelines.json"] = ArmTemplate.For(pipelines).ToJsonString(PipelineJson.Indented) + "\n";
        return files;
    }
}
