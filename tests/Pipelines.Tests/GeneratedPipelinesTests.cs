using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;
using ExclusiveOperationPipelines;

namespace Pipelines.Tests;

public sealed class GeneratedPipelinesTests
{
    public static TheoryData<string> GeneratedPaths => [.. PipelineCatalog.GeneratedFiles().Keys];

    [Theory]
    [MemberData(nameof(GeneratedPaths))]
    public void The_committed_generated_files_match_the_csharp_definitions(string path)
    {
        var committed = Path.Combine(Repository.Root, "pipelines", "generated", path);
        Assert.True(File.Exists(committed), $"{committed} is missing. Run ./build.sh pipelines and commit the result.");
        var expected = PipelineCatalog.GeneratedFiles()[path];
        Assert.True(expected == File.ReadAllText(committed),
            $"pipelines/generated/{path} differs from what the C# definitions produce. Run ./build.sh pipelines and commit the result.");
    }

    [Fact]
    public void No_stale_generated_file_is_left_behind()
    {
        var generated = Path.Combine(Repository.Root, "pipelines", "generated");
        var onDisk = Directory.GetFiles(generated, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(generated, f).Replace('\\', '/'));
        Assert.Empty(onDisk.Except(PipelineCatalog.GeneratedFiles().Keys));
    }

    [Fact]
    public void The_definitions_validate()
    {
        foreach (var pipeline in PipelineCatalog.All())
            Assert.Empty(PipelineValidator.Validate(pipeline));
    }

    [Fact]
    public void The_web_call_sends_the_function_key_from_a_secure_parameter_and_masks_its_input()
    {
        var pipeline = RunExclusiveOperation.Define();
        Assert.Equal(ParameterType.SecureString, pipeline.Parameters["functionKey"].Type);
        var call = pipeline.AllActivities().Select(a => a.Activity).OfType<WebActivity>().Single();
        Assert.Equal(new Expression("@pipeline().parameters.functionKey"), call.Headers["x-functions-key"]);
        Assert.True(call.Policy!.SecureInput);
        Assert.NotEqual(true, call.TurnOffAsync); // the 202 polling must stay on
        var forKeys = RunExclusiveOperationsForKeys.Define();
        var execute = forKeys.AllActivities().Select(a => a.Activity).OfType<ExecutePipelineActivity>().Single();
        Assert.True(execute.Policy!.SecureInput);
    }

    [Fact]
    public void The_loop_is_bounded_and_ends_in_LockNotAcquired_or_OperationFailed()
    {
        var json = PipelineJson.Serialize(RunExclusiveOperation.Define());
        var until = RunExclusiveOperation.Define().Activities.OfType<UntilActivity>().Single();
        Assert.NotNull(until.Timeout);
        Assert.Contains("maxAttempts", until.Expression.Value);
        Assert.Contains("'LockNotAcquired'", json);
        Assert.Contains("'OperationFailed'", json);
    }

    [Theory]
    [MemberData(nameof(GeneratedPaths))]
    public void Generated_pipelines_round_trip_through_the_model(string path)
    {
        if (!path.StartsWith("pipeline/", StringComparison.Ordinal)) return;
        var original = JsonNode.Parse(PipelineCatalog.GeneratedFiles()[path]);
        var again = PipelineJson.Write(PipelineJson.Read(original, path));
        Assert.True(JsonNode.DeepEquals(original, again), $"{path} changed on a round trip:\n{again.ToJsonString(PipelineJson.Indented)}");
    }
}
