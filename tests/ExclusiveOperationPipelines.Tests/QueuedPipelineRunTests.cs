using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace ExclusiveOperationPipelines.Tests;

/// <summary>
/// The generated RunExclusiveOperationQueued pipeline, executed by the runner against a scripted Function App that
/// answers per the queue mode contract (202 + Location with the instance's token, 202 polls with Retry-After while
/// the run waits in line and runs, 200 with the outcome), on virtual time.
/// </summary>
public sealed class QueuedPipelineRunTests : IAsyncLifetime
{
    private const string AppId = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/app1";
    private const string Token = "unguessable-status-token";

    private readonly RunnerHarness _harness = new();
    private ScriptedServer _function = null!;
    private ScriptedServer _arm = null!;

    private static Pipeline Generated(string name) =>
        PipelineJson.Deserialize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "generated", name + ".json")), name);

    private Pipeline Queued => _harness.Pipelines["RunExclusiveOperationQueued"];

    public Task InitializeAsync()
    {
        _function = new ScriptedServer();
        _arm = new ScriptedServer();
        for (var i = 0; i < 4; i++)
            _arm.Then(new(200, """{"id":"x","name":"StartOperation","properties":{"default":"the-key"}}"""));
        _harness.ManagedIdentityToken = _ => "factory-token";
        foreach (var name in new[] { "RunExclusiveOperation", "RunExclusiveOperationQueued" })
            _harness.Pipelines[name] = Generated(name);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _function.DisposeAsync();
        await _arm.DisposeAsync();
        _harness.Dispose();
    }

    private Dictionary<string, JsonNode?> Parameters(int queueTimeoutSeconds = 600) => new()
    {
        ["functionBaseUrl"] = _function.BaseUrl.ToString().TrimEnd('/'),
        ["functionAppResourceId"] = AppId,
        ["managementEndpoint"] = _arm.BaseUrl.ToString().TrimEnd('/'),
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["input"] = new JsonObject { ["seconds"] = 5 },
        ["queueTimeoutSeconds"] = queueTimeoutSeconds,
    };

    private static string StatusUrl(string id) => $"{{base}}/api/runs/{id}?token={Token}";

    /// <summary>The starter's 202, <paramref name="polls"/> status answers 202 (waiting in line, then running), then the final 200.</summary>
    private void QueuedRun(string id, int polls, string runtimeStatus, JsonObject? output)
    {
        var location = new Dictionary<string, string> { ["Location"] = StatusUrl(id) };
        _function.Then(new(202, new JsonObject { ["id"] = id, ["statusQueryGetUri"] = StatusUrl(id) }.ToJsonString(), location));
        for (var i = 0; i < polls; i++)
        {
            var customStatus = i < polls - 1 ? new JsonObject { ["status"] = "Queued", ["position"] = polls - 1 - i } : new JsonObject { ["status"] = "Running" };
            var pending = new JsonObject { ["name"] = "ExclusiveOperation", ["instanceId"] = id, ["runtimeStatus"] = i == 0 ? "Pending" : "Running", ["customStatus"] = customStatus };
            _function.Then(new(202, pending.ToJsonString(), new(location) { ["Retry-After"] = "3" }));
        }
        var body = new JsonObject
        {
            ["name"] = "ExclusiveOperation",
            ["instanceId"] = id,
            ["runtimeStatus"] = runtimeStatus,
            ["customStatus"] = output?.DeepClone(),
            ["output"] = output,
            ["createdTime"] = "2026-01-01T00:00:00Z",
            ["lastUpdatedTime"] = "2026-01-01T00:00:20Z",
        };
        _function.Then(new(200, body.ToJsonString()));
    }

    private static JsonObject Outcome(string id, string status, string? detail = null, JsonNode? result = null) => new()
    {
        ["status"] = status,
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["instanceId"] = id,
        ["holder"] = status == "OK" ? new JsonObject { ["holderId"] = id } : new JsonObject { ["holderId"] = "other" },
        ["retryAfterSeconds"] = null,
        ["retryAt"] = null,
        ["detail"] = detail,
        ["result"] = result,
        ["queuedSeconds"] = 12,
    };

    private static string Describe(PipelineRun run) =>
        string.Join('\n', run.ActivityRuns.OrderBy(a => a.ActivityRunStart).Select(a => $"{a.Scope}{a.ActivityName}: {a.Status} {a.Error?.Message}"));

    [Fact]
    public async Task One_queued_call_polls_until_the_operation_is_done_and_returns_what_the_conflict_pipeline_returns()
    {
        QueuedRun("i1", polls: 3, "Completed", Outcome("i1", "OK", result: new JsonObject { ["waitedSeconds"] = 5 }));

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.True(run.Status == RunState.Succeeded, run.Message + "\n" + Describe(run));
        Assert.Equal("""{"status":"OK","attempts":1,"instanceId":"i1","result":{"waitedSeconds":5}}""", run.Output!.ToJsonString());
        var requests = _function.Requests.ToList();
        var post = Assert.Single(requests, r => r.Method == "POST");
        Assert.Equal($"/api/operations/wait?lockKey=sales%2F2026&mode=queue&queueTimeout=600&requestId={run.RunId}", post.Path);
        Assert.Equal("the-key", post.Headers["x-functions-key"]);
        Assert.Equal(DataFactory.Runner.Run.RunnerTelemetry.TraceParentOf(run.RunId), post.Headers["traceparent"]);
        Assert.Equal("""{"seconds":5}""", post.Body);
        // The Web activity itself followed the Location (with its token) until the 200: three 202s, then the answer.
        Assert.Equal(Enumerable.Repeat($"/api/runs/i1?token={Token}", 4), requests.Where(r => r.Method == "GET").Select(r => r.Path));
        var call = Assert.Single(run.ActivityRuns, a => a.ActivityName == "Call Durable Azure Function");
        Assert.True(call.ActivityRunEnd - call.ActivityRunStart >= TimeSpan.FromSeconds(9), "the three Retry-After: 3 waits were not honoured");
        Assert.DoesNotContain("the-key", System.Text.Json.JsonSerializer.Serialize(run));
        Assert.DoesNotContain(run.ActivityRuns, a => a.ActivityName == "Operation Not Completed");
    }

    [Fact]
    public async Task A_run_not_given_the_lock_within_queueTimeout_fails_with_LockNotAcquired_and_the_functions_detail()
    {
        QueuedRun("i1", polls: 2, "Completed", Outcome("i1", "TimedOut", detail: "not given the lock within 600 s"));

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("LockNotAcquired" == run.Error!.ErrorCode, Describe(run));
        Assert.Equal("Operation Not Completed", run.Error.Target);
        Assert.Contains("Operation wait did not get its lock within queueTimeout (600 s) and did not run; detail: not given the lock within 600 s; answer: {", run.Error.Message);
        Assert.Contains("\"queuedSeconds\":12", run.Error.Message);
        Assert.Single(_function.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task A_run_dropped_from_the_line_fails_with_LockNotAcquired()
    {
        QueuedRun("i1", polls: 1, "Completed", Outcome("i1", "Abandoned", detail: "status not polled for 300 s"));

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("LockNotAcquired" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("left the line for its lock without running (its status was not polled in time); detail: status not polled for 300 s", run.Error.Message);
    }

    [Fact]
    public async Task A_failed_orchestration_fails_with_OperationFailed_without_calling_again()
    {
        QueuedRun("i1", polls: 1, "Failed", null);

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("OperationFailed" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("Operation wait failed in the Function App (runtime status Failed, status none); detail: none", run.Error.Message);
        Assert.Single(_function.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task An_answer_queue_mode_does_not_give_is_not_taken_for_success()
    {
        // An app without queue mode would answer Conflict; the queued pipeline has no retry loop, so that is a failure.
        QueuedRun("i1", polls: 0, "Completed", Outcome("i1", "Conflict"));

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("OperationFailed" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("(runtime status Completed, status Conflict)", run.Error.Message);
    }

    [Fact]
    public async Task A_function_app_that_cannot_be_called_fails_with_FunctionCallFailed_and_every_retry_asks_for_the_same_instance()
    {
        for (var i = 0; i < 3; i++)
            _function.Then(new(500, "host error"));

        var run = await _harness.RunAsync(Queued, Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("FunctionCallFailed" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("Operation wait could not be started or polled: ", run.Error.Message);
        Assert.Contains("answered 500", run.Error.Message);
        // 1 + 2 retries, all with the run's id as requestId: a retry attaches to the instance (and place in line) a lost answer started.
        var posts = _function.Requests.Where(r => r.Method == "POST").Select(r => r.Path).ToList();
        Assert.Equal(3, posts.Count);
        Assert.Single(posts.Distinct());
    }

    [Fact]
    public async Task A_call_that_never_ends_is_bounded_by_queueTimeout_plus_the_operations_allowance()
    {
        // 202 for ever: each attempt of the call polls until its policy.timeout, 600 s + 12 h.
        for (var i = 0; i < 200; i++)
            _function.Then(new(202, "{}", new() { ["Location"] = StatusUrl("i1"), ["Retry-After"] = "3600" }));

        var run = await _harness.RunAsync(Queued, Parameters(queueTimeoutSeconds: 600));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("FunctionCallFailed" == run.Error!.ErrorCode, Describe(run));
        var calls = run.ActivityRuns.Where(a => a.ActivityName == "Call Durable Azure Function").ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("ActivityTimedOut", c.Error!.ErrorCode));
        Assert.Contains("timed out after 12:10:00", calls[0].Error!.Message);
    }

    [Fact]
    public async Task The_for_keys_pipeline_in_queue_mode_runs_one_queued_call_per_key()
    {
        // The keys run at once and share the scripted answers; every run gets one 202 at most before its 200.
        _function.Then(new(202, "{}", new() { ["Location"] = StatusUrl("q") }))
            .Then(new(202, "{}", new() { ["Location"] = StatusUrl("q") }));
        for (var i = 0; i < 2; i++)
            _function.Then(new(200, new JsonObject { ["instanceId"] = "q", ["runtimeStatus"] = "Completed", ["output"] = Outcome("q", "OK") }.ToJsonString()));
        var parameters = Parameters(queueTimeoutSeconds: 120);
        parameters.Remove("lockKey");
        parameters["lockKeys"] = new JsonArray("a", "b");
        parameters["mode"] = "queue";

        var run = await _harness.RunAsync(Generated("RunExclusiveOperationsForKeys"), parameters);

        Assert.True(run.Status == RunState.Succeeded, run.Message + "\n" + Describe(run));
        Assert.Equal(2, run.Output!["keys"]!.GetValue<long>());
        var posts = _function.Requests.Where(r => r.Method == "POST").Select(r => r.Path[..r.Path.IndexOf("&requestId=", StringComparison.Ordinal)]).Order();
        Assert.Equal(["/api/operations/wait?lockKey=a&mode=queue&queueTimeout=120", "/api/operations/wait?lockKey=b&mode=queue&queueTimeout=120"], posts);
        Assert.Equal(2, run.ActivityRuns.Count(a => a.ActivityName == "Run Exclusive Operation Queued" && a.Status == RunState.Succeeded));
        Assert.DoesNotContain(run.ActivityRuns, a => a.ActivityName == "Run Exclusive Operation" && a.Status != RunState.Skipped);
    }

    [Fact]
    public async Task The_for_keys_pipeline_refuses_an_unknown_mode_before_any_key_runs()
    {
        var parameters = Parameters();
        parameters.Remove("lockKey");
        parameters.Remove("queueTimeoutSeconds");
        parameters["lockKeys"] = new JsonArray("a");
        parameters["mode"] = "queued";

        var run = await _harness.RunAsync(Generated("RunExclusiveOperationsForKeys"), parameters);

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("InvalidMode", run.Error!.ErrorCode);
        Assert.Equal("The mode parameter is 'queued'; use 'conflict' (retry while the lock is taken) or 'queue' (wait in the line for the lock).", run.Error.Message);
        Assert.Empty(_function.Requests);
        Assert.Empty(_arm.Requests);
    }
}
