using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Pipelines.Validation;

namespace ExclusiveOperationPipelines.Tests;

/// <summary>The shape of RunExclusiveOperationQueued and how RunExclusiveOperationsForKeys chooses between the two pipelines.</summary>
public sealed class QueuedPipelineTests
{
    private static readonly Pipeline Queued = RunExclusiveOperationQueued.Define();
    private static readonly Pipeline Conflict = RunExclusiveOperation.Define();

    private static List<T> All<T>(Pipeline pipeline) => [.. pipeline.AllActivities().Select(a => a.Activity).OfType<T>()];

    private static JsonNode Json(Activity activity) => PipelineJson.WriteActivities([activity])[0]!;

    [Fact]
    public void It_validates_and_has_no_loop()
    {
        Assert.Empty(PipelineValidator.Validate(Queued));
        Assert.Empty(All<UntilActivity>(Queued));
        Assert.Empty(All<WaitActivity>(Queued));
    }

    [Fact]
    public void It_makes_one_call_with_mode_queue_that_polls_by_itself()
    {
        var webActivities = All<WebActivity>(Queued);
        Assert.Equal(["Get Function Key", "Call Durable Azure Function"], webActivities.Select(w => w.Name));
        var call = webActivities[1];
        var url = ((Expression)call.Url!).Value;
        Assert.Contains("'mode=queue&queueTimeout=', string(pipeline().parameters.queueTimeoutSeconds), '&requestId=', uriComponent(pipeline().RunId))", url);
        Assert.Contains("concat('lockKey=', uriComponent(pipeline().parameters.lockKey), '&')", url);
        Assert.DoesNotContain("callerId", url);
        Assert.NotEqual(true, call.TurnOffAsync);
        Assert.Equal(new Expression("@activity('Get Function Key').output.properties.default"), call.Headers["x-functions-key"]);
        Assert.True(call.Policy!.SecureInput);
        Assert.Equal([new Dependency("Get Function Key", DependencyCondition.Succeeded)], call.DependsOn);
    }

    [Fact]
    public void The_calls_timeout_covers_queueTimeout_plus_the_operations_allowance()
    {
        var timeout = Assert.IsType<Expression>(All<WebActivity>(Queued)[1].Policy!.Timeout).Value;
        Assert.Contains($"add(pipeline().parameters.queueTimeoutSeconds, {OperationActivities.OperationAllowanceSeconds})", timeout);
        Assert.Equal(OperationActivities.OperationAllowance, TimeSpan.FromSeconds(OperationActivities.OperationAllowanceSeconds).ToString(@"d\.hh\:mm\:ss"));
        // The conflict pipeline gives one attempt the same allowance.
        Assert.Equal(OperationActivities.OperationAllowance, (All<WebActivity>(Conflict)[1].Policy!.Timeout as Literal)?.Node?.GetValue<string>());
    }

    [Fact]
    public void It_reads_the_key_exactly_as_the_conflict_pipeline_does()
    {
        // The same activity, except where it stands: the conflict pipeline reads the key after checking its retry jitter.
        var conflictRead = Json(All<WebActivity>(Conflict)[0]).AsObject();
        var queuedRead = Json(All<WebActivity>(Queued)[0]).AsObject();
        Assert.Equal("Check Retry Jitter", conflictRead["dependsOn"]?[0]?["activity"]?.GetValue<string>());
        conflictRead.Remove("dependsOn");
        queuedRead.Remove("dependsOn");
        Assert.True(JsonNode.DeepEquals(conflictRead, queuedRead));
    }

    [Fact]
    public void Its_parameters_are_the_operations_and_queueTimeoutSeconds()
    {
        var shared = new[] { "functionBaseUrl", "functionAppResourceId", "managementEndpoint", "operation", "lockKey", "input" };
        Assert.Equal([.. shared, "queueTimeoutSeconds"], Queued.Parameters.Keys);
        Assert.All(shared, name => Assert.Equal(Conflict.Parameters[name], Queued.Parameters[name]));
        Assert.Equal(new Parameter(ParameterType.Int, 3600), Queued.Parameters["queueTimeoutSeconds"]);
    }

