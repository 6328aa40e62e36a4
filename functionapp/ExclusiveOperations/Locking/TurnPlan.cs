using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>
/// Plans when each waiting caller should come back so that it finds the lock free and nobody else's turn:
/// the first when the holder is expected to release, each next one after the one before it can have come back
/// (up to one <see cref="LockOptions.RetryGranularity"/> late) and held the lock for its own expected time.
/// Callers are told once and cannot be corrected, so the plan assumes the latest return, not the average:
/// a caller that comes back early costs another orchestration start, a late one only idle lock time.
/// </summary>
internal sealed class TurnPlan(LockState state, LockOptions options, DateTimeOffset now)
{
    private double Granularity => options.RetryGranularity.TotalSeconds;

    /// <summary>
    /// How long after its retryAt a caller is seen at the earliest: the measured average delay less the half
    /// granularity it includes on average (a caller rounds its wait up to whole seconds). Zero until measured.
    /// </summary>
    private double EarliestDelay => Math.Max(0, (state.AverageReturnDelaySeconds ?? Granularity / 2) - Granularity / 2);

    private double Overshoot => Math.Max(0, state.AverageOvershootSeconds ?? 0);

    /// <summary>
    /// When the lock is expected to be free for a caller outside the queue: after the current holder (now when it is free or
    /// overran its estimate) and every queued run, which a release hands the lock to first.
    /// </summary>
    public DateTimeOffset FreeAt(LockHolder? liveHolder)
    {
        var queued = TimeSpan.FromSeconds(state.Queue.Sum(run => run.ExpectedSeconds + Overshoot));
        if (liveHolder is null) return now + queued;
        var expected = liveHolder.ExpectedEndAt + TimeSpan.FromSeconds(Overshoot);
        return (expected > now ? expected : now) + queued;
    }

    /// <summary>The latest a caller told to come back at <paramref name="retryAt"/> is expected to be seen.</summary>
    public DateTimeOffset LatestReturn(DateTimeOffset retryAt) => retryAt + TimeSpan.FromSeconds(Granularity + EarliestDelay);

    /// <summary>True while <paramref name="waiter"/>'s turn is kept for it (it is not overdue yet).</summary>
    public bool HasItsTurnKept(LockWaiter waiter) => now <= LatestReturn(waiter.RetryAt) + options.TurnReservation;

    /// <summary>
    /// When the caller at <paramref name="position"/> of the wait list has its turn: after the holder, and after the turn
    /// of the caller before it. Not clamped: a caller far down a long list is told to come back at most MaxRetryAfter from
    /// now (<see cref="Clamp"/>), but the turns after its own are planned from its turn, not from when it was told.
    /// </summary>
    public DateTimeOffset TurnFor(int position, LockHolder? liveHolder)
    {
        var margin = options.TurnMargin.TotalSeconds;
        // The caller must not be seen before the holder releases: it is seen EarliestDelay after retryAt at the earliest.
        var turn = FreeAt(liveHolder) + TimeSpan.FromSeconds(margin - EarliestDelay);
        if (position > 0)
        {
            var before = state.Waiters[position - 1];
            var afterBefore = before.PlannedTurn + TimeSpan.FromSeconds(Granularity + before.ExpectedSeconds + Overshoot + margin);
            if (afterBefore > turn) turn = afterBefore;
        }
        return turn;
    }

    /// <summary>When a caller that goes by no wait list should come back: after the holder and every waiting turn.</summary>
    public DateTimeOffset RetryAtAfterEveryone(LockHolder? liveHolder)
    {
        var free = FreeAt(liveHolder);
        if (state.Waiters.Count == 0) return Clamp(free);
        // Runs queued after the last waiter was told go before it too: whichever ends later.
        var last = state.Waiters[^1];
        var afterLast = LatestReturn(last.PlannedTurn) + TimeSpan.FromSeconds(last.ExpectedSeconds + Overshoot + options.TurnMargin.TotalSeconds);
        return Clamp(afterLast > free ? afterLast : free);
    }

    /// <summary>The whole seconds to wait for <paramref name="retryAt"/>, rounded up: at least 1, capped.</summary>
    public int SecondsUntil(DateTimeOffset retryAt) =>
        (int)Math.Min(Math.Ceiling(Math.Max((retryAt - now).TotalSeconds, 1)), options.MaxRetryAfter.TotalSeconds);

    /// <summary>
    /// Records how late a waiting caller came back (a moving average, so the plan follows the callers' latency).
    /// A caller back before its retryAt did not follow the hint (a fixed retry interval): it says nothing of latency.
    /// </summary>
    public void RecordReturn(LockWaiter waiter)
    {
        if (now < waiter.RetryAt) return;
        var delay = Math.Min((now - waiter.RetryAt).TotalSeconds, options.MaxRetryAfter.TotalSeconds);
        // Smoothed more than the overrun: each return carries up to a granularity of rounding noise.
        state.AverageReturnDelaySeconds = state.AverageReturnDelaySeconds is { } average ? 0.75 * average + 0.25 * delay : delay;
    }

    /// <summary>Records how much longer than its estimate a holder kept the lock.</summary>
    public void RecordHold(LockHolder holder, DateTimeOffset releasedAt)
    {
        var overshoot = (releasedAt - holder.ExpectedEndAt).TotalSeconds;
        state.AverageOvershootSeconds = state.AverageOvershootSeconds is { } average ? (average + overshoot) / 2 : overshoot;
    }

    /// <summary>At least a second from now (the shortest wait a pipeline can take), at most MaxRetryAfter.</summary>
    public DateTimeOffset Clamp(DateTimeOffset retryAt)
    {
        var soonest = now + TimeSpan.FromSeconds(1);
        var latest = now + options.MaxRetryAfter;
        return retryAt < soonest ? soonest : retryAt > latest ? latest : retryAt;
    }
}
