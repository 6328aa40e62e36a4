using ExclusiveOperations.Contracts;
using Microsoft.Extensions.Logging;

namespace ExclusiveOperations.Locking;

/// <summary>A conflict-mode acquire (<see cref="LockProtocol.Acquire"/>).</summary>
/// <param name="CallerId">The caller's id, the same on every attempt: it gives the caller a place in the wait list.</param>
/// <param name="Lifetime">How long the lock lives without renewal.</param>
public sealed record AcquireRequest(string HolderId, string Operation, TimeSpan ExpectedDuration, string? CallerId, TimeSpan Lifetime);

/// <summary>A queue-mode join (<see cref="LockProtocol.JoinQueue"/>) or turn check (<see cref="LockProtocol.CheckTurn"/>).</summary>
/// <param name="StartedAt">When the run started (its caller counts as polling from then on).</param>
/// <param name="Deadline">When its queueTimeout runs out.</param>
public sealed record QueueRequest(
    string InstanceId, string Operation, TimeSpan ExpectedDuration, TimeSpan Lifetime, DateTimeOffset StartedAt, DateTimeOffset Deadline);

/// <summary>
/// What the protocol knows of the runs' polls (<see cref="RunPolls"/>): the storage loop reads a record only when a
/// decision asks for it, the simulator knows them all.
/// </summary>
public interface IPollView
{
    /// <summary>False when the record was not read yet; else the last poll (null when none was recorded).</summary>
    bool TryGetLast(string instanceId, out DateTimeOffset? lastPoll);
}

/// <summary>
/// One decision on a lock's state: the state to write (null: nothing to write, the answer stands as read), the answer
/// once that write succeeded, and what to log then. <see cref="NeedsPollOf"/> set instead: the decision needs that
/// run's poll record; read it and decide again on the same state.
/// </summary>
public sealed record LockStep<T>(T Answer, LockState? Write, IReadOnlyList<Action<ILogger>> Logs, string? NeedsPollOf = null)
{
    public static LockStep<T> NeedsPoll(string instanceId) => new(default!, null, [], instanceId);
}

/// <summary>
/// The lock's protocol as pure transitions: (state, request, now, known polls) → (state to write, answer). No I/O,
/// no clock: <see cref="StorageLock"/> applies a step with a conditional write (reading and deciding again when it loses
/// the race) and the simulator applies the same steps on virtual time. A decision never changes the state it is given.
/// Two protocols share the state: the conflict-mode wait list with its planned turns (<see cref="TurnPlan"/>), and the
/// queue-mode line whose runs every release hands the lock to.
/// </summary>
public sealed class LockProtocol(string lockKey, LockOptions options, QueueOptions queue)
{
    private sealed class PollNeeded(string instanceId) : Exception
    {
        public string InstanceId { get; } = instanceId;
    }

    public LockOptions Options => options;

    public QueueOptions Queue => queue;

