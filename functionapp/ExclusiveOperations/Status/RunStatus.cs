using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Status;

/// <summary>A status poll: where it came from, which run, the token it presented.</summary>
/// <param name="BaseUrl">Scheme, host and port of the request (the 202's <c>Location</c> is built on it).</param>
/// <param name="ReturnInternalServerErrorOnFailure">As the Durable status API's query option: a Failed run answers 500.</param>
public sealed record RunStatusQuery(string BaseUrl, string InstanceId, string? Token, bool ReturnInternalServerErrorOnFailure = false);

/// <summary>What the host sends back.</summary>
/// <param name="Location">Set with 202: the same status URL.</param>
/// <param name="RetryAfterSeconds">Set with 202: whole seconds, at least 1.</param>
public sealed record RunStatusAnswer(int StatusCode, JsonObject Body, string? Location = null, int? RetryAfterSeconds = null);

/// <summary>
/// The app's own status endpoint, host-agnostic (docs/http-contract.md): the Durable status API's answers (202 while
/// pending or running, 200 with the output when finished, 404 unknown) behind the run's own token (401 without it),
/// with a <c>Retry-After</c> that says when something can have changed. The input is never returned (operators read it
/// through the built-in API).
/// </summary>
public sealed class RunStatus(RunStatusOptions options, IStatusTokens tokens, IRunPollHook hook, TimeProvider time)
{
    public const string ParameterName = "returnInternalServerErrorOnFailure";

    public async Task<RunStatusAnswer> AnswerAsync(RunStatusQuery query, IRunInstanceReader instances, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(query.Token))
        {
            return Error(401, "missing status token",
                $"A run's status URL carries its credential as '{StatusToken.QueryParameter}'; poll the Location the starter answered, unchanged.");
        }
        // Checked before the lookup: without the token, nobody learns whether an instance exists.
        if (!StatusToken.Matches(query.Token, await tokens.ForAsync(query.InstanceId, cancellationToken)))
        {
            return Error(401, "wrong status token",
                $"The '{StatusToken.QueryParameter}' does not open run '{query.InstanceId}'; poll the Location the starter answered, unchanged.");
        }
        var instance = await instances.GetAsync(query.InstanceId, cancellationToken);
        if (instance is null)
            return Error(404, "instance not found", $"No run has the instance id '{query.InstanceId}' (any more).");

        var body = Body(instance);
        switch (instance.RuntimeStatus)
        {
            case "Pending" or "Running" or "ContinuedAsNew" or "Suspended":
                var poll = new RunPoll(instance.InstanceId, instance.RuntimeStatus, RequestOf(instance), OutcomeOf(instance.SerializedCustomStatus), time.GetUtcNow());
                var expectedChangeAt = await hook.OnPollAsync(poll, cancellationToken);
                var location = RunStatusUrl.For(query.BaseUrl, instance.InstanceId, query.Token)
                    + (query.ReturnInternalServerErrorOnFailure ? $"&{ParameterName}=true" : "");
                return new RunStatusAnswer(202, body, location, RetryAfterSeconds(poll, expectedChangeAt));
            case "Failed":
                return new RunStatusAnswer(query.ReturnInternalServerErrorOnFailure ? 500 : 200, body);
            case "Completed" or "Terminated" or "Canceled":
                return new RunStatusAnswer(200, body);
            default:
                return Error(500, "unknown runtime status", $"Run '{instance.InstanceId}' has the runtime status '{instance.RuntimeStatus}', which this app does not know.");
        }
    }

    /// <summary>
    /// Whole seconds until the run can have changed: the hook's estimate (a queued run's turn), else the holder's expected
    /// end while the operation runs, else 1 s (a run that is deciding OK or Conflict finishes within about a second);
    /// rounded up, at least 1, at most <see cref="RunStatusOptions.MaxRetryAfter"/>.
    /// </summary>
    private int RetryAfterSeconds(RunPoll poll, DateTimeOffset? expectedChangeAt)
    {
        var changeAt = expectedChangeAt
            ?? (poll.CustomStatus is { Status: OperationStatus.Running, Holder: { } holder } ? holder.ExpectedEndAt : null);
        var seconds = changeAt is { } at ? Math.Ceiling((at - poll.At).TotalSeconds) : 1;
        return (int)Math.Clamp(seconds, 1, Math.Floor(options.MaxRetryAfter.TotalSeconds));
    }

    /// <summary>The Durable status body without the input: name, instanceId, runtimeStatus, customStatus, output, times.</summary>
    public static JsonObject Body(RunInstance instance) => new()
    {
        ["name"] = instance.Name,
        ["instanceId"] = instance.InstanceId,
        ["runtimeStatus"] = instance.RuntimeStatus,
        ["customStatus"] = ParseJson(instance.SerializedCustomStatus),
        // A failed orchestration's output is its error, as text (the pipeline reports it).
        ["output"] = instance is { RuntimeStatus: "Failed", Failure: { } failure }
            ? JsonValue.Create($"{failure.ErrorType}: {failure.ErrorMessage}")
            : ParseJson(instance.SerializedOutput),
        ["createdTime"] = Iso(instance.CreatedAt),
        ["lastUpdatedTime"] = Iso(instance.LastUpdatedAt),
    };

    /// <summary>The run's input; null when it is not one.</summary>
    public static OperationRequest? RequestOf(RunInstance instance) => Deserialize<OperationRequest>(instance.SerializedInput);

    private static OperationOutcome? OutcomeOf(string? customStatus) => Deserialize<OperationOutcome>(customStatus);

    private static T? Deserialize<T>(string? json) where T : class
    {
        if (string.IsNullOrEmpty(json))
            return null;
        try
        {
            return JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RunStatusAnswer Error(int statusCode, string error, string detail) =>
        new(statusCode, new JsonObject { ["error"] = error, ["detail"] = detail });

    /// <summary>Seconds and a Z, as the Durable status API writes times.</summary>
    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonNode? ParseJson(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized))
            return null;
        try
        {
            return JsonNode.Parse(serialized);
        }
        catch (JsonException)
        {
            return JsonValue.Create(serialized); // Not JSON (a plain string status): pass it through as text.
        }
    }
}
