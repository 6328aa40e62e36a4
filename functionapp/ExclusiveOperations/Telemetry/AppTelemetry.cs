using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ExclusiveOperations.Telemetry;

/// <summary>
/// The app's OpenTelemetry instrumentation with the BCL's own types (the hosts add the SDK and the exporters): one
/// <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <see cref="SourceName"/>. Spans carry the lock key,
/// generation, caller, position and outcome; never a function key, a status token or an operation's input (a test
/// checks every attribute of a whole run). The trace context travels in the orchestration's input
/// (<see cref="Contracts.OperationRequest.TraceParent"/>), so the orchestration, its activities and the run's status polls
/// continue the trace the starter's request came with, whatever the Durable backend does with traces (docs/tracing.md).
/// </summary>
public static class AppTelemetry
{
    public const string SourceName = "ExclusiveOperations";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(SourceName);

    public const string LockKey = "exclusive_operations.lock.key";
    public const string Generation = "exclusive_operations.lock.generation";
    public const string Caller = "exclusive_operations.caller.id";
    public const string Position = "exclusive_operations.lock.position";
    public const string Outcome = "exclusive_operations.outcome";
    public const string InstanceId = "exclusive_operations.instance.id";
    public const string Operation = "exclusive_operations.operation.name";
    public const string Mode = "exclusive_operations.mode";
    public const string Holder = "exclusive_operations.lock.holder";
    public const string HandedTo = "exclusive_operations.lock.handed_to";
    public const string HandoverSent = "exclusive_operations.lock.handover_sent";
    public const string RetryAfter = "http.response.header.retry-after";
    public const string Held = "exclusive_operations.status.held";
    public const string RuntimeStatus = "exclusive_operations.runtime_status";

    /// <summary>From a run's start until it held the lock (queue mode: its wait in line; conflict mode: 0 when it got it at once).</summary>
    public static readonly Histogram<double> LockWait = Meter.CreateHistogram<double>(
        "exclusive_operations.lock.wait", "s", "From a run's start until it held the lock.");

    /// <summary>Refused acquisitions (conflict mode).</summary>
    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>(
        "exclusive_operations.lock.conflicts", "{conflict}", "Refused acquisitions (a Conflict answer).");

    /// <summary>The line's length a queued run found: its position when it joined.</summary>
    public static readonly Histogram<long> QueueLength = Meter.CreateHistogram<long>(
        "exclusive_operations.lock.queue_length", "{run}", "The position a queued run joined the line at.");

    /// <summary>From the release write that handed the lock over until the next run went on with it.</summary>
    public static readonly Histogram<double> HandoverLatency = Meter.CreateHistogram<double>(
        "exclusive_operations.lock.handover_latency", "s", "From the handover write until the queued run it named went on.");

    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "exclusive_operations.operation.duration", "s", "How long an operation ran under its lock.");

    /// <summary>Status polls answered (per run: sum by instance id, or the runner's adf.web.polls).</summary>
    public static readonly Counter<long> StatusPolls = Meter.CreateCounter<long>(
        "exclusive_operations.status.polls", "{poll}", "Status polls answered.");

    /// <summary>A W3C traceparent as a parent context; default (none) when it is missing or not one.</summary>
    public static ActivityContext ParentOf(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;

    /// <summary>The current span's W3C id (what the orchestration's input carries), or null without one.</summary>
    public static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// A span under <paramref name="traceParent"/> (the run's context from its input). With no parent, none is started:
    /// spans of the app belong to a run's trace, they do not start traces of their own.
    /// </summary>
    public static Activity? Start(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal, DateTimeOffset startTime = default)
    {
        var parent = ParentOf(traceParent);
        return parent == default ? null : Source.StartActivity(name, kind, parent, startTime: startTime);
    }

    /// <summary>
    /// A span recorded after the fact, from instants the orchestration knows (its replay-safe clock): a wait in line, an
    /// operation, the orchestration itself. Only call it when the orchestration is not replaying.
    /// </summary>
    public static void Record(string name, string? traceParent, DateTimeOffset start, DateTimeOffset end, params ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Record(name, ActivityKind.Internal, traceParent, start, end, tags);

    /// <inheritdoc cref="Record(string, string?, DateTimeOffset, DateTimeOffset, ReadOnlySpan{KeyValuePair{string, object?}})"/>
    public static void Record(string name, ActivityKind kind, string? traceParent, DateTimeOffset start, DateTimeOffset end,
        params ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        using var span = Start(name, traceParent, kind, start);
        if (span is null)
            return;
        foreach (var (key, value) in tags)
            span.SetTag(key, value);
        span.SetEndTime((end < start ? start : end).UtcDateTime);
    }
}