    /// <summary>
    /// Takes the lock when it is free, expired, or already held by the request's holder (a retried activity must not lock
    /// itself out). A caller with a caller id joins the wait list and is told when its turn comes; a freed lock is kept for
    /// the first caller in line until that caller is overdue. A caller without one gets a free lock that nobody's turn is
    /// kept for, else a hint to come back after the holder and every waiting turn. A new holder gets the next generation.
    /// The answer's <c>HeldSince</c> is null for a new holder: the instant after the write is the storage loop's to take.
    /// </summary>
    public LockStep<LockAttempt> Acquire(LockState current, AcquireRequest request, DateTimeOffset now, IPollView polls) => Decide(() =>
    {
        var state = current.Clone();
        var (holderId, callerId) = (request.HolderId, request.CallerId);
        state.Waiters.RemoveAll(w => w.ReturnBy < now);
        var plan = new TurnPlan(state, options, now);
        var holder = state.Holder;
        var mine = holder?.HolderId == holderId;
        var liveHolder = holder is not null && !mine && holder.ExpiresAt > now ? holder : null;
        var position = callerId is null ? -1 : state.Waiters.FindIndex(w => w.CallerId == callerId);
        if (position >= 0)
            plan.RecordReturn(state.Waiters[position]);
        // A freed lock waits for a caller ahead in line only while that caller is not overdue: a late caller
        // must not leave the lock idle (it keeps its place for the next turn).
        var ahead = position < 0 ? state.Waiters : state.Waiters.Take(position);
        var anotherCallersTurn = ahead.Any(plan.HasItsTurnKept);
        // Queued runs go before every conflict-mode caller: a free or expired lock is theirs while one is eligible.
        var dropped = new List<(QueuedRun Run, string Reason)>();
        var queuedRunFirst = !mine && liveHolder is null && FirstEligible(state, now, polls, dropped) is not null;

        if (!mine && (liveHolder is not null || anotherCallersTurn || queuedRunFirst))
        {
            DateTimeOffset retryAt;
            string? detail = null;
            var placeInLine = callerId is not null && (position >= 0 || state.Waiters.Count < options.MaxWaiters);
            if (!placeInLine)
            {
                retryAt = plan.RetryAtAfterEveryone(liveHolder);
                if (callerId is not null)
                {
                    detail = $"The wait list of lock key '{lockKey}' is full ({options.MaxWaiters} callers, setting {LockOptions.Section}:MaxWaiters); " +
                        "this caller has no place in line and is told to come back after everyone in it.";
                }
            }
            else
            {
                if (position < 0)
                {
                    state.Waiters.Add(new LockWaiter(callerId!, now, request.ExpectedDuration.TotalSeconds, now));
                    position = state.Waiters.Count - 1;
                }
                var turn = plan.TurnFor(position, liveHolder);
                retryAt = plan.Clamp(turn);
                state.Waiters[position] = new LockWaiter(callerId!, retryAt, request.ExpectedDuration.TotalSeconds,
                    plan.LatestReturn(retryAt) + options.WaiterGrace, turn);
            }
            var queued = state.Queue.Count;
            return new LockStep<LockAttempt>(
                new LockAttempt(false, liveHolder, plan.SecondsUntil(retryAt), RetryAt: retryAt, Detail: detail),
                placeInLine ? state : null,
                [log => log.LogInformation(
                    "Lock {LockKey} refused to {HolderId} (caller {CallerId}): held by {CurrentHolder} (generation {Generation}), {QueuedRuns} queued runs; retry at {RetryAt:O}{Detail}",
                    lockKey, holderId, callerId, liveHolder?.HolderId, liveHolder?.Generation, queued, retryAt, detail is null ? "" : " (wait list full)")]);
        }

        var acquiredAt = mine ? holder!.AcquiredAt : now;
        var generation = mine ? holder!.Generation : state.Generation + 1;
        if (callerId is not null)
            state.Waiters.RemoveAll(w => w.CallerId == callerId);
        state.Generation = generation;
        var taken = new LockHolder(holderId, request.Operation, acquiredAt, now + request.Lifetime, acquiredAt + request.ExpectedDuration, generation, callerId);
        state.Holder = taken;
        var logs = Dropped(dropped);
        if (holder is not null && !mine)
        {
            logs.Add(log => log.LogWarning(
                "Lock {LockKey} taken over by {HolderId} (caller {CallerId}, generation {Generation}) from {PreviousHolder} (generation {PreviousGeneration}), which expired at {ExpiredAt:O} without releasing it",
                lockKey, holderId, callerId, generation, holder.HolderId, holder.Generation, holder.ExpiresAt));
        }
        else
        {
            logs.Add(log => log.LogInformation("Lock {LockKey} acquired by {HolderId} (caller {CallerId}, generation {Generation}) until {ExpiresAt:O}",
                lockKey, holderId, callerId, generation, taken.ExpiresAt));
        }
        return new LockStep<LockAttempt>(new LockAttempt(true, taken, HeldSince: mine ? acquiredAt : null), state, logs);
    });

