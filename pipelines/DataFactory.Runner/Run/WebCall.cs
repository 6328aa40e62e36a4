using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;
using ActivityContext = System.Diagnostics.ActivityContext;
using ActivityKind = System.Diagnostics.ActivityKind;
using ActivityStatusCode = System.Diagnostics.ActivityStatusCode;
using SpanActivity = System.Diagnostics.Activity;

namespace DataFactory.Runner.Run;

/// <summary>
/// The Web activity: one real HTTP request, then, on 202 with a Location header, GETs of that location until
/// the answer is not 202 (unless turnOffAsync), waiting Retry-After between polls. Output is the final body
/// plus ADFWebActivityResponseHeaders; a non-2xx final answer fails the activity with its status and body.
/// Every request, the call and each poll, is recorded in the activity run's executionDetails as it happens.
/// </summary>
internal sealed class WebCall(HttpClient http, TimeProvider time, RunnerOptions options)
{
    public async Task<JsonNode?> RunAsync(WebActivity web, RunScope scope, Action<JsonNode?> input, ActivityRun run, CancellationToken cancellationToken)
    {
        var details = run.ExecutionDetails!;
        var method = Values.ToText(PipelineRunner.EvaluateValue(web.Method, scope)).ToUpperInvariant();
        var urlText = Values.ToText(web.Url is null ? null : PipelineRunner.EvaluateValue(web.Url, scope));
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw PipelineRunner.Fail(web, "InvalidUrl", $"The url '{urlText}' is not an absolute http(s) URL.");
        var headers = web.Headers.ToDictionary(h => h.Key, h => Values.ToText(PipelineRunner.EvaluateValue(h.Value, scope)));
        var body = web.Body is null ? null : PipelineRunner.EvaluateValue(web.Body, scope);
        var requestTimeout = web.HttpRequestTimeout is null
            ? options.DefaultHttpRequestTimeout
            : PipelineRunner.ParseTimeSpan(Values.ToText(PipelineRunner.EvaluateValue(web.HttpRequestTimeout, scope)), "httpRequestTimeout");
        var (authentication, authorization) = await AuthenticateAsync(web, scope, cancellationToken);
        var recorded = new JsonObject
        {
            ["method"] = method,
            ["url"] = url.ToString(),
            ["headers"] = new JsonObject(headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value)))),
            ["body"] = body?.DeepClone(),
        };
        // The record shows how the call authenticated, never the token itself.
        if (authentication is not null) recorded["authentication"] = authentication;
        input(recorded);

        // A secure input hides the call's URL as it hides the input; a secure output hides the Location URLs the answers named.
        var callUrl = web.Policy?.SecureInput == true ? "***" : Redacted(url);
        var (response, wait) = await SendRecordedAsync(web, run, new HttpMethod(method), url, callUrl, headers, body, requestTimeout, r => details.Call = r, cancellationToken, authorization);
        var polls = 0;
        try
        {
            return await FollowAsync();
        }
        finally
        {
            SpanActivity.Current?.SetTag(RunnerTelemetry.WebPolls, polls);
            RunnerTelemetry.PollsPerCall.Record(polls, new KeyValuePair<string, object?>(RunnerTelemetry.ActivityName, web.Name));
        }

        async Task<JsonNode?> FollowAsync()
        {
            while (wait is { } delay && response.Headers.Location is { } location)
            {
                response.Dispose();
                await Task.Delay(delay, time, cancellationToken);
                polls++;
                // Status polls carry neither the activity's headers nor an Authorization header: a Location status URL carries
                // its own credential (Durable Functions' built-in URL the system key, this app's own a per-run token), and
                // the call's credentials (a function key header, a bearer token) have no business going to whatever host the
                // Location names. Data Factory does not document what its polls send; sending nothing is the strict reading,
                // so a status URL that works here cannot rely on the call's credentials.
                var pollUrl = location.IsAbsoluteUri ? location : new Uri(url, location);
                (response, wait) = await SendRecordedAsync(web, run, HttpMethod.Get, pollUrl, web.Policy?.SecureOutput == true ? "***" : Redacted(pollUrl),
                    [], null, requestTimeout, r => details.Polls = details.Polls.Add(r), cancellationToken, poll: polls);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw PipelineRunner.Fail(web, ((int)response.StatusCode).ToString(),
                        $"{method} {Redacted(url)} answered {(int)response.StatusCode} {response.ReasonPhrase}{(polls > 0 ? $" after {polls} status poll(s)" : "")}: {Truncate(text)}");
                }
                var output = ParseBody(text);
                output["ADFWebActivityResponseHeaders"] = new JsonObject(response.Headers.Concat(response.Content.Headers)
                    .Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(string.Join(",", h.Value)))));
                return output;
            }
        }
    }

    /// <summary>
    /// The activity's <c>authentication</c>: MSI gets a bearer token for its <c>resource</c> from
    /// <see cref="RunnerOptions.ManagedIdentityToken"/> (locally there is no managed identity; the user passes a
    /// token). Returns what the run record may show, and the Authorization header value (null: none).
    /// </summary>
    private async Task<(JsonObject? Recorded, string? Authorization)> AuthenticateAsync(WebActivity web, RunScope scope, CancellationToken cancellationToken)
    {
        if (web.Authentication is not { } authentication)
            return (null, null);
        var type = Values.ToText(PipelineRunner.EvaluateProperties(authentication["type"], scope));
        if (!type.Equals("MSI", StringComparison.OrdinalIgnoreCase))
        {
            throw PipelineRunner.Fail(web, "AuthenticationNotSupported",
                $"Activity '{web.Name}' uses authentication type '{type}'; the local runner supports only MSI (pass its token with --managed-identity-token).");
        }
        var resource = Values.ToText(PipelineRunner.EvaluateProperties(authentication["resource"], scope));
        if (resource.Length == 0)
            throw PipelineRunner.Fail(web, "InvalidAuthentication", $"Activity '{web.Name}' uses MSI authentication without a 'resource' (e.g. https://management.azure.com/).");
        if (options.ManagedIdentityToken is not { } tokenSource)
        {
            throw PipelineRunner.Fail(web, "ManagedIdentityUnavailable",
                $"Activity '{web.Name}' authenticates with the factory's managed identity (MSI, resource {resource}), which does not exist locally. " +
                "Pass a token for that resource: adf run ... --managed-identity-token TOKEN (or set ADF_MANAGED_IDENTITY_TOKEN), " +
                $"e.g. from 'az account get-access-token --resource {resource}'.");
        }
        var token = await tokenSource(resource, cancellationToken);
        if (string.IsNullOrWhiteSpace(token))
            throw PipelineRunner.Fail(web, "ManagedIdentityUnavailable", $"Activity '{web.Name}': the managed identity token source gave no token for {resource}.");
        return (new JsonObject { ["type"] = "MSI", ["resource"] = resource }, "Bearer " + token);
    }

    /// <summary>
    /// Sends one request and records it (also when no answer came). Returns the answer and, when it is a 202 the
    /// activity polls after, the wait before that poll: Retry-After in seconds, else the default interval.
    /// </summary>
    private async Task<(HttpResponseMessage Response, TimeSpan? Wait)> SendRecordedAsync(WebActivity web, ActivityRun run, HttpMethod method, Uri url, string recordedUrl,
        Dictionary<string, string> headers, JsonNode? body, TimeSpan timeout, Action<WebRequestRecord> record, CancellationToken cancellationToken,
        string? authorization = null, int? poll = null)
    {
        var sentAt = time.GetUtcNow();
        // A client span per request: the call, or the poll-th status poll. The URL as the run record shows it.
        var span = RunnerTelemetry.Source.StartActivity(poll is null ? method.Method : $"{method.Method} (poll)", ActivityKind.Client, default(ActivityContext),
            [new("http.request.method", method.Method), new("url.full", recordedUrl), new("server.address", url.Host), new("server.port", url.Port),
                new(RunnerTelemetry.WebPoll, poll)], startTime: sentAt);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(web, run, method, url, headers, body, timeout, cancellationToken, authorization);
        }
        catch (Exception e)
        {
            record(new WebRequestRecord(sentAt, method.Method, recordedUrl, null, null, null));
            span?.SetStatus(ActivityStatusCode.Error, e is ActivityFailedException failed ? failed.Error.ErrorCode : e.GetType().Name);
            RunnerTelemetry.End(span, time);
            throw;
        }
        var retryAfter = response.Headers.RetryAfter?.Delta;
        TimeSpan? wait = response.StatusCode == HttpStatusCode.Accepted && web.TurnOffAsync != true && response.Headers.Location is not null
            ? retryAfter ?? options.DefaultPollInterval
            : null;
        record(new WebRequestRecord(sentAt, method.Method, recordedUrl, (int)response.StatusCode,
            retryAfter is { } seconds ? (int)seconds.TotalSeconds : null, wait?.TotalSeconds));
        span?.SetTag("http.response.status_code", (int)response.StatusCode);
        if (retryAfter is { } after)
            span?.SetTag("http.response.header.retry-after", new[] { ((int)after.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if ((int)response.StatusCode >= 400)
            span?.SetStatus(ActivityStatusCode.Error);
        RunnerTelemetry.End(span, time);
        return (response, wait);
    }

    private async Task<HttpResponseMessage> SendAsync(WebActivity web, ActivityRun run, HttpMethod method, Uri url, Dictionary<string, string> headers,
        JsonNode? body, TimeSpan timeout, CancellationToken cancellationToken, string? authorization = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Options.Set(PipelineRunner.ActivityRunOption, run);
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        string? contentType = null;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                contentType = value;
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null && method != HttpMethod.Get)
        {
            var payload = Values.KindOf(body) == Values.Kind.String ? body.GetValue<string>() : body.ToJsonString();
            request.Content = new StringContent(payload, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        // The request carries what the activity's headers say, as Data Factory sends them: not the runner's own spans'
        // context, which HttpClient would add (traceparent) while a span is current.
        var current = SpanActivity.Current;
        SpanActivity.Current = null;
        try
        {
            return await http.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw PipelineRunner.Fail(web, "RequestTimeout", $"{method} {Redacted(url)} did not answer within httpRequestTimeout {timeout}.");
        }
        // A connection reset while being set up can surface unwrapped ("Transport endpoint is not connected").
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            throw PipelineRunner.Fail(web, "RequestFailed", $"{method} {Redacted(url)} failed: {e.Message}");
        }
        finally
        {
            SpanActivity.Current = current;
        }
    }

    /// <summary>A JSON object body is the output; any other body is kept under "Response" (as Data Factory does for non-JSON answers).</summary>
    private static JsonObject ParseBody(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        try
        {
            return JsonNode.Parse(text) is JsonObject obj ? obj : new JsonObject { ["Response"] = JsonNode.Parse(text) };
        }
        catch (JsonException)
        {
            return new JsonObject { ["Response"] = text };
        }
    }

    /// <summary>Query parameters whose values are credentials: Functions keys, status URL tokens, SAS signatures, API keys.</summary>
    private static readonly HashSet<string> CredentialParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "code", "token", "access_token", "sig", "key", "apikey", "api-key", "api_key", "secret", "client_secret", "password",
    };

    /// <summary>
    /// The URL as records and error messages may show it: values of credential query parameters and any user
    /// info replaced by ***. A status URL carries its own credential (the function key in code=, a token=), so
    /// anything that writes a URL down goes through here.
    /// </summary>
    internal static string Redacted(Uri url)
    {
        if (!url.IsAbsoluteUri)
            return url.ToString();
        var builder = new UriBuilder(url);
        if (builder.UserName.Length > 0 || builder.Password.Length > 0)
        {
            builder.UserName = "***";
            builder.Password = "";
        }
        if (builder.Query.Length > 1)
        {
            builder.Query = string.Join('&', builder.Query[1..].Split('&').Select(part =>
            {
                var name = part.Split('=', 2)[0];
                return CredentialParameters.Contains(Uri.UnescapeDataString(name.Replace('+', ' '))) ? name + "=***" : part;
            }));
        }
        return builder.Uri.ToString();
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "...";
}
