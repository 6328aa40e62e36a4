using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using ExclusiveOperations.Status;
using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>The starter and status URL contract (docs/http-contract.md), against a real host process.</summary>
public sealed class HttpContractTests(LocalStackFixture azurite) : IClassFixture<LocalStackFixture>, IAsyncLifetime
{
    private LocalHostProcess _host = null!;
    private HttpClient Http => azurite.Http;
    private string Key => Uri.EscapeDataString(azurite.Keys.FunctionKey);

    private DurableHttpClient Client => new(Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));

    // compact may use 'missing-container' (allowed, never created), so that its activity fails.
    public async Task InitializeAsync() => _host = await azurite.StartHostAsync(LocalStackFixture.NewTaskHub(),
        new Dictionary<string, string> { [ExclusiveOperations.Operations.DataContainers.Setting] = "missing-container" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_starter_answers_202_with_the_runs_own_status_url_and_no_management_urls()
    {
        using var response = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-1" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = body["id"]!.GetValue<string>();
        Assert.Equal(["id", "statusQueryGetUri"], body.Select(p => p.Key));
        Assert.Equal(body["statusQueryGetUri"]!.GetValue<string>(), response.Headers.Location!.ToString());
        Assert.Matches($"^{Regex.Escape(_host.BaseUrl + "api/runs/" + id)}\\?token=[A-Za-z0-9_-]{{43}}$", response.Headers.Location.ToString());
        // Callers with a function key never receive the system key (nor their own key back).
        Assert.DoesNotContain(azurite.Keys.SystemKey, body.ToJsonString());
        Assert.DoesNotContain(azurite.Keys.FunctionKey, body.ToJsonString());
    }

    [Fact]
    public async Task The_status_url_answers_202_with_Location_and_Retry_After_while_running_then_200_with_the_outcome()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 3, lockKey = "contract-2" });
        var statusUrl = start.Headers.Location!;

        using var running = await Http.GetAsync(statusUrl);
        Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
        Assert.Equal(statusUrl, running.Headers.Location);
        Assert.NotNull(running.Headers.RetryAfter?.Delta);
        var runningBody = (await running.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(runningBody["runtimeStatus"]!.GetValue<string>(), new[] { "Pending", "Running" });

        var run = await Client.PollAsync(statusUrl, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, run.FinalStatusCode);
        Assert.Equal("Completed", run.RuntimeStatus);
        Assert.Equal("OK", run.OutcomeStatus);
        Assert.Equal("OK", run.Status["customStatus"]!["status"]!.GetValue<string>());
        Assert.Equal("contract-2", run.Output!["lockKey"]!.GetValue<string>());
        Assert.Equal(3, run.Output["result"]!["waitedSeconds"]!.GetValue<double>());
        // The operation held the lock for at least its duration (timers that fire early are waited out).
        Assert.True(run.LockReleasedAt - run.LockAcquiredAt >= TimeSpan.FromSeconds(3), $"{run.LockAcquiredAt:O} - {run.LockReleasedAt:O}");
        Assert.False(run.Status.ContainsKey("input"), "the status body never carries the input (operators read it through the built-in API)");
        foreach (var field in new[] { "status", "operation", "lockKey", "instanceId", "holder", "retryAfterSeconds", "retryAt", "startedAt", "completedAt", "result" })
            Assert.True(run.Output.ContainsKey(field), $"output lacks '{field}'");
    }

    [Fact]
    public async Task A_failed_orchestration_is_200_with_runtimeStatus_Failed_or_500_when_asked()
    {
        // compact on a container that does not exist: the activity fails, so the orchestration fails.
        using var start = await Client.PostAsync(_host.BaseUrl, "compact", new { container = "missing-container", prefix = "in/" });
        var run = await Client.PollAsync(start.Headers.Location!, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, run.FinalStatusCode);
        Assert.Equal("Failed", run.RuntimeStatus);
        Assert.Contains("missing-container", run.Status["output"]!.GetValue<string>());

        using var asked = await Http.GetAsync(start.Headers.Location + "&returnInternalServerErrorOnFailure=true");
        Assert.Equal(HttpStatusCode.InternalServerError, asked.StatusCode);
        Assert.Null(asked.Headers.Location);
    }

    [Fact]
    public async Task An_unknown_instance_is_404()
    {
        // Only the app can make an instance's token: here, from the key the hosts keep in the lock container.
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-unknown" });
        var key = (await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(new ExclusiveOperations.Locking.LockOptions().Container)
            .GetBlobClient(StatusTokenKey.BlobName).DownloadContentAsync()).Value.Content.ToArray();
        var id = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        Assert.Equal(start.Headers.Location!.Query, $"?token={StatusToken.For(key, id)}");

        using var response = await Http.GetAsync(new Uri(_host.BaseUrl, $"/api/runs/no-such-instance?token={StatusToken.For(key, "no-such-instance")}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("instance not found", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
        using var guessed = await Http.GetAsync(new Uri(_host.BaseUrl, $"/api/runs/no-such-instance{start.Headers.Location.Query}"));
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);

        using var builtIn = await Http.GetAsync(new Uri(_host.BaseUrl, $"/runtime/webhooks/durabletask/instances/no-such-instance?code={azurite.Keys.SystemKey}"));
        Assert.Equal(HttpStatusCode.NotFound, builtIn.StatusCode);
    }

    [Fact]
    public async Task While_the_operation_runs_Retry_After_counts_down_to_its_expected_end()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 10, lockKey = "contract-retry-after" });
        var statusUrl = start.Headers.Location!;

        // Until the lock is taken, the run is deciding: a second.
        JsonObject body;
        int retryAfter;
        DateTimeOffset askedAt, answeredAt;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            askedAt = DateTimeOffset.UtcNow;
            using var running = await Http.GetAsync(statusUrl);
            answeredAt = DateTimeOffset.UtcNow;
            Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
            retryAfter = (int)running.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
            body = (await running.Content.ReadFromJsonAsync<JsonObject>())!;
            if (body["customStatus"]?["status"]?.GetValue<string>() == "Running")
                break;
            Assert.Equal(1, retryAfter);
            Assert.True(DateTimeOffset.UtcNow < deadline, "the run never showed Running");
            await Task.Delay(200);
        }

        var expectedEndAt = body["customStatus"]!["holder"]!["expectedEndAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(retryAfter, Math.Max(1, (int)Math.Floor((expectedEndAt - answeredAt).TotalSeconds)), (int)Math.Ceiling((expectedEndAt - askedAt).TotalSeconds));
        Assert.InRange(retryAfter, 2, 10);

        using var terminate = await Http.PostAsync(new Uri(_host.BaseUrl, $"/runtime/webhooks/durabletask/instances/{body["instanceId"]}/terminate?code={azurite.Keys.SystemKey}"), null);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
    }

    [Fact]
    public async Task The_operators_built_in_status_route_keeps_the_system_key_the_input_and_Azures_Retry_After()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 2, lockKey = "contract-built-in" });
        var id = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var builtIn = new Uri(_host.BaseUrl, $"/runtime/webhooks/durabletask/instances/{id}?code={Uri.EscapeDataString(azurite.Keys.SystemKey)}");

        using var running = await Http.GetAsync(builtIn);
        Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), running.Headers.RetryAfter!.Delta);
        Assert.Equal("wait", (await running.Content.ReadFromJsonAsync<JsonObject>())!["input"]!["operation"]!.GetValue<string>());

        using var withoutKey = await Http.GetAsync(new UriBuilder(builtIn) { Query = "" }.Uri);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal("OK", (await Client.PollAsync(start.Headers.Location!, TimeSpan.FromSeconds(60))).OutcomeStatus);
    }

    [Theory]
    [InlineData("wait", "{", 400, "malformed JSON")]
    [InlineData("wait", "[1]", 400, "body must be a JSON object")]
    [InlineData("wait", "{\"seconds\":\"x\"}", 400, "invalid input for operation 'wait'")]
    [InlineData("wait", "{\"seconds\":1,\"lockKey\":\"\"}", 400, "invalid lockKey")]
    [InlineData("bad.name", "{}", 400, "invalid operation name")]
    [InlineData("nope", "{}", 404, "unknown operation")]
    public async Task Bad_requests_get_a_json_error_and_start_nothing(string operation, string body, int status, string error)
    {
        using var response = await Http.PostAsync(new Uri(_host.BaseUrl, $"/api/operations/{operation}?code={Key}"),
            new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Null(response.Headers.Location);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(error, json["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_body_over_1_MB_is_400()
    {
        var big = "{\"seconds\":1,\"pad\":\"" + new string('x', 1024 * 1024) + "\"}";
        using var response = await Http.PostAsync(new Uri(_host.BaseUrl, $"/api/operations/wait?code={Key}"), new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("body too large", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Terminate_ends_a_running_instance()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 60, lockKey = "contract-terminate" });
        var id = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var terminate = await Http.PostAsync(new Uri(_host.BaseUrl, $"/runtime/webhooks/durabletask/instances/{id}/terminate?reason=test&code={azurite.Keys.SystemKey}"), null);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);

        var run = await Client.PollAsync(start.Headers.Location!, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, run.FinalStatusCode);
        Assert.Equal("Terminated", run.RuntimeStatus);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task The_starter_without_its_function_key_is_401_and_starts_nothing(string? key)
    {
        var lockKey = "contract-no-key-" + (key ?? "none");
        using var refused = await new DurableHttpClient(Http, key).PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Null(refused.Headers.Location);

        // Nothing was started: the lock key is free for the first caller that has the key.
        var run = await Client.RunAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey }, TimeSpan.FromSeconds(60));
        Assert.Equal("OK", run.OutcomeStatus);
    }

    [Fact]
    public async Task Status_urls_carry_their_own_token_and_refuse_requests_without_it()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-status-token" });
        using var other = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-status-token-other" });
        var location = start.Headers.Location!;
        Assert.DoesNotContain(azurite.Keys.SystemKey, location.ToString());
        Assert.DoesNotContain(azurite.Keys.FunctionKey, location.ToString());

        var withoutToken = new UriBuilder(location) { Query = "" }.Uri;
        foreach (var (url, error) in new[]
        {
            (withoutToken, "missing status token"),
            (new Uri(withoutToken + "?token="), "missing status token"),
            (new Uri(withoutToken + "?token=wrong"), "wrong status token"),
            (new Uri(withoutToken + "?code=" + Key), "missing status token"),
            (new Uri(withoutToken + "?token=" + Key), "wrong status token"),
            (new Uri(withoutToken + other.Headers.Location!.Query), "wrong status token"),
        })
        {
            using var refused = await Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            var body = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(error, body["error"]!.GetValue<string>());
            Assert.Null(refused.Headers.Location);
        }

        // The poller sends no headers: the URL alone opens the run.
        using var bare = new HttpClient();
        var run = await new DurableHttpClient(bare, functionKey: null, TimeSpan.FromMilliseconds(500)).PollAsync(location, TimeSpan.FromSeconds(60));
        Assert.Equal("OK", run.OutcomeStatus);
        Assert.DoesNotContain(location.Query.TrimStart('?').Split('=')[1], run.Status.ToJsonString());
    }
}