    /// <summary>
    /// The fence check: renews the lock for one more <paramref name="fence"/> lifetime from <paramref name="now"/> if, and
    /// only if, it still names the fence's holder and generation (an expired holder nobody took over yet may renew: no other
    /// holder's effect can have happened). The answer is the new expiry, null when refused.
    /// </summary>
    public LockStep<DateTimeOffset?> Fence(LockState current, LockFence fence, DateTimeOffset now)
    {
        if (current.Holder is not { } holder || holder.HolderId != fence.HolderId || holder.Generation != fence.Generation)
            return new LockStep<DateTimeOffset?>(null, null, []);
        var state = current.Clone();
        var expiresAt = now + fence.Lifetime;
        state.Holder = holder with { ExpiresAt = expiresAt };
        return new LockStep<DateTimeOffset?>(expiresAt, state, []);
    }

    /// <summary>
    /// Frees the lock if, and only if, <paramref name="holderId"/> holds it, and in the same write hands it to the first
    /// eligible queued run (next generation, acquired at the release instant, living that run's lifetime). Runs past their
    /// deadline or whose caller is gone are dropped on the way. A release repeated after the holder's own release answers
    /// with the first one (its instant and handover). The wait list stays.
    /// </summary>
    public LockStep<LockRelease> Release(LockState current, string holderId, DateTimeOffset now, IPollView polls) => Decide(() =>
    {
        if (current.Holder?.HolderId != holderId && current.RecentReleases.FindLast(r => r.HolderId == holderId) is { } earlier)
            return new LockStep<LockRelease>(new LockRelease(ReleaseOutcome.Released, earlier.At, null, earlier.HandedTo), null, []);
        if (current.Holder is not { } holder)
            return new LockStep<LockRelease>(new LockRelease(ReleaseOutcome.NotHeld, now, null), null, []);
        if (holder.HolderId != holderId)
        {
            return new LockStep<LockRelease>(new LockRelease(ReleaseOutcome.HeldByAnother, now, holder), null,
                [log => log.LogWarning("Lock {LockKey} release by {HolderId} refused: held by {CurrentHolder} (generation {Generation})",
                    lockKey, holderId, holder.HolderId, holder.Generation)]);
        }
        var state = current.Clone();
        var releasedAt = now;
        new TurnPlan(state, options, releasedAt).RecordHold(holder, releasedAt);
        var dropped = new List<(QueuedRun Run, string Reason)>();
        var next = FirstEligible(state, releasedAt, polls, dropped);
        LockHolder? handedTo = null;
        if (next is not null)
        {
            state.Queue.Remove(next);
            state.Generation++;
            handedTo = new LockHolder(next.InstanceId, next.Operation, releasedAt, releasedAt + next.Lifetime,
                releasedAt + TimeSpan.FromSeconds(next.ExpectedSeconds), state.Generation);
        }
        state.Holder = handedTo;
        state.RecentReleases.Add(new LockReleaseRecord(holderId, holder.Generation, releasedAt, handedTo));
        if (state.RecentReleases.Count > LockState.RecentReleasesKept)
            state.RecentReleases.RemoveRange(0, state.RecentReleases.Count - LockState.RecentReleasesKept);
        var logs = Dropped(dropped);
        var stillQueued = state.Queue.Count;
        logs.Add(log => log.LogInformation(
            "Lock {LockKey} released by {HolderId} (caller {CallerId}, generation {Generation}) after {HeldSeconds:0.###} s; handed to {NextHolder} (generation {NextGeneration}), {QueuedRuns} still queued",
            lockKey, holderId, holder.CallerId, holder.Generation, (releasedAt - holder.AcquiredAt).TotalSeconds,
            handedTo?.HolderId, handedTo?.Generation, stillQueued));
        return new LockStep<LockRelease>(new LockRelease(ReleaseOutcome.Released, releasedAt, null, handedTo), state, logs);
    });

