using ExclusiveOperations.Operations;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Waits until an instant of the orchestration's clock. The Azure Storage backend's durable timers are queue visibility
/// delays in whole seconds, truncated, so a timer can fire up to a second early and one less than a second away fires at
/// once: a loop that waited by timers until its clock passed an instant replayed about 30 times in its last second. The
/// last second or less is therefore waited by <see cref="WaitRemainderActivity"/>: one hop (a timer a second past the
/// instant instead was measured slower, docs/benchmarks.md).
/// </summary>
public static class DurableDelay
{
    /// <param name="cancellation">Cancels a timer; the last second's activity cannot be cancelled, and its result is
    /// then left unread.</param>
    public static Task UntilAsync(TaskOrchestrationContext context, DateTime end, CancellationToken cancellation = default)
    {
        var remaining = end - context.CurrentUtcDateTime;
        if (remaining > WaitRemainderActivity.TimerGranularity)
            return context.CreateTimer(end, cancellation);
        return context.CallActivityAsync<bool>(FunctionNames.WaitRemainder, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, ActivityRetry.Options);
    }
}
