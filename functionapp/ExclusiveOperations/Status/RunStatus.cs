using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Telemetry;

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
/// with a <c>Retry-After</c> that says when something can have changed. A poll that arrives shortly before the run is
/// expected to finish is held until it does (<see cref="RunStatusOptions.HoldPollFor"/>). The input is never returned
/// (operators read it through the built-in API).
/// </summary>
public sealed class RunStatus(RunStatusOptions options, IStatusTokens tokens, IRunPollHook hook, TimeProvider time, RunCommits commits)
{
    public const string ParameterName = "returnInternalServerErrorOnFailure";

    /// <summary>
    /// Answers a poll; a poll of a run whose input carries a trace context is a server span in that trace (the poller
    /// sends none: the status URL names the run, the run its trace), with whether it was held and the Retry-After given.
    /// </summary>
    public async Task<RunStatusAnswer> AnswerAsync(RunStatusQuery query, IRunInstanceReader instances, CancellationToken cancellationToken = default)
    {
        var trace = new PollTrace(time.GetUtcNow());
        var answer = await AnswerAsync(query, instances, trace, cancellationToken);
        AppTelemetry.StatusPolls.Add(1, new KeyValuePair<string, object?>("http.response.status_code", answer.StatusCode));
        if (trace.TraceParent is not null)
        {
            AppTelemetry.Record($"GET {RunStatusUrl.PathPrefix}{{instanceId}}", System.Diagnostics.ActivityKind.Server, trace.TraceParent, trace.Arrived, time.GetUtcNow(),
                new("http.request.method", "GET"), new("http.route", RunStatusUrl.PathPrefix + "{instanceId}"), new("http.response.status_code", answer.StatusCode),
                new(AppTelemetry.InstanceId, query.InstanceId), new(AppTelemetry.RuntimeStatus, trace.RuntimeStatus), new(AppTelemetry.Held, trace.Held),
                new(AppTelemetry.RetryAfter, answer.RetryAfterSeconds));
        }
        return answer;
    }

    /// <summary>What a poll's span says, filled in as the poll is answered.</summary>
    private sealed class PollTrace(DateTimeOffset arrived)
    {
        public DateTimeOffset Arrived { get; } = arrived;
        public string? TraceParent { get; set; }
        public string? RuntimeStatus { get; set; }
        public bool Held { get; set; }
    }

    private async Task<RunStatusAnswer> AnswerAsync(RunStatusQuery query, IRunInstanceReader instances, PollTrace trace, CancellationToken cancellationToken)
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
        // Before the first read: a commit between it and a hold's wait must not be missed.
        using var subscription = commits.Subscribe(query.InstanceId);
        var instance = await instances.GetAsync(query.InstanceId, cancellationToken);
        trace.TraceParent = instance is null ? null : RequestOf(instance)?.TraceParent;
        trace.RuntimeStatus = instance?.RuntimeStatus;
        if (!IsUnfinished(instance))
            return Final(query, instance);

        var poll = new RunPoll(instance.InstanceId, instance.RuntimeStatus, RequestOf(instance), OutcomeOf(instance.SerializedCustomStatus), time.GetUtcNow());
        var expectedChange = await hook.OnPollAsync(poll, cancellationToken);
        var pollChangeAt = ChangeAt(expectedChange?.At, poll.CustomStatus);
        if (HoldUntil(poll, pollChangeAt, expectedChange) is { } holdUntil)
        {
            trace.Held = true;
            // Lateness counts from the expected change, or from the run's start while it decides: a poll that follows a
            // held one does not start again at the shortest interval.
            var due = pollChangeAt ?? instance.CreatedAt;
            // Re-read until the run is final or the hold runs out: at each commit this host announces (and every
            // AnnouncedHoldPollInterval for commits elsewhere), else on the lateness schedule; waits on the injected clock.
            for (var now = time.GetUtcNow(); now < holdUntil; now = time.GetUtcNow())
            {
                var wait = commits.Announced
                    ? Shorter(options.AnnouncedHoldPollInterval, holdUntil - now)
                    : NextReadAfter(due, now, holdUntil, options.HoldPollInterval);
                await subscription.WaitAsync(wait, time, cancellationToken);
                instance = await instances.GetAsync(query.InstanceId, cancellationToken);
                trace.RuntimeStatus = instance?.RuntimeStatus;
                if (!IsUnfinished(instance))
                    return Final(query, instance);
            }
        }