    /// <summary>
    /// Queue mode: takes the lock when it is free or expired and no eligible run is queued ahead, else puts the run at the
    /// end of the line (once: a repeated join finds its place). A full line answers <see cref="TurnOutcome.QueueFull"/>.
    /// <paramref name="now"/> is taken after the state was read: every run already in the line joined before it.
    /// </summary>
    public LockStep<QueueTurn> JoinQueue(LockState current, QueueRequest request, DateTimeOffset now, IPollView polls) => Decide(() =>
    {
        var instanceId = request.InstanceId;
        if (Settled(current, instanceId, now, request.Deadline) is { } settled)
            return new LockStep<QueueTurn>(settled, null, []);
        // Only a join delivered again long after the run started can be this late; it must not take the lock.
        if (now >= request.Deadline)
            return new LockStep<QueueTurn>(TimedOut(request.Deadline), null, []);
        var state = current.Clone();
        var dropped = new List<(QueuedRun Run, string Reason)>();
        if (IsFreeOrExpired(state, now))
        {
            var first = FirstEligible(state, now, polls, dropped);
            if (first is null || first.InstanceId == instanceId)
            {
                var queued = state.Queue.Find(run => run.InstanceId == instanceId);
                var logs = Dropped(dropped);
                var holder = Take(state, request, now, logs);
                return new LockStep<QueueTurn>(new QueueTurn(TurnOutcome.Acquired, holder, QueuedAt: queued?.EnqueuedAt), state, logs);
            }
        }
        var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
        if (position >= 0)
            return new LockStep<QueueTurn>(new QueueTurn(TurnOutcome.Queued, Position: position + 1, QueuedAt: state.Queue[position].EnqueuedAt), null, []);
        if (state.Queue.Count >= queue.MaxQueued)
        {
            var max = queue.MaxQueued;
            return new LockStep<QueueTurn>(
                new QueueTurn(TurnOutcome.QueueFull, Detail:
                    $"The line for lock key '{lockKey}' is full ({max} queued runs, setting {QueueOptions.Section}:MaxQueued); " +
                    "this run did not join it. Start it again later, or raise the setting."),
                null,
                [log => log.LogWarning("Lock {LockKey} queue full: {InstanceId} turned away ({MaxQueued} runs queued)", lockKey, instanceId, max)]);
        }
        state.Queue.Add(new QueuedRun(instanceId, request.Operation, request.StartedAt, now, request.ExpectedDuration.TotalSeconds, request.Lifetime, request.Deadline));
        var joinLogs = Dropped(dropped);
        var (length, holderNow) = (state.Queue.Count, state.Holder);
        joinLogs.Add(log => log.LogInformation(
            "Lock {LockKey} queued {InstanceId} at position {Position} behind {CurrentHolder} (generation {Generation}); deadline {Deadline:O}",
            lockKey, instanceId, length, holderNow?.HolderId, holderNow?.Generation, request.Deadline));
        return new LockStep<QueueTurn>(new QueueTurn(TurnOutcome.Queued, Position: length, QueuedAt: now), state, joinLogs);
    });

