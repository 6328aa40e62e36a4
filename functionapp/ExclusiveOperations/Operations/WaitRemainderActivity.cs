using Microsoft.DurableTask;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>wait</c>'s last second or less. The Azure Storage backend's durable timers are queue visibility delays in
/// whole seconds, truncated: a timer under a second fires at once, so a loop of timers replayed the orchestration about
/// 30 times per 1 s <c>wait</c> (docs/benchmarks.md). This activity waits the remainder instead: one hop, at most a
/// second of compute.
/// </summary>
public sealed class WaitRemainderActivity(TimeProvider time) : TaskActivity<TimeSpan, bool>
{
    /// <summary>Up to this, a durable timer may fire at once on the Azure Storage backend.</summary>
    public static readonly TimeSpan TimerGranularity = TimeSpan.FromSeconds(1);

    public override async Task<bool> RunAsync(TaskActivityContext context, TimeSpan remainder)
    {
        if (remainder < TimeSpan.Zero || remainder > TimerGranularity)
            throw new ArgumentOutOfRangeException(nameof(remainder), remainder, $"A wait's remainder is between 0 and {TimerGranularity}; longer waits are durable timers.");
        await Task.Delay(remainder, time);
        return true;
    }
}