    [Fact]
    public void It_fails_with_the_conflict_pipelines_names_and_returns_the_same_value()
    {
        var fail = Assert.Single(All<FailActivity>(Queued));
        // The conflict pipeline also fails a bad retryJitterSeconds before any call; its outcome failure is the same one.
        var conflictFail = Assert.Single(All<FailActivity>(Conflict), f => f.Name == fail.Name);
        Assert.Equal(conflictFail.Name, fail.Name);
        Assert.Equal(conflictFail.ErrorCode, fail.ErrorCode);
        foreach (var code in new[] { "OperationFailed", "FunctionCallFailed", "LockNotAcquired" })
            Assert.Contains($"'{code}'", ((Expression)fail.ErrorCode).Value);
        var message = ((Expression)fail.Message).Value;
        Assert.Contains("output?.detail", message);
        Assert.Contains(".error?.message", message);

        var returns = Assert.Single(All<SetVariableActivity>(Queued), s => s.SetsReturnValue);
        var conflictReturns = Assert.Single(All<SetVariableActivity>(Conflict), s => s.SetsReturnValue);
        Assert.Equal(conflictReturns.Name, returns.Name);
        Assert.Equal(conflictReturns.ReturnValues!.Keys, returns.ReturnValues!.Keys);
    }

    [Fact]
    public void Only_a_completed_orchestration_with_a_queue_mode_status_counts_as_an_answer()
    {
        var status = Assert.Single(All<SetVariableActivity>(Queued), s => s.Name == "Set Status");
        var value = ((Expression)status.Value!).Value;
        Assert.Contains("equals(activity('Call Durable Azure Function').output.runtimeStatus, 'Completed')", value);
        Assert.Contains("createArray('OK', 'TimedOut', 'Abandoned')", value);
        Assert.DoesNotContain("Conflict", value);
    }

    [Fact]
    public void The_outcome_check_runs_after_either_status_activity_but_not_when_the_key_was_not_read()
    {
        var check = Assert.Single(All<IfConditionActivity>(Queued));
        Assert.Equal(
            [
                new Dependency("Call Durable Azure Function", DependencyCondition.Completed),
                new Dependency("Set Status", DependencyCondition.Succeeded, DependencyCondition.Skipped),
                new Dependency("Record Call Failure", DependencyCondition.Succeeded, DependencyCondition.Skipped),
            ],
            check.DependsOn);
    }

    [Fact]
    public void The_for_keys_pipeline_runs_either_pipeline_by_mode()
    {
        var forKeys = RunExclusiveOperationsForKeys.Define();
        Assert.Equal(new Parameter(ParameterType.String, "conflict"), forKeys.Parameters["mode"]);
        var forEach = Assert.Single(All<ForEachActivity>(forKeys));
        var byMode = Assert.IsType<SwitchActivity>(Assert.Single(forEach.Activities));
        Assert.Equal("@pipeline().parameters.mode", byMode.On.Value);
        Assert.Equal(
            [("conflict", RunExclusiveOperation.Name), ("queue", RunExclusiveOperationQueued.Name)],
            byMode.Cases.Select(c => (c.Value, Assert.IsType<ExecutePipelineActivity>(Assert.Single(c.Activities)).PipelineName)));
        Assert.Empty(byMode.DefaultActivities);
    }

    [Fact]
    public void Every_execute_pipeline_passes_only_parameters_its_pipeline_declares_and_every_one_without_a_default()
    {
        var byName = PipelineCatalog.All().ToDictionary(p => p.Name);
        var executes = PipelineCatalog.All().SelectMany(All<ExecutePipelineActivity>).ToList();
        Assert.Equal(2, executes.Count);
        foreach (var execute in executes)
        {
            var target = byName[execute.PipelineName];
            Assert.Empty(execute.Parameters.Keys.Except(target.Parameters.Keys));
            Assert.Empty(target.Parameters.Where(p => p.Value.DefaultValue is null).Select(p => p.Key).Except(execute.Parameters.Keys));
        }
    }
}
