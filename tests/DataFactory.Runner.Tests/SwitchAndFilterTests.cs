using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace DataFactory.Runner.Tests;

/// <summary>
/// Switch and Filter. The case tables are those of microsoft/data-factory-testing-framework
/// (tests/functional/filter_activity_pipeline, tests/unit/models/activities/control_activities/test_switch_activity.py,
/// tests/functional/switch_activity_data_factory).
/// </summary>
public sealed class SwitchAndFilterTests : IDisposable
{
    private readonly RunnerHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    public static TheoryData<int[], int[]> FilterCases => new()
    {
        { [1, 2, 3, 4, 5], [1, 2, 3] },
        { [], [] },
        { [4], [] },
        { [3, 4, 5, 6], [3] },
        { [4, 5, 6], [] },
        { [-1, 3, 4], [-1, 3] },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public async Task Filter_keeps_the_items_whose_condition_is_true_in_order(int[] input, int[] expected)
    {
        var pipeline = new Pipeline("P")
        {
            Parameters = { ["input_values"] = new(ParameterType.Array, new JsonArray()) },
            Variables = { ["kept"] = new(VariableType.Array) },
            Activities =
            {
                new FilterActivity("Filter") { Items = new("@pipeline().parameters.input_values"), Condition = new("@lessOrEquals(item(), 3)") },
                new SetVariableActivity("Keep")
                {
                    DependsOn = { new("Filter", DependencyCondition.Succeeded) },
                    VariableName = "kept",
                    Value = new Expression("@activity('Filter').output.value"),
                },
            },
        };

        var run = await _harness.RunAsync(pipeline, new() { ["input_values"] = new JsonArray([.. input.Select(i => (JsonNode)i)]) });

        Assert.Equal(RunState.Succeeded, run.Status);
        var output = RunnerHarness.Only(run, "Filter").Output!;
        Assert.Equal(input.Length, output["ItemsCount"]!.GetValue<int>());
        Assert.Equal(expected.Length, output["FilteredItemsCount"]!.GetValue<int>());
        Assert.Equal(expected, RunnerHarness.Only(run, "Keep").Output!["value"]!.AsArray().Select(v => v!.GetValue<int>()));
    }

    [Fact]
    public async Task Filter_fails_when_the_condition_is_not_a_boolean()
    {
        var run = await _harness.RunAsync(new Pipeline("P")
        {
            Activities = { new FilterActivity("Filter") { Items = new("@createArray(1, 2)"), Condition = new("@item()") } },
        });

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Contains("must give a boolean", RunnerHarness.Only(run, "Filter").Error!.Message);
    }

    private static Pipeline Switch(string on, bool withDefault = true) => new("P")
    {
        Variables = { ["variable"] = new(VariableType.String) },
        Activities =
        {
            new SwitchActivity("Switch")
            {
                On = new(on),
                Cases =
                {
                    new SwitchCase("case_1") { Activities = { new SetVariableActivity("Set1") { VariableName = "variable", Value = "case_1_hit" } } },
                    new SwitchCase("case_2") { Activities = { new SetVariableActivity("Set2") { VariableName = "variable", Value = "case_2_hit" } } },
                },
                DefaultActivities = { new SetVariableActivity("SetDefault") { VariableName = "variable", Value = "default_hit" } },
            },
        },
    };

    [Theory]
    [InlineData("case_1", "Set1", "case_1_hit")]
    [InlineData("case_2", "Set2", "case_2_hit")]
    [InlineData("case_3", "SetDefault", "default_hit")]
    [InlineData("case_4", "SetDefault", "default_hit")]
    [InlineData("case_anything", "SetDefault", "default_hit")]
    public async Task Switch_runs_the_matching_case_or_the_default(string on, string ran, string value)
    {
        var run = await _harness.RunAsync(Switch($"@concat('{on}')"));

        Assert.Equal(RunState.Succeeded, run.Status);
        var set = Assert.Single(run.ActivityRuns, a => a.ActivityType == "SetVariable");
        Assert.Equal(ran, set.ActivityName);
        Assert.Equal(value, set.Output!["value"]!.GetValue<string>());
        Assert.StartsWith("Switch/", set.Scope);
    }

    [Fact]
    public async Task Switch_without_a_matching_case_or_default_runs_nothing_and_succeeds()
    {
        var pipeline = Switch("@'case_9'");
        ((SwitchActivity)pipeline.Activities[0]).DefaultActivities.Clear();

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal(["Switch"], run.ActivityRuns.Select(a => a.ActivityName));
    }

    [Fact]
    public async Task Switch_fails_when_on_is_not_a_string()
    {
        var run = await _harness.RunAsync(Switch("@add(1, 1)"));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Contains("must give a string", RunnerHarness.Only(run, "Switch").Error!.Message);
    }

    [Fact]
    public async Task A_failure_inside_a_case_fails_the_switch_and_the_pipeline()
    {
        var pipeline = Switch("@'case_1'");
        ((SwitchActivity)pipeline.Activities[0]).Cases[0].Activities.Add(new FailActivity("Stop") { Message = "no", ErrorCode = "E1" });

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("E1", RunnerHarness.Only(run, "Switch").Error!.ErrorCode);
    }

    [Fact]
    public async Task The_peer_switch_pipeline_json_runs_its_cases()
    {
        // Shape of the peer's switch-empty-default.json: 'on' from a parameter, two cases, no default.
        const string json = """
            {"name":"switch-empty-default","properties":{"activities":[{"name":"Switch1","type":"Switch","dependsOn":[],"typeProperties":{
              "on":{"value":"@pipeline().parameters.current_value","type":"Expression"},
              "cases":[
                {"value":"case_1","activities":[{"name":"Set variable2","type":"SetVariable","dependsOn":[],"typeProperties":{"variableName":"case_hit","value":"case_1_hit"}}]},
                {"value":"case_2","activities":[{"name":"Set variable3","type":"SetVariable","dependsOn":[],"typeProperties":{"variableName":"case_hit","value":"case_2_hit"}}]}]}}],
              "parameters":{"current_value":{"type":"string","defaultValue":"1"}},"variables":{"case_hit":{"type":"String"}}}}
            """;
        foreach (var (on, expected) in new[] { ("case_1", "case_1_hit"), ("case_2", "case_2_hit") })
        {
            var run = await _harness.RunJsonAsync(json, new() { ["current_value"] = on });
            Assert.Equal(RunState.Succeeded, run.Status);
            Assert.Equal(expected, Assert.Single(run.ActivityRuns, a => a.ActivityType == "SetVariable").Output!["value"]!.GetValue<string>());
        }
    }
}
