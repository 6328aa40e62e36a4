using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;

namespace ExclusiveOperationPipelines.Tests;

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
    public void The_function_key_is_read_with_the_factory_identity_and_never_a_parameter_or_in_a_record()
    {
        var pipeline = RunExclusiveOperation.Define();
        var webActivities = pipeline.AllActivities().Select(a => a.Activity).OfType<WebActivity>().ToList();
        var getKey = webActivities.Single(w => w.Name == "Get Function Key");
        Assert.Equal("MSI", getKey.Authentication!["type"]!.GetValue<string>());
        Assert.Equal("https://management.azure.com/", getKey.Authentication!["resource"]!.GetValue<string>());
        Assert.Contains("/functions/StartOperation/listkeys", ((Expression)getKey.Url!).Value);
        Assert.True(getKey.Policy!.SecureOutput);

        var call = webActivities.Single(w => w.Name == "Call Durable Azure Function");
        Assert.Equal(new Expression("@activity('Get Function Key').output.properties.default"), call.Headers["x-functions-key"]);
        Assert.True(call.Policy!.SecureInput);
        Assert.NotEqual(true, call.TurnOffAsync); // the 202 polling must stay on

        foreach (var definition in PipelineCatalog.All())
        {
            Assert.DoesNotContain(definition.Parameters, p => p.Value.Type == ParameterType.SecureString);
            Assert.DoesNotContain("functionKey", PipelineJson.Serialize(definition), StringComparison.OrdinalIgnoreCase);
        }
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