        var location = RunStatusUrl.For(query.BaseUrl, instance.InstanceId, query.Token)
            + (query.ReturnInternalServerErrorOnFailure ? $"&{ParameterName}=true" : "");
        var changeAt = ChangeAt(expectedChange?.At, OutcomeOf(instance.SerializedCustomStatus));
        return new RunStatusAnswer(202, Body(instance), location, RetryAfterSeconds(changeAt, time.GetUtcNow()));
    }

    private static bool IsUnfinished([NotNullWhen(true)] RunInstance? instance) =>
        instance?.RuntimeStatus is "Pending" or "Running" or "ContinuedAsNew" or "Suspended";

    /// <summary>The answer to a poll of a run that is not unfinished: its end, or 404, or the status this app does not know.</summary>
    private static RunStatusAnswer Final(RunStatusQuery query, RunInstance? instance) => instance?.RuntimeStatus switch
    {
        null => Error(404, "instance not found", $"No run has the instance id '{query.InstanceId}' (any more)."),
        "Failed" => new RunStatusAnswer(query.ReturnInternalServerErrorOnFailure ? 500 : 200, Body(instance)),
        "Completed" or "Terminated" or "Canceled" => new RunStatusAnswer(200, Body(instance)),
        _ => Error(500, "unknown runtime status", $"Run '{instance.InstanceId}' has the runtime status '{instance.RuntimeStatus}', which this app does not know."),
    };

    /// <summary>
    /// When the run can next have changed: the hook's estimate (a queued run's turn or expected end), else the holder's
    /// expected end while the operation runs; null while it is deciding OK or Conflict (about a second).
    /// </summary>
    private static DateTimeOffset? ChangeAt(DateTimeOffset? expectedChangeAt, OperationOutcome? customStatus) =>
        expectedChangeAt ?? (customStatus is { Status: OperationStatus.Running, Holder: { } holder } ? holder.ExpectedEndAt : null);

    /// <summary>
    /// Until when a poll waits for the change it expects, or null when it is answered at once: only a Pending or Running
    /// run whose change (overdue counts as now) is at most <see cref="RunStatusOptions.HoldPollFor"/> away. A queue-mode
    /// run only while it holds the lock (its status says Running, or the lock says it holds it before its status does: one
    /// told to come back at a whole second past its end learned of it up to a second late): waiting in line or still
    /// joining it, its next change is a turn, not its end, and the hook's estimate was made for what it was at the poll
    /// (a run held into the line would be answered Queued without its turn). The hold lasts until a second after the
    /// expected change (the orchestration's own completion takes a few hundred ms), at most HoldPollFor after the poll
    /// arrived.
    /// </summary>
    private DateTimeOffset? HoldUntil(RunPoll poll, DateTimeOffset? changeAt, RunChange? expectedChange)
    {
        if (options.HoldPollFor <= TimeSpan.Zero
            || poll.RuntimeStatus is not ("Pending" or "Running")
            || (poll.Request?.Mode == LockMode.Queue && poll.CustomStatus?.Status != OperationStatus.Running && expectedChange?.IsEnd != true))
            return null;
        var change = changeAt is { } at && at > poll.At ? at : poll.At;
        if (change - poll.At > options.HoldPollFor)
            return null;
        var until = change + TimeSpan.FromSeconds(1);
        var latest = poll.At + options.HoldPollFor;
        return until < latest ? until : latest;
    }

    /// <summary>
    /// How long a held poll waits before its next read: every <paramref name="interval"/> before the expected change (a
    /// run can end early), from then on a quarter of the time the change is overdue, between
    /// <see cref="RunStatusOptions.MinHoldPollInterval"/> and <paramref name="interval"/>: the poller learns of an end
    /// within about a quarter of its lateness (tens of ms for a prompt one), and a long hold reads no more often than before.
    /// </summary>
    public static TimeSpan NextReadAfter(DateTimeOffset due, DateTimeOffset now, DateTimeOffset holdUntil, TimeSpan interval)
    {
        var wait = now < due
            ? (due - now < interval ? due - now : interval)
            : TimeSpan.FromTicks(Math.Clamp((now - due).Ticks / 4, RunStatusOptions.MinHoldPollInterval.Ticks, interval.Ticks));
        return holdUntil - now < wait ? holdUntil - now : wait;
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Whole seconds until the run can have changed (<see cref="ChangeAt"/>), else 1 s (a run that is deciding OK or
    /// Conflict finishes within about a second); rounded up, at least 1, at most <see cref="RunStatusOptions.MaxRetryAfter"/>.
    /// </summary>
    private int RetryAfterSeconds(DateTimeOffset? changeAt, DateTimeOffset now)
    {
        var seconds = changeAt is { } at ? Math.Ceiling((at - now).TotalSeconds) : 1;
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
