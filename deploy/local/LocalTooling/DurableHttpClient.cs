using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LocalTooling;

/// <summary>
/// What a pipeline's Web activity does with the starter: POST it, then GET the Location until the answer
/// is not 202, honouring Retry-After. Used by the local environment, the benchmarks and the tests.
/// The starter needs the function key (sent as <c>x-functions-key</c>); the status URL carries its own.
/// </summary>
public sealed class DurableHttpClient(HttpClient http, string? functionKey, TimeSpan? maxPollInterval = null)
{
    private readonly TimeSpan _maxPollInterval = maxPollInterval ?? TimeSpan.FromSeconds(1);

    /// <summary>One finished orchestration as the status URL reported it.</summary>
    public sealed record Run(string InstanceId, HttpStatusCode FinalStatusCode, JsonObject Status)
    {
        public string RuntimeStatus => Status["runtimeStatus"]!.GetValue<string>();
        public JsonObject? Output => Status["output"] as JsonObject;
        public string? OutcomeStatus => Output?["status"]?.GetValue<string>();
        public string? LockKey => Output?["lockKey"]?.GetValue<string>();
        public string? HolderId => Output?["holder"]?["holderId"]?.GetValue<string>();
        public int? RetryAfterSeconds => Output?["retryAfterSeconds"]?.GetValue<int?>();
        public DateTimeOffset? LockAcquiredAt => Output?["lockAcquiredAt"]?.GetValue<DateTimeOffset?>();
        public DateTimeOffset? LockReleasedAt => Output?["lockReleasedAt"]?.GetValue<DateTimeOffset?>();
    }

    public Task<HttpResponseMessage> PostAsync(Uri host, string operation, object? body, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host, $"/api/operations/{operation}"))
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        if (functionKey is not null)
            request.Headers.Add(FunctionKeyHeader, functionKey);
        return http.SendAsync(request, cancellationToken);
    }

    /// <summary>The header a Function App reads the key from (or the <c>code</c> query parameter).</summary>
    public const string FunctionKeyHeader = "x-functions-key";

    /// <summary>Starts the operation and polls its status URL to the end.</summary>
    public async Task<Run> RunAsync(Uri host, string operation, object? body, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var start = await PostAsync(host, operation, body, cancellationToken);
        if (start.StatusCode != HttpStatusCode.Accepted || start.Headers.Location is null)
        {
            throw new HttpRequestException(
                $"POST {operation} answered {(int)start.StatusCode} without a status URL: {await start.Content.ReadAsStringAsync(cancellationToken)}");
        }
        return await PollAsync(start.Headers.Location, timeout ?? TimeSpan.FromMinutes(5), cancellationToken);
    }

    /// <summary>GETs the status URL until it stops answering 202; connection failures (a restarting host) are retried.</summary>
    public async Task<Run> PollAsync(Uri statusUrl, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(statusUrl, cancellationToken);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                continue;
            }
            using (response)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken)
                    ?? throw new HttpRequestException($"{statusUrl} answered {(int)response.StatusCode} with an empty body.");
                if (response.StatusCode != HttpStatusCode.Accepted)
                    return new Run(body["instanceId"]?.GetValue<string>() ?? "", response.StatusCode, body);
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"{statusUrl} still answered 202 after {timeout}: {body.ToJsonString()}");
                var retryAfter = response.Headers.RetryAfter?.Delta ?? _maxPollInterval;
                await Task.Delay(retryAfter < _maxPollInterval ? retryAfter : _maxPollInterval, cancellationToken);
            }
        }
    }
}
