using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;
using DataFactory.Runner.Run;

namespace ExclusiveOperationPipelines.Tests;

/// <summary>
/// The generated RunExclusiveOperation pipeline, executed by the runner against a scripted Function App
/// (the Durable Functions HTTP contract), on virtual time.
/// </summary>
public sealed class ExclusiveOperationPipelineRunTests : IAsyncLifetime
{
    private readonly RunnerHarness _harness = new();
    private ScriptedServer _function = null!;

    /// <summary>Azure Resource Manager, as far as the pipeline uses it: listkeys of the starter function.</summary>
    private ScriptedServer _arm = null!;

    private const string AppId = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/app1";

    private static Pipeline Generated(string name) =>
        PipelineJson.Deserialize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "generated", name + ".json")), name);

    public Task InitializeAsync()
    {
        _function = new ScriptedServer();
        _arm = new ScriptedServer();
        for (var i = 0; i < 4; i++)
            _arm.Then(new(200, """{"id":"x","name":"StartOperation","properties":{"default":"the-key"}}"""));
        _harness.ManagedIdentityToken = _ => "factory-token";
        _harness.Pipelines["RunExclusiveOperation"] = Generated("RunExclusiveOperation");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _function.DisposeAsync();
        await _arm.DisposeAsync();
        _harness.Dispose();
    }

    private Dictionary<string, JsonNode?> Parameters(int maxAttempts = 5, bool hint = true, int jitter = 0) => new()
    {
        ["functionBaseUrl"] = _function.BaseUrl.ToString().TrimEnd('/'),
        ["functionAppResourceId"] = AppId,
        ["managementEndpoint"] = _arm.BaseUrl.ToString().TrimEnd('/'),
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["input"] = new JsonObject { ["seconds"] = 5 },
        ["retryIntervalSeconds"] = 40,
        ["useRetryHint"] = hint,
        ["maxAttempts"] = maxAttempts,
        ["retryJitterSeconds"] = jitter,
    };

    /// <summary>The starter's 202, then the status URL's 200 with the orchestration's final state.</summary>
    private void Orchestration(string id, string runtimeStatus, JsonObject? output)
    {
        _function.Then(new(202, $$"""{"id":"{{id}}"}""", new() { ["Location"] = $"{{base}}/runtime/webhooks/durabletask/instances/{id}", ["Retry-After"] = "1" }));
        var body = new JsonObject { ["instanceId"] = id, ["runtimeStatus"] = runtimeStatus, ["output"] = output, ["customStatus"] = output?.DeepClone() };
        _function.Then(new(200, body.ToJsonString()));
    }

    private static JsonObject Conflict(string id, int retryAfter) => new()
    {
        ["status"] = "Conflict",
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["instanceId"] = id,
        ["holder"] = new JsonObject { ["holderId"] = "other" },
        ["retryAfterSeconds"] = retryAfter,
        ["result"] = null,
    };

    private static JsonObject Ok(string id) => new()
    {
        ["status"] = "OK",
        ["operation"] = "wait",
        ["lockKey"] = "sales/2026",
        ["instanceId"] = id,
        ["holder"] = new JsonObject { ["holderId"] = id },
        ["retryAfterSeconds"] = null,
        ["result"] = new JsonObject { ["waitedSeconds"] = 5 },
    };

    private static string Describe(PipelineRun run) =>
        string.Join('\n', run.ActivityRuns.OrderBy(a => a.ActivityRunStart).Select(a => $"{a.Scope}{a.ActivityName}: {a.Status} {a.Error?.Message}"));

    [Fact]
    public async Task Conflict_then_OK_waits_the_hint_retries_and_returns_the_result()
    {
        Orchestration("i1", "Completed", Conflict("i1", retryAfter: 7));
        Orchestration("i2", "Completed", Ok("i2"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.True(run.Status == RunState.Succeeded, run.Message);
        Assert.Equal("""{"status":"OK","attempts":2,"instanceId":"i2","result":{"waitedSeconds":5}}""", run.Output!.ToJsonString());
        var posts = _function.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.Equal([$"{run.RunId}-1", $"{run.RunId}-2"], posts.Select(p => Uri.UnescapeDataString(p.Path[(p.Path.IndexOf("&requestId=", StringComparison.Ordinal) + 11)..])));
        Assert.All(posts, p =>
        {
            Assert.StartsWith($"/api/operations/wait?lockKey=sales%2F2026&callerId={run.RunId}&requestId=", p.Path);
            Assert.Equal("the-key", p.Headers["x-functions-key"]);
            // One trace per pipeline run, named by its run id (docs/tracing.md).
            Assert.Equal(DataFactory.Runner.Run.RunnerTelemetry.TraceParentOf(run.RunId), p.Headers["traceparent"]);
            Assert.Equal("""{"seconds":5}""", p.Body);
        });
        var wait = Assert.Single(run.ActivityRuns, a => a.ActivityName == "Wait Before Retry");
        Assert.Equal(7, Values.AsLong(wait.Output!["waitTimeInSeconds"]));
        // The key was read once, through ARM with the factory's token, and never appears in the run record.
        var listKeys = Assert.Single(_arm.Requests);
        Assert.Equal(("POST", $"{AppId}/functions/StartOperation/listkeys?api-version=2024-04-01"), (listKeys.Method, listKeys.Path));
        Assert.Equal("Bearer factory-token", listKeys.Headers["Authorization"]);
        Assert.DoesNotContain("the-key", System.Text.Json.JsonSerializer.Serialize(run));
        Assert.DoesNotContain("factory-token", System.Text.Json.JsonSerializer.Serialize(run));
    }

    [Fact]
    public async Task With_a_retryAt_the_wait_lasts_until_that_instant_rounded_up_to_whole_seconds_from_when_the_answer_was_read()
    {
        // retryAt is 60.3 s after the start; the answer is read a little later (the status poll, virtual time).
        var retryAt = _harness.Time.GetUtcNow() + TimeSpan.FromSeconds(60.3);
        var conflict = Conflict("i1", retryAfter: 99);
        conflict["retryAt"] = retryAt.ToString("o");
        Orchestration("i1", "Completed", conflict);
        Orchestration("i2", "Completed", Ok("i2"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.True(run.Status == RunState.Succeeded, run.Message);
        var wait = Assert.Single(run.ActivityRuns, a => a.ActivityName == "Wait Before Retry");
        Assert.InRange((wait.ActivityRunStart - _harness.Time.Start).TotalSeconds, 1, 50);
        // The expression reads utcnow() a moment after the Wait started (virtual time runs on meanwhile), which may cross a
        // whole second: one second less is as right; the end is what matters.
        var fromStart = (long)Math.Ceiling((retryAt - wait.ActivityRunStart).TotalSeconds);
        Assert.InRange(Values.AsLong(wait.Output!["waitTimeInSeconds"]), fromStart - 1, fromStart);
        Assert.True(wait.ActivityRunEnd >= retryAt, "the retry came before retryAt");
        Assert.True(wait.ActivityRunEnd < retryAt + TimeSpan.FromSeconds(1.5), "the retry came more than a second after retryAt");
    }

    [Fact]
    public async Task A_retryAt_already_past_waits_one_second()
    {
        var conflict = Conflict("i1", retryAfter: 8);
        conflict["retryAt"] = (_harness.Time.GetUtcNow() - TimeSpan.FromSeconds(30)).ToString("o");
        Orchestration("i1", "Completed", conflict);
        Orchestration("i2", "Completed", Ok("i2"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal(1, Values.AsLong(Assert.Single(run.ActivityRuns, a => a.ActivityName == "Wait Before Retry").Output!["waitTimeInSeconds"]));
    }

    [Fact]
    public async Task The_fixed_strategy_waits_the_retry_interval()
    {
        Orchestration("i1", "Completed", Conflict("i1", retryAfter: 7));
        Orchestration("i2", "Completed", Ok("i2"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters(hint: false));

        Assert.Equal(RunState.Succeeded, run.Status);
        // A run that does not follow the hints asks for no place in the wait list.
        Assert.All(_function.Requests.Where(r => r.Method == "POST"), p => Assert.StartsWith($"/api/operations/wait?lockKey=sales%2F2026&requestId={run.RunId}-", p.Path));
        Assert.Equal(40, Values.AsLong(Assert.Single(run.ActivityRuns, a => a.ActivityName == "Wait Before Retry").Output!["waitTimeInSeconds"]));
    }

    [Fact]
    public async Task The_fixed_strategy_adds_a_random_whole_number_of_seconds_from_0_to_retryJitterSeconds()
    {
        const int conflicts = 30;
        for (var i = 1; i <= conflicts; i++)
            Orchestration($"i{i}", "Completed", Conflict($"i{i}", retryAfter: 7));
        Orchestration("ok", "Completed", Ok("ok"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters(maxAttempts: conflicts + 1, hint: false, jitter: 1));

        Assert.True(run.Status == RunState.Succeeded, run.Message);
        var waits = run.ActivityRuns.Where(a => a.ActivityName == "Wait Before Retry").Select(a => Values.AsLong(a.Output!["waitTimeInSeconds"])).ToList();
        Assert.Equal(conflicts, waits.Count);
        // Both ends occur: the jitter's maximum is included (rand's is not). 30 waits all alike: chance 2 in 2^30.
        Assert.Equal([40L, 41L], waits.Distinct().Order());
    }

    [Fact]
    public async Task Without_retryJitterSeconds_the_fixed_wait_takes_the_default_jitter()
    {
        Orchestration("i1", "Completed", Conflict("i1", retryAfter: 7));
        Orchestration("i2", "Completed", Ok("i2"));
        var parameters = Parameters(hint: false);
        parameters.Remove("retryJitterSeconds");

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], parameters);

        Assert.Equal(RunState.Succeeded, run.Status);
        var wait = Values.AsLong(Assert.Single(run.ActivityRuns, a => a.ActivityName == "Wait Before Retry").Output!["waitTimeInSeconds"]);
        var jitter = Values.AsLong(_harness.Pipelines["RunExclusiveOperation"].Parameters["retryJitterSeconds"].DefaultValue);
        Assert.True(jitter > 0, "the pipeline has no default jitter");
        Assert.InRange(wait, 40, 40 + jitter);
    }

    [Fact]
    public async Task A_negative_retryJitterSeconds_fails_the_run_saying_so_before_any_call()
    {
        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters(hint: false, jitter: -1));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("InvalidRetryJitter" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("retryJitterSeconds parameter is -1; use 0", run.Error.Message);
        Assert.Empty(_arm.Requests);
        Assert.Empty(_function.Requests);
    }

    [Fact]
    public async Task A_failed_orchestration_fails_the_pipeline_at_once_without_retrying()
    {
        Orchestration("i1", "Failed", null);

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("OperationFailed" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("failed in the Function App after 1 attempt(s)", run.Error.Message);
        Assert.Single(_function.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task A_lock_that_never_frees_ends_in_LockNotAcquired_after_maxAttempts()
    {
        for (var i = 1; i <= 3; i++)
            Orchestration($"i{i}", "Completed", Conflict($"i{i}", retryAfter: 30));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters(maxAttempts: 3));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.True("LockNotAcquired" == run.Error!.ErrorCode, Describe(run));
        Assert.Contains("could not take its lock after 3 attempt(s)", run.Error.Message);
        Assert.True(3 == _function.Requests.Count(r => r.Method == "POST"), Describe(run));
        // No wait after the last attempt: the loop ends as soon as the attempts are used up.
        Assert.Equal(2, run.ActivityRuns.Count(a => a.ActivityName == "Wait Before Retry" && a.Status == RunState.Succeeded));
    }

    [Fact]
    public async Task A_function_app_that_cannot_be_called_fails_with_FunctionCallFailed()
    {
        _function.Then(new(500, "host error")).Then(new(500, "host error")).Then(new(500, "host error"));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("FunctionCallFailed", run.Error!.ErrorCode);
        Assert.Equal(3, _function.Requests.Count); // the Web activity's own retry policy: 1 + 2 retries
    }

    [Fact]
    public async Task The_for_keys_pipeline_runs_one_exclusive_operation_per_key()
    {
        foreach (var key in new[] { "a", "b" })
            Orchestration($"i-{key}", "Completed", Ok($"i-{key}"));
        var parameters = Parameters();
        parameters.Remove("lockKey");
        parameters.Remove("useRetryHint");
        parameters.Remove("retryJitterSeconds");
        parameters["lockKeys"] = new JsonArray("a", "b");

        var run = await _harness.RunAsync(Generated("RunExclusiveOperationsForKeys"), parameters);

        Assert.True(run.Status == RunState.Succeeded, run.Message);
        Assert.Equal(2, run.Output!["keys"]!.GetValue<long>());
        // Each key runs in its own child pipeline run, which is the caller id of its attempts.
        var posts = _function.Requests.Where(r => r.Method == "POST").Select(r => r.Path).ToList();
        Assert.Equal(["?lockKey=a", "?lockKey=b"], posts.Select(p => p[p.IndexOf('?')..p.IndexOf('&')]).Order());
        Assert.Equal(2, posts.Select(p => p[p.IndexOf("&callerId=", StringComparison.Ordinal)..p.IndexOf("&requestId=", StringComparison.Ordinal)]).Distinct().Count());
    }

    [Fact]
    public async Task No_function_key_from_ARM_fails_the_run_before_any_call_to_the_function()
    {
        await _arm.DisposeAsync();
        _arm = new ScriptedServer();
        for (var i = 0; i < 3; i++)
            _arm.Then(new(403, """{"error":{"code":"AuthorizationFailed","message":"no listkeys permission"}}"""));

        var run = await _harness.RunAsync(_harness.Pipelines["RunExclusiveOperation"], Parameters());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal(3, _arm.Requests.Count); // its retry policy: 1 + 2 retries
        Assert.Empty(_function.Requests);
        var getKey = run.ActivityRuns.Where(a => a.ActivityName == "Get Function Key").ToList();
        Assert.Equal(3, getKey.Count);
        Assert.Contains("403", getKey[^1].Error!.Message);
        Assert.True(run.ActivityRuns.Where(a => a.ActivityName is "Until OK" or "Check Outcome").All(a => a.Status == RunState.Skipped), Describe(run));
        Assert.Contains("Get Function Key", run.Message);
    }
}
