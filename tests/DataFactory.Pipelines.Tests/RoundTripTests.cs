using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;

namespace DataFactory.Pipelines.Tests;

/// <summary>Hand-written pipeline JSON of documented shapes reads into the model and writes back unchanged.</summary>
public sealed class RoundTripTests
{
    public static TheoryData<string> Samples =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Samples"), "*.json").Select(f => Path.GetFileName(f)).Order()];

    private static string Read(string sample) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", sample));

    [Theory]
    [MemberData(nameof(Samples))]
    public void Samples_round_trip_unchanged(string sample)
    {
        var original = JsonNode.Parse(Read(sample));
        var pipeline = PipelineJson.Read(original, sample);
        var written = PipelineJson.Write(pipeline);
        Assert.True(JsonNode.DeepEquals(original, written), $"{sample} changed on a round trip:\n{written.ToJsonString(PipelineJson.Indented)}");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Samples_are_valid(string sample) => Assert.Empty(PipelineValidator.Validate(PipelineJson.Deserialize(Read(sample), sample)));

    [Fact]
    public void The_model_exposes_what_the_json_says()
    {
        var pipeline = PipelineJson.Deserialize(Read("TryCatchExecutePipeline.json"));
        var execute = Assert.IsType<ExecutePipelineActivity>(pipeline.Activities[0]);
        Assert.Equal("LoadSales", execute.PipelineName);
        Assert.Equal(new Expression("@formatDateTime(utcnow(), 'yyyy-MM-dd')"), execute.Parameters["day"]);
        Assert.Equal([DependencyCondition.Failed], pipeline.Activities[1].DependsOn[0].Conditions);
        var copy = Assert.IsType<UnknownActivity>(pipeline.Activities[3]);
        Assert.Equal("Copy", copy.Type);
        Assert.True(copy.ExtraProperties.ContainsKey("inputs"));
        Assert.Equal(1, pipeline.Concurrency);

        var web = Assert.IsType<WebActivity>(PipelineJson.Deserialize(Read("WebWithAuthentication.json")).Activities[0]);
        Assert.Equal("MSI", web.Authentication!["type"]!.GetValue<string>());
        Assert.Equal(DfValue.Json(new JsonObject { ["name"] = "sample", ["count"] = 3 }), web.Body);

        var both = PipelineJson.Deserialize(Read("SwitchAndFilter.json"));
        var filter = Assert.IsType<FilterActivity>(both.Activities[0]);
        Assert.Equal(new Expression("@lessOrEquals(item(), 3)"), filter.Condition);
        var @switch = Assert.IsType<SwitchActivity>(both.Activities[1]);
        Assert.Equal(new Expression("@pipeline().parameters.mode"), @switch.On);
        Assert.Equal(["fast", "slow"], @switch.Cases.Select(c => c.Value));
        Assert.Equal("Set Fast", Assert.Single(@switch.Cases[0].Activities).Name);
        Assert.IsType<FailActivity>(Assert.Single(@switch.DefaultActivities));

        var set = PipelineJson.Deserialize(Read("ForEachAppend.json")).Activities[1] as SetVariableActivity;
        Assert.True(set!.SetsReturnValue);
        Assert.Equal(new Expression("@variables('names')"), set.ReturnValues!["names"]);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{\"name\":\"p\"}", "'properties' is required")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"a\"}]}}", "p/activities[0] 'a': 'type' is required")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"u\",\"type\":\"Until\",\"typeProperties\":{\"expression\":\"@true\"}}]}}", "'expression' must be { \"value\"")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[],\"parameters\":{\"x\":{\"type\":\"text\"}}}}", "p/parameters/x: 'text' is not one of")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"w\",\"type\":\"Wait\",\"policy\":{\"retries\":1},\"typeProperties\":{\"waitTimeInSeconds\":1}}]}}", "unknown policy properties: retries")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"s\",\"type\":\"Switch\",\"typeProperties\":{\"expression\":{\"value\":\"@'a'\",\"type\":\"Expression\"}}}]}}", "the Switch expression belongs in 'on'")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"s\",\"type\":\"Switch\",\"typeProperties\":{\"on\":{\"value\":\"@'a'\",\"type\":\"Expression\"},\"cases\":[{\"activities\":[]}]}}]}}", "p/activities[0] 's'/typeProperties/cases[0]: 'value' is required")]
    [InlineData("{\"name\":\"p\",\"properties\":{\"activities\":[{\"name\":\"f\",\"type\":\"Filter\",\"typeProperties\":{\"items\":{\"value\":\"@createArray()\",\"type\":\"Expression\"}}}]}}", "'condition' must be { \"value\"")]
    public void Unreadable_json_says_where_and_what(string json, string message)
    {
        var error = Assert.Throws<PipelineFormatException>(() => PipelineJson.Deserialize(json, "p.json"));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Activity_types_match_without_case_as_in_the_documentation_syntax()
    {
        var pipeline = PipelineJson.Deserialize("""
            {"name":"p","properties":{"activities":[{"name":"f","type":"filter","typeProperties":{
              "items":{"value":"@createArray(1)","type":"Expression"},"condition":{"value":"@true","type":"Expression"}}}]}}
            """);
        Assert.Equal("Filter", Assert.IsType<FilterActivity>(pipeline.Activities[0]).Type);
    }
}
