using System.Net;
using System.Text.Json.Nodes;
using DataFactory.Runner.Run;
using DataFactory.Testing;

namespace ExclusiveOperationPipelines.Tests;

/// <summary>
/// The generated pipelines' paths as pipeline tests: loaded from pipelines/generated (Data Factory's git layout), the
/// ARM listkeys call and the Function App stubbed by activity name, on virtual time. The same paths against a
/// scripted Function App over real HTTP are in <see cref="ExclusiveOperationPipelineRunTests"/> and <see cref="QueuedPipelineRunTests"/>.
/// </summary>
public sealed class PipelinePathTests
{
    private const string AppId = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/app1";
    private const string Call = "Call Durable Azure Function";
    private static readonly string Factory = Path.Combine(Repository.Root, "pipelines", "generated");

    private static PipelineTest Pipeline(string name, int maxAttempts = 5) => PipelineTest.FromFolder(Factory, name)
        .WithParameter("functionBaseUrl", "https://app1.azurewebsites.net")
        .WithParameter("functionAppResourceId", AppId)
        .WithParameter("lockKey", "sales/2026")
        .WithParameter("input", new { seconds = 5 })
        .Stub("Get Function Key", Answer.Ok(new { properties = new { @default = "the-key" } }));

    private static PipelineTest Conflict(int maxAttempts = 5) => Pipeline("RunExclusiveOperation")
        .WithParameter("maxAttempts", maxAttempts)
        .WithParameter("retryJitterSeconds", 0);

    /// <summary>The status URL's final answer: the orchestration's runtime status and output (the operation's outcome).</summary>
    private static Answer Orchestration(string runtimeStatus, JsonObject? output) =>
        Answer.Ok(new JsonObject { ["runtimeStatus"] = runtimeStatus, ["output"] = output });

    private static JsonObject Outcome(string status, string id, int? retryAfterSeconds = null) => new()
    {
        ["status"] = status,
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["instanceId"] = id,
        ["retryAfterSeconds"] = retryAfterSeconds,
        ["result"] = status == "OK" ? new JsonObject { ["waitedSeconds"] = 5 } : null,
    };

