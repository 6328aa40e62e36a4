using System.Text.Json.Nodes;

namespace AzureEnvironment.Tests;

/// <summary>A pipeline that runs another is deployed after it: Data Factory refuses a reference to a pipeline it does not have.</summary>
public sealed class PipelineOrderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pipeline-order-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private StackEnvironment Environment(string pipelineFolder)
    {
        var package = TestFiles.Zip(_folder, DateTimeOffset.UnixEpoch.AddYears(50), ("a.dll", "a"));
        var settings = StackConfiguration.Parse("dev", new Dictionary<string, string> { ["packagePath"] = package }, _folder);
        return StackEnvironment.Create(settings, pipelineFolder);
    }

    /// <summary>A pipeline running <paramref name="runs"/> from a Switch case inside a ForEach (as RunExclusiveOperationsForKeys does).</summary>
    private string Pipeline(string name, params string[] runs)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "pipelines")).FullName;
        var executes = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = $"Run {r}",
            ["type"] = "ExecutePipeline",
            ["typeProperties"] = new JsonObject { ["pipeline"] = new JsonObject { ["referenceName"] = r, ["type"] = "PipelineReference" } },
        })]);
        var document = new JsonObject
        {
            ["name"] = name,
            ["properties"] = new JsonObject
            {
                ["activities"] = new JsonArray(new JsonObject
                {
                    ["name"] = "Each",
                    ["type"] = "ForEach",
                    ["typeProperties"] = new JsonObject
                    {
                        ["items"] = new JsonObject { ["value"] = "@createArray(1)", ["type"] = "Expression" },
                        ["activities"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "By",
                            ["type"] = "Switch",
                            ["typeProperties"] = new JsonObject
                            {
                                ["on"] = new JsonObject { ["value"] = "@'x'", ["type"] = "Expression" },
                                ["cases"] = new JsonArray(new JsonObject { ["value"] = "x", ["activities"] = executes }),
                            },
                        }),
                    },
                }),
            },
        };
        File.WriteAllText(Path.Combine(folder, name + ".json"), document.ToJsonString());
        return folder;
    }

    [Fact]
    public void The_for_keys_pipeline_references_both_pipelines_and_comes_after_them()
    {
        var environment = Environment(TestFiles.GeneratedPipelines);
        var forKeys = environment.PipelineDocuments.Single(p => p["name"]!.GetValue<string>() == "RunExclusiveOperationsForKeys");
        Assert.Equal(["RunExclusiveOperation", "RunExclusiveOperationQueued"], PipelineConversion.ReferencedPipelines(forKeys));
        Assert.Equal("RunExclusiveOperationsForKeys", environment.PipelineNames[^1]);
        Assert.Contains("RunExclusiveOperationQueued", environment.PipelineNames);

        var template = ArmPreview.Template(environment);
        var resource = template["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>().EndsWith("/RunExclusiveOperationsForKeys", StringComparison.Ordinal))!;
        var factory = environment.Names.DataFactory;
        var dependsOn = resource["dependsOn"]!.AsArray().Select(d => d!.GetValue<string>()).ToList();
        Assert.Contains($"[resourceId('Microsoft.DataFactory/factories/pipelines', '{factory}', 'RunExclusiveOperation')]", dependsOn);
        Assert.Contains($"[resourceId('Microsoft.DataFactory/factories/pipelines', '{factory}', 'RunExclusiveOperationQueued')]", dependsOn);
    }

    [Fact]
    public void A_pipeline_run_by_another_is_deployed_first_whatever_the_file_order()
    {
        Pipeline("A", "C");
        Pipeline("B");
        var folder = Pipeline("C", "B");

        Assert.Equal(["B", "C", "A"], Environment(folder).PipelineNames);
    }

    [Fact]
    public void A_reference_to_a_pipeline_not_in_the_folder_is_a_clear_error()
    {
        var folder = Pipeline("A", "Missing");

        var error = Assert.Throws<InvalidDataException>(() => Environment(folder));
        Assert.Equal($"Pipeline 'A' runs pipeline 'Missing', which is not in '{folder}'; ./build.sh pipelines writes every pipeline there.", error.Message);
    }

    [Fact]
    public void A_cycle_is_a_clear_error()
    {
        Pipeline("A", "B");
        var folder = Pipeline("B", "A");

        var error = Assert.Throws<InvalidDataException>(() => Environment(folder));
        Assert.Equal("Pipeline 'A' runs itself through Execute Pipeline activities (A -> B -> A); Data Factory cannot deploy that cycle.", error.Message);
    }
}
