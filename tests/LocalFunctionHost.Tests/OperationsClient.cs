using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ExclusiveOperations.LocalHost.Tests;

/// <summary>What a pipeline's Web activity does: POST the starter, then GET the Location until it is not 202.</summary>
public sealed class OperationsClient(HttpClient http)
{
    public sealed record Run(string InstanceId, HttpStatusCode FinalStatusCode, JsonObject Status)
    {
        public string RuntimeStatus => Status["runtimeStatus"]!.GetValue<string>();
        public JsonObject? Output => Status["output"] as JsonObject;
        public string? OutcomeStatus => Output?["status"]?.GetValue<string>();
        public DateTimeOffset? LockAcquiredAt => Output?["lockAcquiredAt"]?.GetValue<DateTimeOffset?>();
        public DateTimeOffset? LockReleasedAt => Output?["lockReleasedAt"]?.GetValue<DateTimeOffset?>();
    }

    public async Task<HttpResponseMessage> PostAsync(Uri host, string operation, object? body) =>
        await http.PostAsync(new Uri(host, $"/api/operations/{operation}"),
            body is null ? null : JsonContent.Create(body));

    /// <summary>Starts and polls to the end, honouring Retry-After (capped, so tests stay quick).</summary>
    public async Task<Run> RunAsync(Uri host, string operation, object? body, TimeSpan? timeout = null)
    {
        using var start = await PostAsync(host, operation, body);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return await PollAsync(start.Headers.Location!, timeout ?? TimeSpan.FromSeconds(120));
    }

    public async Task<Run> PollAsync(Uri statusUrl, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(statusUrl);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // The host is restarting: a Web activity's retry policy rides this out the same way.
                await Task.Delay(500);
                continue;
            }
            using (response)
            {
                var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                if (response.StatusCode != HttpStatusCode.Accepted)
                    return new Run(body["instanceId"]?.GetValue<string>() ?? "", response.StatusCode, body);
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{statusUrl} still answered 202 after {timeout}: {body.ToJsonString()}");
                var retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(retryAfter.TotalMilliseconds, 500)));
            }
        }
    }
}