    /// <summary>
    /// Queue mode, when a waiting run's timer fires (no handover came): the run holds the lock (handed over meanwhile);
    /// takes it over when the holder expired (a dead holder) or the lock is free and the run is first in line; leaves the
    /// line past its deadline (<see cref="TurnOutcome.TimedOut"/>) or when its caller is gone
    /// (<see cref="TurnOutcome.Abandoned"/>, also when a release dropped it); else tells its position. Idempotent.
    /// </summary>
    public LockStep<QueueTurn> CheckTurn(LockState current, QueueRequest request, DateTimeOffset now, IPollView polls) => Decide(() =>
    {
        var instanceId = request.InstanceId;
        if (Settled(current, instanceId, now, request.Deadline) is { } settled)
            return new LockStep<QueueTurn>(settled, null, []);
        var state = current.Clone();
        var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
        if (position < 0)
        {
            return new LockStep<QueueTurn>(new QueueTurn(TurnOutcome.Abandoned, Detail:
                $"This run was dropped from the line for lock key '{lockKey}': nobody polled its status for {queue.CallerGoneAfter.TotalSeconds:0.###} s " +
                $"(setting {QueueOptions.Section}:CallerGoneAfter), so its caller was presumed gone."), null, []);
        }
        var mine = state.Queue[position];
        if (Ineligible(mine, now, polls) is { } reason)
        {
            state.Queue.RemoveAt(position);
            var answer = now >= mine.Deadline ? TimedOut(mine.Deadline) : new QueueTurn(TurnOutcome.Abandoned, QueuedAt: mine.EnqueuedAt, Detail:
                $"This run left the line for lock key '{lockKey}': {reason} (setting {QueueOptions.Section}:CallerGoneAfter).");
            return new LockStep<QueueTurn>(answer, state, Dropped([(mine, reason)]));
        }
        var dropped = new List<(QueuedRun Run, string Reason)>();
        if (IsFreeOrExpired(state, now) && FirstEligible(state, now, polls, dropped)?.InstanceId == instanceId)
        {
            var logs = Dropped(dropped);
            var holder = Take(state, request, now, logs);
            return new LockStep<QueueTurn>(new QueueTurn(TurnOutcome.Acquired, holder, QueuedAt: mine.EnqueuedAt), state, logs);
        }
        return new LockStep<QueueTurn>(
            new QueueTurn(TurnOutcome.Queued, Position: state.Queue.FindIndex(run => run.InstanceId == instanceId) + 1, QueuedAt: mine.EnqueuedAt), null, []);
    });

    /// <summary>
    /// When something is next expected to change for <paramref name="instanceId"/>: for a queued run its earliest likely turn
    /// (the holder's expected end, then the expected durations of the runs ahead of it, without their measured overrun: a
    /// poller told too early asks again, one told too late learns of its end late, and one slow start-up overrun made whole
    /// lines come back seconds after their end); for the holder its operation's expected end plus the measured overrun;
    /// null when the run neither holds the lock nor waits for it.
    /// </summary>
    public static ExpectedTurn? ExpectedTurn(LockState state, string instanceId, DateTimeOffset now)
    {
        var overshoot = Math.Max(0, state.AverageOvershootSeconds ?? 0);
        if (state.Holder?.HolderId == instanceId)
            return new ExpectedTurn(state.Holder.ExpectedEndAt + TimeSpan.FromSeconds(overshoot), InLine: false);
        var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
        if (position < 0)
            return null;
        var turn = state.Holder is { } holder && holder.ExpiresAt > now && holder.ExpectedEndAt > now ? holder.ExpectedEndAt : now;
        return new ExpectedTurn(turn + TimeSpan.FromSeconds(state.Queue.Take(position).Sum(run => run.ExpectedSeconds)), InLine: true);
    }

    /// <summary>Runs a decision; a poll record it needs but does not know yet ends it with a request to read that record.</summary>
    private static LockStep<T> Decide<T>(Func<LockStep<T>> decide)
    {
        try
        {
            return decide();
        }
        catch (PollNeeded needed)
        {
            return LockStep<T>.NeedsPoll(needed.InstanceId);
        }
    }

