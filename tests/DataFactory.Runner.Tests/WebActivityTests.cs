using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace DataFactory.Runner.Tests;

/// <summary>The Web activity against a real HTTP server on loopback, scripted per test.</summary>
public sealed class WebActivityTests : IAsyncLifetime
{
    private readonly RunnerHarness _harness = new();
    private ScriptedServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new ScriptedServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _harness.Dispose();
    }

    private Pipeline Call(Action<WebActivity>? configure = null, ActivityPolicy? policy = null)
    {
        var web = new WebActivity("Call")
        {
            Method = "POST",
            Url = new Uri(_server.BaseUrl, "start").ToString(),
            Headers = { ["Content-Type"] = "application/json", ["x-functions-key"] = "k" },
            Body = DfValue.Json(new JsonObject { ["seconds"] = 1 }),
            Policy = policy,
        };
        configure?.Invoke(web);
        return new Pipeline("P") { Activities = { web } };
    }

    private static Dictionary<string, string> Location(string path, int? retryAfter = null)
    {
        var headers = new Dictionary<string, string> { ["Location"] = "{base}" + path };
        if (retryAfter is { } seconds) headers["Retry-After"] = seconds.ToString();
        return headers;
    }

    [Fact]
    public async Task A_plain_200_is_the_output_with_response_headers()
    {
        _server.Then(new(200, """{"answer":42}""", new() { ["X-Trace"] = "abc" }));

        var run = await _harness.RunAsync(Call());

        Assert.Equal(RunState.Succeeded, run.Status);
        var output = RunnerHarness.Only(run, "Call").Output!;
        Assert.Equal(42, output["answer"]!.GetValue<int>());
        Assert.Equal("abc", output["ADFWebActivityResponseHeaders"]!["X-Trace"]!.GetValue<string>());
        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("""{"seconds":1}""", request.Body);
        Assert.Equal("k", request.Headers["x-functions-key"]);
        var details = RunnerHarness.Only(run, "Call").ExecutionDetails!;
        Assert.Equal(("POST", 200, (double?)null), (details.Call!.Method, details.Call.StatusCode, details.Call.WaitSeconds));
        Assert.Empty(details.Polls);
    }

    [Fact]
    public async Task A_202_is_followed_by_GETs_of_Location_until_it_is_not_202_honouring_Retry_After()
    {
        _server
            .Then(new(202, """{"id":"1"}""", Location("/status/1", retryAfter: 10)))
            .Then(new(202, """{"runtimeStatus":"Running"}""", Location("/status/1", retryAfter: 10)))
            .Then(new(202, """{"runtimeStatus":"Running"}""", Location("/status/1", retryAfter: 10)))
            .Then(new(200, """{"runtimeStatus":"Completed","output":{"status":"OK"}}"""));

        var run = await _harness.RunAsync(Call());

        Assert.Equal(RunState.Succeeded, run.Status);
        var call = RunnerHarness.Only(run, "Call");
        Assert.Equal("OK", call.Output!["output"]!["status"]!.GetValue<string>());
        Assert.Equal(["POST /start", "GET /status/1", "GET /status/1", "GET /status/1"], _server.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.True(call.DurationInMs >= 30_000, $"three Retry-After: 10 waits took {call.DurationInMs} ms of virtual time");
    }

    [Fact]
    public async Task TurnOffAsync_stops_at_the_first_202()
    {
        _server.Then(new(202, """{"id":"1"}""", Location("/status/1")));

        var run = await _harness.RunAsync(Call(web => web.TurnOffAsync = true));

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Single(_server.Requests);
        var call = RunnerHarness.Only(run, "Call");
        Assert.EndsWith("/status/1", call.Output!["ADFWebActivityResponseHeaders"]!["Location"]!.GetValue<string>());
        Assert.Equal((202, (double?)null), (call.ExecutionDetails!.Call!.StatusCode, call.ExecutionDetails.Call.WaitSeconds));
        Assert.Empty(call.ExecutionDetails.Polls);
    }

    [Theory]
    [InlineData(400, """{"error":"bad input"}""")]
    [InlineData(404, """{"error":"unknown operation"}""")]
    [InlineData(500, "boom")]
    [InlineData(503, "")]
    public async Task A_non_2xx_answer_fails_with_its_status_and_body(int status, string body)
    {
        _server.Then(new(status, body));

        var run = await _harness.RunAsync(Call());

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal(status.ToString(), run.Error!.ErrorCode);
        Assert.Contains($"answered {status}", run.Error.Message);
        Assert.Contains(body, run.Error.Message);
    }

    [Fact]
    public async Task A_failure_while_polling_fails_the_activity()
    {
        _server.Then(new(202, "{}", Location("/status/1"))).Then(new(500, "status store down"));
        var run = await _harness.RunAsync(Call());
        Assert.Contains("after 1 status poll(s)", run.Error!.Message);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_kept_as_Response()
    {
        _server.Then(new(200, "plain words"));
        var run = await _harness.RunAsync(Call());
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal("plain words", RunnerHarness.Only(run, "Call").Output!["Response"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_slow_answer_fails_after_httpRequestTimeout()
    {
        _server.Then(new(200, "{}", Hang: true));
        _harness.AdvanceDuringRequests = true; // the request hangs: only virtual time passing ends it
        var run = await _harness.RunAsync(Call(web => web.HttpRequestTimeout = "00:00:05"));
        Assert.Equal("RequestTimeout", run.Error!.ErrorCode);
    }

    [Fact]
    public async Task Retry_policy_rides_out_a_failed_attempt()
    {
        _server.Then(new(503, "restarting")).Then(new(200, """{"ok":true}"""));

        var run = await _harness.RunAsync(Call(policy: new ActivityPolicy { Retry = 2, RetryIntervalInSeconds = 30 }));

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal([RunState.Failed, RunState.Succeeded], run.ActivityRuns.OrderBy(a => a.Attempt).Select(a => a.Status));
    }

    [Fact]
    public async Task A_connection_refused_fails_the_activity_with_the_reason()
    {
        var run = await _harness.RunAsync(Call(web => web.Url = "http://127.0.0.1:1/start"));
        Assert.Equal("RequestFailed", run.Error!.ErrorCode);
    }

    [Fact]
    public async Task An_invalid_url_fails_before_any_request()
    {
        var run = await _harness.RunAsync(Call(web => web.Url = "not a url"));
        Assert.Equal("InvalidUrl", run.Error!.ErrorCode);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Url_headers_and_body_take_expressions()
    {
        _server.Then(new(200, "{}"));
        var pipeline = Call(web =>
        {
            web.Url = new Expression($"@concat('{_server.BaseUrl}', 'api/', pipeline().parameters.op, '?lockKey=', uriComponent('a b'))");
            web.Body = new Expression("@pipeline().parameters.input");
        });
        pipeline.Parameters["op"] = new(ParameterType.String, "wait");
        pipeline.Parameters["input"] = new(ParameterType.Object, new JsonObject { ["seconds"] = 2 });

        await _harness.RunAsync(pipeline);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/api/wait?lockKey=a%20b", request.Path);
        Assert.Equal("""{"seconds":2}""", request.Body);
    }

    private const string Token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.local-test-token";

    private static JsonObject Msi(string resource = "https://management.azure.com/") => new() { ["type"] = "MSI", ["resource"] = resource };

    [Fact]
    public async Task MSI_authentication_sends_a_bearer_token_for_the_resource_on_the_call_but_status_polls_carry_none_of_the_calls_credentials()
    {
        var asked = new List<string>();
        _harness.ManagedIdentityToken = resource =>
        {
            asked.Add(resource);
            return Token;
        };
        _server
            .Then(new(202, "{}", Location("/status/1", retryAfter: 1)))
            .Then(new(200, """{"status":"OK"}"""));

        var run = await _harness.RunAsync(Call(web => web.Authentication = Msi()));

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal(["https://management.azure.com/"], asked);
        var requests = _server.Requests.ToList();
        Assert.Equal($"Bearer {Token}", requests[0].Headers["Authorization"]);
        Assert.False(requests[1].Headers.ContainsKey("Authorization"), "the status poll carried the token");
        Assert.Equal("k", requests[0].Headers["x-functions-key"]);
        Assert.False(requests[1].Headers.ContainsKey("x-functions-key"), "the status poll carried the call's function key header");
        Assert.Equal("MSI", RunnerHarness.Only(run, "Call").Input!["authentication"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task MSI_authentication_resource_may_be_an_expression()
    {
        string? asked = null;
        _harness.ManagedIdentityToken = resource =>
        {
            asked = resource;
            return Token;
        };
        _server.Then(new(200, "{}"));
        var authentication = new JsonObject
        {
            ["type"] = "MSI",
            ["resource"] = new JsonObject { ["value"] = "@concat('api://', 'app-id')", ["type"] = "Expression" },
        };

        var run = await _harness.RunAsync(Call(web => web.Authentication = authentication));

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal("api://app-id", asked);
    }

    [Fact]
    public async Task MSI_authentication_without_a_token_source_fails_naming_the_activity_and_the_option()
    {
        var run = await _harness.RunAsync(Call(web => web.Authentication = Msi()));

        Assert.Equal(RunState.Failed, run.Status);
        var error = RunnerHarness.Only(run, "Call").Error!;
        Assert.Equal("ManagedIdentityUnavailable", error.ErrorCode);
        Assert.Contains("'Call'", error.Message);
        Assert.Contains("--managed-identity-token", error.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task MSI_token_never_appears_in_the_run_record()
    {
        _harness.ManagedIdentityToken = _ => Token;
        _server.Then(new(200, """{"done":true}"""));

        var run = await _harness.RunAsync(Call(web => web.Authentication = Msi()));

        Assert.Equal(RunState.Succeeded, run.Status);
        var record = System.Text.Json.JsonSerializer.Serialize(run, RunRecordJson.Options);
        Assert.DoesNotContain(Token, record);
        Assert.Contains("https://management.azure.com/", record);
    }

    [Fact]
    public async Task Authentication_types_other_than_MSI_fail_instead_of_calling_without_credentials()
    {
        var run = await _harness.RunAsync(Call(web => web.Authentication = new JsonObject { ["type"] = "Basic", ["username"] = "u" }));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("AuthenticationNotSupported", RunnerHarness.Only(run, "Call").Error!.ErrorCode);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task SecureOutput_masks_the_web_response_in_the_record_but_activity_output_stays_usable()
    {
        _server.Then(new(200, """{"secret":"from-the-server"}"""));
        var pipeline = Call(policy: new ActivityPolicy { SecureOutput = true });
        pipeline.Variables["copy"] = new Variable(VariableType.String);
        pipeline.Activities.Add(new SetVariableActivity("Copy")
        {
            DependsOn = { new Dependency("Call", DependencyCondition.Succeeded) },
            VariableName = "copy",
            Value = new Expression("@activity('Call').output.secret"),
        });

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal("***", RunnerHarness.Only(run, "Call").Output!.GetValue<string>());
        Assert.Equal("from-the-server", RunnerHarness.Only(run, "Copy").Output!["value"]!.GetValue<string>());
    }

    private const string FunctionKey = "function-key-that-must-not-be-recorded";
    private const string StatusToken = "status-token-that-must-not-be-recorded";

    private static string Serialized(PipelineRun run) => System.Text.Json.JsonSerializer.Serialize(run, RunRecordJson.Options);

    [Fact]
    public async Task Every_status_poll_is_recorded_with_its_time_status_Retry_After_and_the_wait_that_followed()
    {
        var status = $"/status/1?taskHub=hub&code={FunctionKey}";
        _server
            .Then(new(202, """{"id":"1"}""", Location(status, retryAfter: 10)))
            .Then(new(202, """{"runtimeStatus":"Running"}""", Location(status, retryAfter: 5)))
            .Then(new(202, """{"runtimeStatus":"Running"}""", Location(status)))
            .Then(new(200, """{"runtimeStatus":"Completed"}"""));

        var run = await _harness.RunAsync(Call());

        Assert.Equal(RunState.Succeeded, run.Status);
        var activity = RunnerHarness.Only(run, "Call");
        var details = activity.ExecutionDetails!;
        Assert.Equal(new WebRequestRecord(activity.ActivityRunStart, "POST", new Uri(_server.BaseUrl, "start").ToString(), 202, 10, 10), details.Call);
        Assert.Equal(_server.Requests.Count(r => r.Method == "GET"), details.Polls.Count);
        Assert.Equal([(202, 5, 5), (202, null, 1), (200, null, null)], details.Polls.Select(p => (p.StatusCode, p.RetryAfterSeconds, p.WaitSeconds)));
        Assert.All(details.Polls, p => Assert.Equal(("GET", $"{_server.BaseUrl}status/1?taskHub=hub&code=***"), (p.Method, p.Url)));
        // Each poll went out no earlier than the wait its predecessor's answer asked for.
        var requests = details.Polls.Prepend(details.Call!).ToList();
        Assert.All(requests.Zip(requests.Skip(1)), pair =>
            Assert.True(pair.Second.SentAt - pair.First.SentAt >= TimeSpan.FromSeconds(pair.First.WaitSeconds!.Value), $"{pair.First} then {pair.Second}"));
        Assert.DoesNotContain(FunctionKey, Serialized(run));
        Assert.Contains("\"polls\": [", Serialized(run));
    }

    [Fact]
    public async Task Polls_are_recorded_when_polling_fails_and_no_credential_of_the_status_URL_reaches_the_record()
    {
        _server
            .Then(new(202, "{}", Location($"/runs/1?token={StatusToken}&sig={FunctionKey}", retryAfter: 1)))
            .Then(new(202, "{}", Location($"/runs/1?token={StatusToken}&sig={FunctionKey}", retryAfter: 1)))
            .Then(new(500, "status store down"));

        var run = await _harness.RunAsync(Call());

        Assert.Equal(RunState.Failed, run.Status);
        var details = RunnerHarness.Only(run, "Call").ExecutionDetails!;
        Assert.Equal([202, 500], details.Polls.Select(p => p.StatusCode));
        Assert.All(details.Polls, p => Assert.EndsWith("/runs/1?token=***&sig=***", p.Url));
        var record = Serialized(run);
        Assert.DoesNotContain(StatusToken, record);
        Assert.DoesNotContain(FunctionKey, record);
    }

    [Fact]
    public async Task A_poll_that_gets_no_answer_is_recorded_without_a_status_and_its_error_names_the_URL_without_its_credential()
    {
        _server
            .Then(new(202, "{}", Location($"/runs/1?token={StatusToken}", retryAfter: 1)))
            .Then(new(200, "{}", Hang: true));
        _harness.AdvanceDuringRequests = true; // the poll hangs: only virtual time passing ends it

        var run = await _harness.RunAsync(Call(web => web.HttpRequestTimeout = "00:00:05"));

        var activity = RunnerHarness.Only(run, "Call");
        Assert.Equal("RequestTimeout", activity.Error!.ErrorCode);
        Assert.Contains("/runs/1?token=***", activity.Error.Message);
        var poll = Assert.Single(activity.ExecutionDetails!.Polls);
        Assert.Equal(((int?)null, (double?)null), (poll.StatusCode, poll.WaitSeconds));
        Assert.DoesNotContain(StatusToken, Serialized(run));
    }

    [Fact]
    public async Task Credentials_in_the_call_URL_are_redacted_and_secure_input_and_output_hide_the_URLs_altogether()
    {
        _server.Then(new(202, "{}", Location("/status/1", retryAfter: 1))).Then(new(200, "{}"));
        var run = await _harness.RunAsync(Call(web => web.Url = new Uri(_server.BaseUrl, $"start?lockKey=k&code={FunctionKey}").ToString()));
        Assert.Equal($"{_server.BaseUrl}start?lockKey=k&code=***", RunnerHarness.Only(run, "Call").ExecutionDetails!.Call!.Url);

        _server.Then(new(202, "{}", Location("/status/1", retryAfter: 1))).Then(new(200, "{}"));
        var secure = await _harness.RunAsync(Call(policy: new ActivityPolicy { SecureInput = true, SecureOutput = true }));
        var details = RunnerHarness.Only(secure, "Call").ExecutionDetails!;
        Assert.Equal(("***", 202), (details.Call!.Url, details.Call.StatusCode));
        Assert.Equal(("***", 200), (Assert.Single(details.Polls).Url, details.Polls[0].StatusCode));
    }

    [Fact]
    public async Task A_child_pipelines_Web_activity_keeps_its_polls_in_the_parents_record()
    {
        _server.Then(new(202, "{}", Location("/status/1", retryAfter: 1))).Then(new(200, "{}"));
        _harness.Pipelines["P"] = Call();

        var run = await _harness.RunAsync(new Pipeline("Parent") { Activities = { new ExecutePipelineActivity("Run Child") { PipelineName = "P" } } });

        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.Equal(200, Assert.Single(RunnerHarness.Only(run, "Call").ExecutionDetails!.Polls).StatusCode);
    }

    [Fact]
    public async Task Activities_other_than_Web_have_no_execution_details_in_the_record()
    {
        var run = await _harness.RunAsync(new Pipeline("P") { Activities = { new WaitActivity("Pause") { WaitTimeInSeconds = 1 } } });
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.DoesNotContain("executionDetails", Serialized(run));
    }
}
