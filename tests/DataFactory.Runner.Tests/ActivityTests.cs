using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;
using static Tests.Shared.RunnerHarness;

namespace DataFactory.Runner.Tests;

public sealed class ActivityTests : IDisposable
{
    private readonly RunnerHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Wait_passes_on_virtual_time()
    {
        var run = await _harness.RunAsync(new Pipeline("P") { Activities = { new WaitActivity("Hour") { WaitTimeInSeconds = 3600 } } });
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.InRange(Only(run, "Hour").DurationInMs!.Value, 3_600_000, 3_700_000);
    }

    [Fact]
    public async Task Wait_takes_an_expression()
    {
        var pipeline = new Pipeline("P")
        {
            Parameters = { ["s"] = new(ParameterType.Int, 30) },
            Activities = { new WaitActivity("W") { WaitTimeInSeconds = new Expression("@mul(pipeline().parameters.s, 2)") } },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.InRange(Only(run, "W").DurationInMs!.Value, 60_000, 62_000);
        Assert.Equal(60, Only(run, "W").Output!["waitTimeInSeconds"]!.GetValue<long>());
    }

    [Fact]
    public async Task SetVariable_AppendVariable_and_the_return_value()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["name"] = new(VariableType.String, "a"), ["list"] = new(VariableType.Array) },
            Activities =
            {
                new SetVariableActivity("Set") { VariableName = "name", Value = new Expression("@concat('x', 'y')") },
                new AppendVariableActivity("Append1") { DependsOn = { new("Set", DependencyCondition.Succeeded) }, VariableName = "list", Value = new Expression("@variables('name')") },
                new AppendVariableActivity("Append2") { DependsOn = { new("Append1", DependencyCondition.Succeeded) }, VariableName = "list", Value = 2 },
                new SetVariableActivity("Return")
                {
                    DependsOn = { new("Append2", DependencyCondition.Succeeded) },
                    ReturnValues = new() { ["list"] = new Expression("@variables('list')"), ["literal"] = "text" },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"list":["xy",2],"literal":"text"}"""), run.Output));
    }

    /// <summary>
    /// microsoft/data-factory-testing-framework functional test variables_default_value, whose expected values
    /// are real Data Factory output quoted in its pull request 123: no variable reads as null.
    /// </summary>
    [Fact]
    public async Task Variables_declared_without_a_default_read_as_their_types_empty_value()
    {
        var pipeline = new Pipeline("P")
        {
            Variables =
            {
                ["stringVar"] = new(VariableType.String), ["intVar"] = new(VariableType.Integer),
                ["boolVar"] = new(VariableType.Boolean), ["arrayVar"] = new(VariableType.Array),
            },
        };
        var returns = new Dictionary<string, DfValue>();
        foreach (var name in pipeline.Variables.Keys)
            returns[name] = new Expression($"@if(equals(variables('{name}'), null), 'is null', concat('is not null: ', variables('{name}')))\n");
        pipeline.Activities.Add(new SetVariableActivity("Return") { ReturnValues = returns });

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"stringVar":"is not null: ","intVar":"is not null: 0","boolVar":"is not null: False","arrayVar":"is not null: []"}
            """), run.Output), run.Output?.ToJsonString());
    }

    [Fact]
    public async Task SetVariable_with_the_wrong_type_fails()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["flag"] = new(VariableType.Boolean) },
            Activities = { new SetVariableActivity("Set") { VariableName = "flag", Value = "yes" } },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("InvalidVariableType", run.Error!.ErrorCode);
    }

    [Theory]
    [InlineData(true, "Then")]
    [InlineData(false, "Else")]
    public async Task IfCondition_runs_one_branch(bool condition, string ran)
    {
        var pipeline = new Pipeline("P")
        {
            Parameters = { ["c"] = new(ParameterType.Bool, condition) },
            Activities =
            {
                new IfConditionActivity("If")
                {
                    Expression = new("@pipeline().parameters.c"),
                    IfTrueActivities = { new WaitActivity("Then") { WaitTimeInSeconds = 1 } },
                    IfFalseActivities = { new WaitActivity("Else") { WaitTimeInSeconds = 1 } },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal(ran, Assert.Single(run.ActivityRuns, a => a.ActivityType == "Wait").ActivityName);
    }

    [Fact]
    public async Task Fail_fails_the_pipeline_with_its_code_and_message()
    {
        var pipeline = new Pipeline("P")
        {
            Parameters = { ["who"] = new(ParameterType.String, "bob") },
            Activities = { new FailActivity("Stop") { Message = new Expression("@concat('no access for ', pipeline().parameters.who)"), ErrorCode = "Denied" } },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal(new RunError("Denied", "no access for bob", "UserError", "Stop"), run.Error);
        Assert.Equal("Operation on target Stop failed: no access for bob", run.Message);
    }

    [Fact]
    public async Task Failing_inside_an_IfCondition_fails_the_IfCondition()
    {
        var pipeline = new Pipeline("P")
        {
            Activities = { new IfConditionActivity("If") { Expression = new("@true"), IfTrueActivities = { new FailActivity("Inner") { Message = "m", ErrorCode = "E" } } } },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Failed, Only(run, "If").Status);
        Assert.Equal("E", run.Error!.ErrorCode);
    }

    [Fact]
    public async Task ForEach_sequential_keeps_the_order()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["seen"] = new(VariableType.Array) },
            Activities =
            {
                new ForEachActivity("Each")
                {
                    Items = new("@createArray('a', 'b', 'c', 'd')"),
                    IsSequential = true,
                    Activities = { new AppendVariableActivity("Add") { VariableName = "seen", Value = new Expression("@item()") } },
                },
                new SetVariableActivity("Return") { DependsOn = { new("Each", DependencyCondition.Succeeded) }, ReturnValues = new() { ["seen"] = new Expression("@variables('seen')") } },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal("[\"a\",\"b\",\"c\",\"d\"]", run.Output!["seen"]!.ToJsonString());
        Assert.Equal([0, 1, 2, 3], run.ActivityRuns.Where(a => a.ActivityName == "Add").Select(a => a.Iteration!.Value).Order());
    }

    [Theory]
    [InlineData(true, null, 60)]   // 6 x 10 s one after the other
    [InlineData(false, 2, 30)]     // 2 at a time
    [InlineData(false, 6, 10)]     // all at once
    public async Task ForEach_runs_batchCount_iterations_at_once(bool sequential, int? batchCount, int expectedSeconds)
    {
        var pipeline = new Pipeline("P")
        {
            Activities =
            {
                new ForEachActivity("Each")
                {
                    Items = new("@range(0, 6)"),
                    IsSequential = sequential,
                    BatchCount = batchCount,
                    Activities = { new WaitActivity("Work") { WaitTimeInSeconds = 10 } },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.InRange(Only(run, "Each").DurationInMs!.Value / 1000.0, expectedSeconds, expectedSeconds + 3);
    }

    [Fact]
    public async Task ExecutePipeline_runs_the_child_and_returns_its_value()
    {
        _harness.Pipelines["Child"] = new Pipeline("Child")
        {
            Parameters = { ["x"] = new(ParameterType.Int) },
            Activities = { new SetVariableActivity("Return") { ReturnValues = new() { ["double"] = new Expression("@mul(pipeline().parameters.x, 2)") } } },
        };
        var pipeline = new Pipeline("Parent")
        {
            Variables = { ["got"] = new(VariableType.String) },
            Activities =
            {
                new ExecutePipelineActivity("Run Child") { PipelineName = "Child", WaitOnCompletion = true, Parameters = { ["x"] = 21 } },
                new SetVariableActivity("Read")
                {
                    DependsOn = { new("Run Child", DependencyCondition.Succeeded) },
                    VariableName = "got",
                    Value = new Expression("@string(activity('Run Child').output.pipelineReturnValue.double)"),
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal("42", Only(run, "Read").Output!["value"]!.GetValue<string>());
        Assert.Contains(run.ActivityRuns, a => a.Scope.StartsWith("Run Child>Child/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecutePipeline_fails_when_the_child_fails_or_is_unknown()
    {
        _harness.Pipelines["Child"] = new Pipeline("Child") { Activities = { new FailActivity("Boom") { Message = "child broke", ErrorCode = "ChildError" } } };
        var failing = await _harness.RunAsync(new Pipeline("P") { Activities = { new ExecutePipelineActivity("Run") { PipelineName = "Child" } } });
        Assert.Equal("ChildError", failing.Error!.ErrorCode);

        var missing = await _harness.RunAsync(new Pipeline("P") { Activities = { new ExecutePipelineActivity("Run") { PipelineName = "Nope" } } });
        Assert.Equal("PipelineNotFound", missing.Error!.ErrorCode);
    }

    [Fact]
    public async Task Until_runs_its_activities_before_testing_the_condition()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["n"] = new(VariableType.Array) },
            Activities =
            {
                new UntilActivity("Loop")
                {
                    Expression = new("@true"),
                    Timeout = "0.00:10:00",
                    Activities = { new AppendVariableActivity("Once") { VariableName = "n", Value = 1 } },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Single(run.ActivityRuns, a => a.ActivityName == "Once");
        Assert.Equal(1, Only(run, "Loop").Output!["iterations"]!.GetValue<int>());
    }

    [Fact]
    public async Task Until_loops_until_the_condition_holds()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["n"] = new(VariableType.Array) },
            Activities =
            {
                new UntilActivity("Loop")
                {
                    Expression = new("@equals(length(variables('n')), 4)"),
                    Timeout = "0.00:10:00",
                    Activities = { new AppendVariableActivity("Add") { VariableName = "n", Value = 1 }, },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal([1, 2, 3, 4], run.ActivityRuns.Where(a => a.ActivityName == "Add").Select(a => a.Iteration!.Value).Order());
    }

    [Fact]
    public async Task Until_fails_when_its_timeout_passes()
    {
        var pipeline = new Pipeline("P")
        {
            Activities =
            {
                new UntilActivity("Forever")
                {
                    Expression = new("@false"),
                    Timeout = "0.00:01:00",
                    Activities = { new WaitActivity("Tick") { WaitTimeInSeconds = 10 } },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("ActivityTimedOut", run.Error!.ErrorCode);
        Assert.InRange(Only(run, "Forever").DurationInMs!.Value, 60_000, 65_000);
    }

    [Fact]
    public async Task An_inner_failure_does_not_stop_the_loop_but_fails_it_when_it_is_the_last_iteration()
    {
        var pipeline = new Pipeline("P")
        {
            Variables = { ["n"] = new(VariableType.Array) },
            Activities =
            {
                new UntilActivity("Loop")
                {
                    Expression = new("@equals(length(variables('n')), 3)"),
                    Timeout = "0.00:10:00",
                    Activities =
                    {
                        new AppendVariableActivity("Add") { VariableName = "n", Value = 1 },
                        new FailActivity("Always") { DependsOn = { new("Add", DependencyCondition.Succeeded) }, Message = "inner", ErrorCode = "Inner" },
                    },
                },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal(3, run.ActivityRuns.Count(a => a.ActivityName == "Always"));
        Assert.Equal(RunState.Failed, Only(run, "Loop").Status);
        Assert.Equal("Inner", run.Error!.ErrorCode);
    }

    [Fact]
    public async Task Retry_runs_a_failing_activity_again_after_the_interval()
    {
        var pipeline = new Pipeline("P")
        {
            Activities = { new FailActivity("Flaky") { Policy = new() { Retry = 2, RetryIntervalInSeconds = 20 }, Message = "m", ErrorCode = "E" } },
        };
        var run = await _harness.RunAsync(pipeline);
        var attempts = run.ActivityRuns.Where(a => a.ActivityName == "Flaky").OrderBy(a => a.Attempt).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.True(attempts[1].ActivityRunStart - attempts[0].ActivityRunEnd >= TimeSpan.FromSeconds(20));
        Assert.Equal(RunState.Failed, run.Status);
    }

    [Fact]
    public async Task Policy_timeout_fails_a_slow_activity()
    {
        var pipeline = new Pipeline("P")
        {
            Activities = { new WaitActivity("Slow") { WaitTimeInSeconds = 600, Policy = new() { Timeout = "0.00:00:30" } } },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal("ActivityTimedOut", run.Error!.ErrorCode);
        Assert.InRange(Only(run, "Slow").DurationInMs!.Value, 30_000, 32_000);
    }

    [Fact]
    public async Task Secure_input_and_output_are_masked_in_the_record_but_usable()
    {
        var pipeline = new Pipeline("P")
        {
            Parameters = { ["key"] = new(ParameterType.SecureString, "s3cret") },
            Variables = { ["copy"] = new(VariableType.String) },
            Activities =
            {
                new SetVariableActivity("Hidden") { Policy = new() { SecureInput = true, SecureOutput = true }, VariableName = "copy", Value = new Expression("@pipeline().parameters.key") },
                new SetVariableActivity("Return") { DependsOn = { new("Hidden", DependencyCondition.Succeeded) }, ReturnValues = new() { ["length"] = new Expression("@length(variables('copy'))") } },
            },
        };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal("***", Only(run, "Hidden").Input!.GetValue<string>());
        Assert.Equal("***", Only(run, "Hidden").Output!.GetValue<string>());
        Assert.Equal("***", run.Parameters["key"]!.GetValue<string>());
        Assert.Equal(6, run.Output!["length"]!.GetValue<long>());
        Assert.DoesNotContain("s3cret", System.Text.Json.JsonSerializer.Serialize(run));
    }

    [Fact]
    public async Task An_unsupported_activity_type_fails_clearly()
    {
        // The runner alone, as adf runs it: no ExternalActivity to hand the activity to (a pipeline test would stub it).
        using var http = new HttpClient();
        var run = await new PipelineRunner(http, TimeProvider.System).RunAsync(DataFactory.Pipelines.Json.PipelineJson.Deserialize("""
            { "name": "P", "properties": { "activities": [ { "name": "Copy Data", "type": "Copy", "typeProperties": {} } ] } }
            """));
        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("ActivityTypeNotSupported", run.Error!.ErrorCode);
        Assert.Contains("'Copy Data' is of type 'Copy'", run.Error.Message);
    }

    [Fact]
    public async Task An_expression_error_fails_the_activity_with_InvalidTemplate()
    {
        var pipeline = new Pipeline("P") { Activities = { new WaitActivity("W") { WaitTimeInSeconds = new Expression("@add(1, 'x')") } } };
        var run = await _harness.RunAsync(pipeline);
        Assert.Equal("InvalidTemplate", run.Error!.ErrorCode);
        Assert.Contains("add() argument 2 must be a number", run.Error.Message);
    }

    [Theory]
    [InlineData("{}", "has no default value")]
    [InlineData("{\"n\":\"five\"}", "Parameter 'n' is int")]
    [InlineData("{\"n\":1,\"extra\":2}", "has no parameter 'extra'")]
    public async Task Bad_parameters_fail_the_run_before_any_activity(string parameters, string message)
    {
        var pipeline = new Pipeline("P") { Parameters = { ["n"] = new(ParameterType.Int) }, Activities = { new WaitActivity("W") } };
        var values = JsonNode.Parse(parameters)!.AsObject().ToDictionary(p => p.Key, p => p.Value?.DeepClone());
        var run = await _harness.RunAsync(pipeline, values);
        Assert.Equal(RunState.Failed, run.Status);
        Assert.Contains(message, run.Error!.Message);
        Assert.Empty(run.ActivityRuns);
    }

    [Theory]
    [InlineData("n=5", 5L)]
    [InlineData("n=-2", -2L)]
    public void Command_line_parameters_are_typed_by_the_declaration(string assignment, long expected)
    {
        var pipeline = new Pipeline("P") { Parameters = { ["n"] = new(ParameterType.Int) } };
        Assert.Equal(expected, RunParameters.FromText(pipeline, [assignment])["n"]!.GetValue<long>());
        Assert.Throws<RunParameters.ParameterException>(() => RunParameters.FromText(pipeline, ["n=x"]));
        Assert.Throws<RunParameters.ParameterException>(() => RunParameters.FromText(pipeline, ["m=1"]));
    }
}