    /// <summary>
    /// The answer when the run's place in line is already decided: it holds the lock, it already ran (a join or check
    /// delivered again after the run released: nothing may change), or it is out of line past its deadline.
    /// </summary>
    private QueueTurn? Settled(LockState state, string instanceId, DateTimeOffset now, DateTimeOffset deadline)
    {
        if (state.Holder is { } holder && holder.HolderId == instanceId)
            return new QueueTurn(TurnOutcome.Acquired, holder);
        if (state.RecentReleases.Exists(r => r.HolderId == instanceId))
            return new QueueTurn(TurnOutcome.Abandoned, Detail: "This run already held and released the lock; a repeated join or check changes nothing.");
        if (now >= deadline && !state.Queue.Exists(run => run.InstanceId == instanceId))
            return TimedOut(deadline);
        return null;
    }

    private QueueTurn TimedOut(DateTimeOffset deadline) => new(TurnOutcome.TimedOut, Detail:
        $"This run did not get the lock for key '{lockKey}' before its queueTimeout ran out at {deadline:O} and left the line; " +
        "start it again, or give a longer queueTimeout.");

    private static bool IsFreeOrExpired(LockState state, DateTimeOffset now) => state.Holder is not { } holder || holder.ExpiresAt <= now;

    /// <summary>Makes the queued run the holder (out of the line, next generation) in <paramref name="state"/>.</summary>
    private LockHolder Take(LockState state, QueueRequest request, DateTimeOffset now, List<Action<ILogger>> logs)
    {
        var previous = state.Holder;
        var instanceId = request.InstanceId;
        state.Queue.RemoveAll(run => run.InstanceId == instanceId);
        state.Generation++;
        var holder = new LockHolder(instanceId, request.Operation, now, now + request.Lifetime, now + request.ExpectedDuration, state.Generation);
        state.Holder = holder;
        if (previous is not null)
        {
            logs.Add(log => log.LogWarning(
                "Lock {LockKey} taken over by queued run {HolderId} (generation {Generation}) from {PreviousHolder} (generation {PreviousGeneration}), which expired at {ExpiredAt:O} without releasing it",
                lockKey, instanceId, holder.Generation, previous.HolderId, previous.Generation, previous.ExpiresAt));
        }
        else
        {
            logs.Add(log => log.LogInformation("Lock {LockKey} acquired by queued run {HolderId} (generation {Generation}) until {ExpiresAt:O}",
                lockKey, instanceId, holder.Generation, holder.ExpiresAt));
        }
        return holder;
    }

    /// <summary>
    /// Drops from the head of the line the runs that can no longer be given the lock (past their deadline, caller gone) and
    /// returns the first that can, or null. Needs one poll record per run looked at: only the head, and only when the
    /// lock is to be given.
    /// </summary>
    private QueuedRun? FirstEligible(LockState state, DateTimeOffset now, IPollView polls, List<(QueuedRun Run, string Reason)> dropped)
    {
        while (state.Queue.Count > 0)
        {
            var first = state.Queue[0];
            if (Ineligible(first, now, polls) is not { } reason)
                return first;
            state.Queue.RemoveAt(0);
            dropped.Add((first, reason));
        }
        return null;
    }

    /// <summary>Why <paramref name="run"/> can no longer be given the lock, or null when it can.</summary>
    private string? Ineligible(QueuedRun run, DateTimeOffset now, IPollView polls)
    {
        if (now >= run.Deadline)
            return $"its queueTimeout ran out at {run.Deadline:O}";
        if (!polls.TryGetLast(run.InstanceId, out var polled))
            throw new PollNeeded(run.InstanceId);
        var lastSeen = polled is { } at && at > run.StartedAt ? at : run.StartedAt;
        if (now - lastSeen > queue.CallerGoneAfter)
            return $"nobody polled its status since {lastSeen:O}, more than {queue.CallerGoneAfter.TotalSeconds:0.###} s";
        return null;
    }

    private List<Action<ILogger>> Dropped(List<(QueuedRun Run, string Reason)> dropped) =>
        [.. dropped.Select(d => (Action<ILogger>)(log => log.LogWarning("Lock {LockKey} dropped queued run {InstanceId} from the line: {Reason}",
            lockKey, d.Run.InstanceId, d.Reason)))];
}
