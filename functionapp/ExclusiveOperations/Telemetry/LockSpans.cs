using System.Diagnostics;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Telemetry;

/// <summary>The lock's spans (docs/tracing.md): a span per lock call, with what the caller learnt from its result.</summary>
internal static class LockSpans
{
    public static Activity? Start(string name, string lockKey, string holderId, string? traceParent)
    {
        var span = AppTelemetry.Start(name, traceParent);
        span?.SetTag(AppTelemetry.LockKey, lockKey);
        span?.SetTag(AppTelemetry.InstanceId, holderId);
        return span;
    }

    public static void Turn(Activity? span, QueueTurn turn)
    {
        if (span is null)
            return;
        span.SetTag(AppTelemetry.Outcome, turn.Outcome.ToString());
        span.SetTag(AppTelemetry.Position, turn.Position);
        span.SetTag(AppTelemetry.Generation, turn.Holder?.Generation);
    }
}