    [Fact]
    public async Task OK_at_once_makes_one_call_with_the_key_from_ARM_and_returns_the_result()
    {
        var result = await Conflict().Stub(Call, Orchestration("Completed", Outcome("OK", "i1"))).RunAsync();

        result.EnsureSucceeded();
        var call = Assert.Single(result.CallsTo(Call));
        var runId = result.Run.RunId;
        Assert.Equal($"https://app1.azurewebsites.net/api/operations/wait?lockKey=sales%2F2026&callerId={runId}&requestId={runId}-1", call.Url);
        Assert.Equal("the-key", call.Input!["headers"]!["x-functions-key"]!.GetValue<string>());
        Assert.Equal("""{"seconds":5}""", call.Input["body"]!.ToJsonString());
        var listKeys = Assert.Single(result.CallsTo("Get Function Key"));
        Assert.Equal($"https://management.azure.com{AppId}/functions/StartOperation/listkeys?api-version=2024-04-01", listKeys.Url);
        Assert.Equal("Bearer test-managed-identity-token:https://management.azure.com/", listKeys.Input!["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Empty(result.RunsOf("Wait Before Retry"));
        Assert.Equal("""{"status":"OK","attempts":1,"instanceId":"i1","result":{"waitedSeconds":5}}""", result.ReturnValue!.ToJsonString());
        Assert.Equal(TimeSpan.Zero, result.Duration);
    }

    [Fact]
    public async Task Conflict_then_OK_waits_the_hints_seconds_and_calls_again()
    {
        var result = await Conflict()
            .StubSequence(Call, Orchestration("Completed", Outcome("Conflict", "i1", retryAfterSeconds: 7)), Orchestration("Completed", Outcome("OK", "i2")))
            .RunAsync();

        result.EnsureSucceeded();
        var calls = result.CallsTo(Call);
        Assert.Equal(2, calls.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), calls[1].Time - calls[0].Time);
        Assert.EndsWith("-2", calls[1].Url);
        var wait = result.SingleRun("Wait Before Retry");
        Assert.Equal(TimeSpan.FromSeconds(7), wait.ActivityRunEnd - wait.ActivityRunStart);
        Assert.Equal(1, wait.Iteration); // the Until's first iteration: call, Conflict, wait
        Assert.Equal(2, result.ReturnValue!["attempts"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_lock_never_free_ends_in_LockNotAcquired_when_the_attempts_are_used_up()
    {
        var result = await Conflict(maxAttempts: 3).Stub(Call, Orchestration("Completed", Outcome("Conflict", "i", retryAfterSeconds: 30))).RunAsync();

        Assert.Equal(RunState.Failed, result.Status);
        Assert.Equal("LockNotAcquired", result.Error!.ErrorCode);
        Assert.Contains("could not take its lock after 3 attempt(s)", result.Error.Message);
        Assert.Equal(3, result.CallsTo(Call).Count);
        // A wait between attempts, none after the last: 2 x 30 s.
        Assert.Equal(2, result.RunsOf("Wait Before Retry").Count);
        Assert.Equal(TimeSpan.FromSeconds(60), result.Duration);
    }

    [Fact]
    public async Task A_failed_orchestration_ends_in_OperationFailed_without_another_call()
    {
        var result = await Conflict().Stub(Call, Orchestration("Failed", null)).RunAsync();

        Assert.Equal("OperationFailed", result.Error!.ErrorCode);
        Assert.Contains("failed in the Function App after 1 attempt(s)", result.Error.Message);
        Assert.Single(result.CallsTo(Call));
        Assert.Empty(result.RunsOf("Wait Before Retry"));
    }

    [Fact]
    public async Task A_call_that_keeps_failing_is_retried_by_its_policy_then_ends_in_FunctionCallFailed()
    {
        var result = await Conflict().Stub(Call, Answer.Http(HttpStatusCode.InternalServerError, "host error")).RunAsync();

        Assert.Equal("FunctionCallFailed", result.Error!.ErrorCode);
        var runs = result.RunsOf(Call);
        Assert.Equal([1, 2, 3], runs.Select(r => r.Attempt));
        Assert.All(runs, r => Assert.Equal("500", r.Error!.ErrorCode));
        Assert.Equal(TimeSpan.FromSeconds(30), runs[1].ActivityRunStart - runs[0].ActivityRunEnd);
        Assert.Equal(RunState.Succeeded, result.SingleRun("Record Call Failure").Status);
    }

    private static Answer Accepted(int retryAfter) => Answer.Http(HttpStatusCode.Accepted, new { runtimeStatus = "Pending" },
        new Dictionary<string, string> { ["Location"] = "https://app1.azurewebsites.net/api/runs/i1?token=t", ["Retry-After"] = retryAfter.ToString() });

    [Fact]
    public async Task The_queued_pipeline_polls_the_status_url_at_its_Retry_After_until_OK()
    {
        var result = await Pipeline("RunExclusiveOperationQueued").WithParameter("queueTimeoutSeconds", 600)
            .StubSequence(Call, Accepted(3), Accepted(3), Answer.Http(HttpStatusCode.Accepted, null, new Dictionary<string, string>
            {
                ["Location"] = "https://app1.azurewebsites.net/api/runs/i1?token=t",
                ["Retry-After"] = "4",
            }), Orchestration("Completed", Outcome("OK", "i1")))
            .RunAsync();

        result.EnsureSucceeded();
        var calls = result.CallsTo(Call);
        Assert.Equal([false, true, true, true], calls.Select(c => c.IsStatusPoll));
        Assert.Contains("mode=queue&queueTimeout=600", calls[0].Url);
        Assert.All(calls.Skip(1), c => Assert.Equal("https://app1.azurewebsites.net/api/runs/i1?token=t", c.Url));
        Assert.Equal(TimeSpan.FromSeconds(10), result.Duration);
        Assert.Equal("OK", result.ReturnValue!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("TimedOut", "LockNotAcquired")]
    [InlineData("Abandoned", "LockNotAcquired")]
    public async Task The_queued_pipeline_not_given_the_lock_ends_in_LockNotAcquired(string status, string errorCode)
    {
        var result = await Pipeline("RunExclusiveOperationQueued").WithParameter("queueTimeoutSeconds", 600)
            .Stub(Call, Orchestration("Completed", Outcome(status, "i1")))
            .RunAsync();

        Assert.Equal(errorCode, result.Error!.ErrorCode);
        Assert.Single(result.CallsTo(Call));
    }

    [Fact]
    public async Task The_queued_pipeline_ends_a_failed_orchestration_in_OperationFailed_and_a_failing_call_in_FunctionCallFailed()
    {
        var failed = await Pipeline("RunExclusiveOperationQueued").Stub(Call, Orchestration("Failed", null)).RunAsync();
        var unreachable = await Pipeline("RunExclusiveOperationQueued").Stub(Call, Answer.Fail("RequestFailed", "connection refused")).RunAsync();

        Assert.Equal("OperationFailed", failed.Error!.ErrorCode);
        Assert.Single(failed.CallsTo(Call));
        Assert.Equal("FunctionCallFailed", unreachable.Error!.ErrorCode);
        Assert.Contains("connection refused", unreachable.Error.Message);
        Assert.Equal(3, unreachable.CallsTo(Call).Count);
    }

    private static PipelineTest ForKeys(string mode) => PipelineTest.FromFolder(Factory, "RunExclusiveOperationsForKeys")
        .WithParameter("functionBaseUrl", "https://app1.azurewebsites.net")
        .WithParameter("functionAppResourceId", AppId)
        .WithParameter("lockKeys", new[] { "a", "b", "c" })
        .WithParameter("mode", mode)
        .Stub("Get Function Key", Answer.Ok(new { properties = new { @default = "the-key" } }))
        .Stub(Call, call => Orchestration("Completed", Outcome("OK", "i-" + call.CallNumber)));

    [Theory]
    [InlineData("conflict", "Run Exclusive Operation>RunExclusiveOperation/")]
    [InlineData("queue", "Run Exclusive Operation Queued>RunExclusiveOperationQueued/")]
    public async Task The_for_keys_pipeline_switches_on_the_mode_and_runs_one_child_pipeline_per_key(string mode, string child)
    {
        var result = await ForKeys(mode).RunAsync();

        result.EnsureSucceeded();
        Assert.Equal(3, result.ReturnValue!["keys"]!.GetValue<long>());
        var calls = result.CallsTo(Call);
        Assert.Equal(["lockKey=a&", "lockKey=b&", "lockKey=c&"], calls.Select(c => c.Url![(c.Url!.IndexOf('?') + 1)..(c.Url.IndexOf('&') + 1)]).Order());
        // Each key's call ran in its own child pipeline, under its ForEach iteration and the Switch's case.
        Assert.Equal(["For Each Lock Key[0]", "For Each Lock Key[1]", "For Each Lock Key[2]"], result.RunsOf(Call).Select(r => r.Scope[..r.Scope.IndexOf('/')]).Order());
        Assert.All(result.RunsOf(Call), r => Assert.Contains($"/By Mode/case '{mode}'/{child}", r.Scope));
    }

    [Fact]
    public async Task The_for_keys_pipeline_refuses_an_unknown_mode_before_any_key()
    {
        var result = await ForKeys("fast").RunAsync();

        Assert.Equal("InvalidMode", result.Error!.ErrorCode);
        Assert.Empty(result.Calls);
        Assert.Equal(RunState.Skipped, result.SingleRun("For Each Lock Key").Status);
    }
}
