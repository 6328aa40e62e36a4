using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;

namespace DataFactory.Runner.Run;

/// <summary>ExecutePipeline targets: the pipelines beside the one being run (an ADF git folder), by name.</summary>
public static class PipelineFolder
{
    public static Func<string, Pipeline?> Resolver(DirectoryInfo folder) => name =>
    {
        var file = Path.Combine(folder.FullName, name + ".json");
        return File.Exists(file) ? PipelineJson.Deserialize(File.ReadAllText(file), file) : null;
    };
}
