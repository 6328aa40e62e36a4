using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ExclusiveOperations.LocalTooling;

namespace ExclusiveOperations.LocalHost.Tests;

/// <summary>The starter and status URL contract (docs/http-contract.md), against a real host process.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HttpContractTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private LocalHostProcess _host = null!;
    private HttpClient Http => azurite.Http;
    private string Key => Uri.EscapeDataString(azurite.Keys.FunctionKey);

    private DurableHttpClient Client => new(Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));

    public async Task InitializeAsync() => _host = await LocalHostProcess.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTaskHub(), keys: azurite.Keys);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_starter_answers_202_with_Location_and_the_check_status_body()
    {
        using var response = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-1" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = body["id"]!.GetValue<string>();
        Assert.Equal(body["statusQueryGetUri"]!.GetValue<string>(), response.Headers.Location!.ToString());
        Assert.StartsWith($"{_host.BaseUrl}runtime/webhooks/durabletask/instances/{id}?", response.Headers.Location.ToString());
        foreach (var uri in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
            Assert.Contains(id, body[uri]!.GetValue<string>());
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
        Assert.Equal("wait", run.Status["input"]!["operation"]!.GetValue<string>());
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
        using var response = await Http.GetAsync(new Uri(_host.BaseUrl, $"/runtime/webhooks/durabletask/instances/no-such-instance?code={azurite.Keys.SystemKey}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
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
    public async Task Status_urls_carry_the_system_key_and_refuse_requests_without_it()
    {
        using var start = await Client.PostAsync(_host.BaseUrl, "wait", new { seconds = 0, lockKey = "contract-status-key" });
        var location = start.Headers.Location!;
        Assert.Contains($"code={Uri.EscapeDataString(azurite.Keys.SystemKey)}", location.Query);
        Assert.DoesNotContain(azurite.Keys.FunctionKey, location.ToString());

        var withoutKey = new UriBuilder(location) { Query = "" }.Uri;
        using var refused = await Http.GetAsync(withoutKey);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var wrongKey = await Http.GetAsync(new Uri(withoutKey + "?code=" + Key));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);

        var run = await Client.PollAsync(location, TimeSpan.FromSeconds(60));
        Assert.Equal("OK", run.OutcomeStatus);
    }
}
