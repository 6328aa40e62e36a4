using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DataFactory.Runner.Run;

/// <summary>
/// The runner's OpenTelemetry instrumentation, with the BCL's own types (no SDK here: whoever runs the runner listens
/// with an OpenTelemetry SDK, or does not, and then nothing is recorded): a span per pipeline run, per activity run
/// (each attempt), per Web request (the call, and each 202 status poll), in the trace its run id names
/// (<see cref="ContextOf"/>). URLs are recorded as run records show them (credentials replaced by ***), and a
/// secure input hides them; headers and bodies are never recorded.
/// </summary>
public static class RunnerTelemetry
{
    public const string SourceName = "DataFactory.Runner";

    public static readonly ActivitySource Source = new(SourceName);

    public static readonly Meter Meter = new(SourceName);

    /// <summary>Status polls per Web activity call (its 202 polling): the answer to "how often did the Web activity poll".</summary>
    internal static readonly Histogram<long> PollsPerCall = Meter.CreateHistogram<long>(
        "datafactory.runner.web.polls", "{poll}", "Status polls per Web activity call (its 202 polling).");

    public const string PipelineName = "adf.pipeline.name";
    public const string PipelineRunId = "adf.pipeline.run_id";
    public const string ParentRunId = "adf.pipeline.parent_run_id";
    public const string PipelineStatus = "adf.pipeline.status";
    public const string ActivityName = "adf.activity.name";
    public const string ActivityType = "adf.activity.type";
    public const string ActivityRunId = "adf.activity.run_id";
    public const string ActivityAttempt = "adf.activity.attempt";
    public const string ActivityScope = "adf.activity.scope";
    public const string ActivityStatus = "adf.activity.status";
    public const string WebPolls = "adf.web.polls";
    public const string WebPoll = "adf.web.poll";

    /// <summary>
    /// The W3C trace context a pipeline run's id names: a run id is a GUID, whose 32 hex digits are the trace id; the
    /// span id is the last 16 of them (the span that stands for Data Factory's run, which Data Factory itself does not
    /// emit). The generated pipelines send the same as <c>traceparent</c> (<c>00-{trace id}-{span id}-01</c>), so anyone
    /// holding a run id finds its trace without a lookup table. Null when the run id is not a GUID.
    /// </summary>
    public static ActivityContext? ContextOf(string runId)
    {
        if (!Guid.TryParse(runId, out var guid) || guid == Guid.Empty)
            return null;
        var hex = guid.ToString("N");
        var spanId = hex.AsSpan(16);
        if (spanId.SequenceEqual("0000000000000000"))
            return null;
        return new ActivityContext(ActivityTraceId.CreateFromString(hex), ActivitySpanId.CreateFromString(spanId), ActivityTraceFlags.Recorded, isRemote: true);
    }

    /// <summary>The trace id of <see cref="ContextOf"/> as 32 lowercase hex digits; null when the run id is not a GUID.</summary>
    public static string? TraceIdOf(string runId) => ContextOf(runId)?.TraceId.ToHexString();

    /// <summary>The <c>traceparent</c> header value of <see cref="ContextOf"/>; null when the run id is not a GUID.</summary>
    public static string? TraceParentOf(string runId) =>
        ContextOf(runId) is { } context ? $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-01" : null;

    /// <summary>Ends a span at an instant of the runner's clock (so that spans and run records agree, virtual clocks included).</summary>
    internal static void End(Activity? span, TimeProvider time)
    {
        if (span is null)
            return;
        span.SetEndTime(time.GetUtcNow().UtcDateTime);
        span.Stop();
    }
}
