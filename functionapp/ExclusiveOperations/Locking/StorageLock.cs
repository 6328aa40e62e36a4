using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ExclusiveOperations.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExclusiveOperations.Locking;

/// <summary>
/// One lock per lock key, stored as a small JSON blob in Azure Storage and changed only by conditional
/// writes (If-None-Match: * to create, If-Match: ETag to take over or release). Every Function App
/// instance shares it through the storage account, so acquisition is atomic across a scale-out.
/// A blob lease was the other option; leases last at most 60 s unless infinite, so a long operation
/// would need a renewer running outside any activity, and an infinite lease never frees a dead holder.
/// An expiry time inside the blob, renewed between steps, gives a TTL of any length.
/// </summary>
/// <remarks>
/// Queue mode (<see cref="JoinQueueAsync"/>, <see cref="CheckTurnAsync"/>): runs wait in a line inside the lock blob, first come
/// first served, and every release hands the lock to the first eligible one in the same conditional write.
/// </remarks>
public sealed class StorageLock(
    BlobContainerClient container, LockOptions options, TimeProvider time, ILogger<StorageLock>? logger = null,
    QueueOptions? queueOptions = null, RunPolls? polls = null)
{
    /// <summary>
    /// Conditional writes lost in a row before giving up: with the doubling back-off (capped at 128 ms) that is
    /// several seconds of nothing but other writers winning, which means something is wrong, not busy.
    /// </summary>
    public const int MaxLostWrites = 40;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ILogger _log = logger ?? (ILogger)NullLogger.Instance;
    private readonly QueueOptions _queue = queueOptions ?? new QueueOptions();
    private readonly RunPolls _polls = polls ?? new RunPolls(container);
    private int _containerReady;

    /// <summary>
    /// Takes the lock for <paramref name="lockKey"/> when it is free, expired, or already held by
    /// <paramref name="holderId"/> (a retried activity must not lock itself out). Never waits.
    /// A caller that gives a <paramref name="callerId"/> (the same on every attempt) joins the lock's wait list
    /// and is told when its turn comes (<see cref="TurnPlan"/>); a freed lock is kept for the first caller in line
    /// until that caller is overdue. A caller without a caller id has no place in line: it gets a free lock that
    /// nobody's turn is kept for, else a hint to come back after the holder and every waiting turn.
    /// A new holder gets the next generation (the fencing token); a holder taking its own lock again keeps its own.
    /// </summary>
    /// <param name="lifetime">How long the lock lives without renewal; the orchestration's own (from its input), else the options'.</param>
    public async Task<LockAttempt> TryAcquireAsync(
        string lockKey, string holderId, string operation, TimeSpan expectedDuration, string? callerId = null,
        TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        var ttl = lifetime ?? options.Timings.Lifetime;
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var now = time.GetUtcNow();
            var (state, etag) = await ReadAsync(blob, cancellationToken);
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
            var queuedRunFirst = !mine && liveHolder is null && await FirstEligibleAsync(state, now, dropped, cancellationToken) is not null;

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
                        state.Waiters.Add(new LockWaiter(callerId!, now, expectedDuration.TotalSeconds, now));
                        position = state.Waiters.Count - 1;
                    }
                    retryAt = plan.RetryAtFor(position, liveHolder);
                    state.Waiters[position] = new LockWaiter(callerId!, retryAt, expectedDuration.TotalSeconds,
                        plan.LatestReturn(retryAt) + options.WaiterGrace);
                }
                if (!placeInLine || await TryWriteAsync(blob, state, etag, cancellationToken))
                {
                    _log.LogInformation(
                        "Lock {LockKey} refused to {HolderId} (caller {CallerId}): held by {CurrentHolder} (generation {Generation}), {QueuedRuns} queued runs; retry at {RetryAt:O}{Detail}",
                        lockKey, holderId, callerId, liveHolder?.HolderId, liveHolder?.Generation, state.Queue.Count, retryAt, detail is null ? "" : " (wait list full)");
                    return new LockAttempt(false, liveHolder, plan.SecondsUntil(retryAt), RetryAt: retryAt, Detail: detail);
                }
                await BackOffAsync(lockKey, lost, cancellationToken);
                continue;
            }

            var acquiredAt = mine ? holder!.AcquiredAt : now;
            var generation = mine ? holder!.Generation : state.Generation + 1;
            if (callerId is not null)
                state.Waiters.RemoveAll(w => w.CallerId == callerId);
            state.Generation = generation;
            state.Holder = new LockHolder(holderId, operation, acquiredAt, now + ttl, acquiredAt + expectedDuration, generation, callerId);
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
            {
                LogDropped(lockKey, dropped);
                // Taken after the write: the previous holder's release happened before this instant.
                var heldSince = mine ? acquiredAt : time.GetUtcNow();
                if (holder is not null && !mine)
                {
                    _log.LogWarning(
                        "Lock {LockKey} taken over by {HolderId} (caller {CallerId}, generation {Generation}) from {PreviousHolder} (generation {PreviousGeneration}), which expired at {ExpiredAt:O} without releasing it",
                        lockKey, holderId, callerId, generation, holder.HolderId, holder.Generation, holder.ExpiresAt);
                }
                else
                {
                    _log.LogInformation("Lock {LockKey} acquired by {HolderId} (caller {CallerId}, generation {Generation}) until {ExpiresAt:O}",
                        lockKey, holderId, callerId, generation, state.Holder.ExpiresAt);
                }
                return new LockAttempt(true, state.Holder, HeldSince: heldSince);
            }
            // Somebody changed the blob between our read and write: read again and decide again.
            await BackOffAsync(lockKey, lost, cancellationToken);
        }
    }

    /// <summary>
    /// The fence check: renews the lock if, and only if, it still holds <paramref name="fence"/>'s holder and generation,
    /// so the caller may act for one more lifetime from the instant before the write; else throws
    /// <see cref="LockLostException"/> and the caller must not act. Returns the lock's new expiry.
    /// </summary>
    public async Task<DateTimeOffset> FenceAsync(LockFence fence, CancellationToken cancellationToken = default)
    {
        var renewed = await RenewIfAsync(fence.LockKey, holder => holder.HolderId == fence.HolderId && holder.Generation == fence.Generation,
            fence.Lifetime, cancellationToken);
        if (renewed is null)
        {
            var current = await PeekAsync(fence.LockKey, cancellationToken);
            _log.LogWarning("Lock {LockKey} fence refused {HolderId} (generation {Generation}): now held by {CurrentHolder} (generation {CurrentGeneration})",
                fence.LockKey, fence.HolderId, fence.Generation, current?.HolderId, current?.Generation);
            throw new LockLostException(
                $"The lock for key '{fence.LockKey}' is no longer held by '{fence.HolderId}' with generation {fence.Generation} " +
                $"(now: {(current is null ? "free" : $"'{current.HolderId}', generation {current.Generation}")}); its lifetime ran out and the write was refused.");
        }
        return renewed.Value;
    }

    private async Task<DateTimeOffset?> RenewIfAsync(string lockKey, Func<LockHolder, bool> holds, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            // An expired holder that nobody took over yet may renew: no other holder's effect can have happened.
            if (state.Holder is not { } holder || !holds(holder))
                return null;
            var expiresAt = time.GetUtcNow() + lifetime;
            state.Holder = holder with { ExpiresAt = expiresAt };
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
                return expiresAt;
            await BackOffAsync(lockKey, lost, cancellationToken);
        }
    }

    /// <summary>
    /// Frees the lock if, and only if, <paramref name="holderId"/> holds it, and in the same write hands it to the first
    /// eligible queued run (next generation, acquired at the release instant, living that run's lifetime), which the caller
    /// must then tell (<see cref="LockRelease.HandedTo"/>). Queued runs past their deadline or whose caller is gone are
    /// dropped on the way. The wait list stays.
    /// </summary>
    public async Task<LockRelease> ReleaseAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (state.Holder?.HolderId != holderId && state.RecentReleases.FindLast(r => r.HolderId == holderId) is { } earlier)
                return new LockRelease(ReleaseOutcome.Released, earlier.At, null, earlier.HandedTo);
            if (state.Holder is not { } holder)
                return new LockRelease(ReleaseOutcome.NotHeld, time.GetUtcNow(), null);
            if (holder.HolderId != holderId)
            {
                _log.LogWarning("Lock {LockKey} release by {HolderId} refused: held by {CurrentHolder} (generation {Generation})",
                    lockKey, holderId, holder.HolderId, holder.Generation);
                return new LockRelease(ReleaseOutcome.HeldByAnother, time.GetUtcNow(), holder);
            }
            // Taken before the write: the next holder's write can only succeed after this instant.
            var releasedAt = time.GetUtcNow();
            new TurnPlan(state, options, releasedAt).RecordHold(holder, releasedAt);
            var dropped = new List<(QueuedRun Run, string Reason)>();
            var next = await FirstEligibleAsync(state, releasedAt, dropped, cancellationToken);
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
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
            {
                LogDropped(lockKey, dropped);
                _log.LogInformation(
                    "Lock {LockKey} released by {HolderId} (caller {CallerId}, generation {Generation}) after {HeldSeconds:0.###} s; handed to {NextHolder} (generation {NextGeneration}), {QueuedRuns} still queued",
                    lockKey, holderId, holder.CallerId, holder.Generation, (releasedAt - holder.AcquiredAt).TotalSeconds,
                    handedTo?.HolderId, handedTo?.Generation, state.Queue.Count);
                return new LockRelease(ReleaseOutcome.Released, releasedAt, null, handedTo);
            }
            await BackOffAsync(lockKey, lost, cancellationToken);
        }
    }

    /// <summary>
    /// Queue mode: takes the lock at once when it is free or expired and no eligible run is queued ahead, else puts the run
    /// at the end of the line (once: a repeated join finds its place). Never waits; a full line answers
    /// <see cref="TurnOutcome.QueueFull"/>. The run then waits for a release to hand it the lock, or checks its turn
    /// (<see cref="CheckTurnAsync"/>).
    /// </summary>
    /// <param name="startedAt">When the run started (its caller counts as polling from then on).</param>
    /// <param name="deadline">When its queueTimeout runs out.</param>
    public async Task<QueueTurn> JoinQueueAsync(
        string lockKey, string instanceId, string operation, TimeSpan expectedDuration, TimeSpan lifetime, DateTimeOffset startedAt,
        DateTimeOffset deadline, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            // Read after the state: every run already in the line took its time before its write, so before this one.
            var now = time.GetUtcNow();
            if (Settled(lockKey, state, instanceId, now, deadline) is { } settled)
                return settled;
            // Only a join delivered again long after the run started can be this late; it must not take the lock.
            if (now >= deadline)
                return TimedOut(lockKey, deadline);
            var dropped = new List<(QueuedRun Run, string Reason)>();
            if (IsFreeOrExpired(state, now))
            {
                var first = await FirstEligibleAsync(state, now, dropped, cancellationToken);
                if (first is null || first.InstanceId == instanceId)
                {
                    var queued = state.Queue.Find(run => run.InstanceId == instanceId);
                    if (await TryTakeAsync(blob, lockKey, state, etag, instanceId, operation, expectedDuration, lifetime, now, dropped, cancellationToken) is { } holder)
                        return new QueueTurn(TurnOutcome.Acquired, holder, QueuedAt: queued?.EnqueuedAt);
                    await BackOffAsync(lockKey, lost, cancellationToken);
                    continue;
                }
            }
            var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
            if (position >= 0)
                return new QueueTurn(TurnOutcome.Queued, Position: position + 1, QueuedAt: state.Queue[position].EnqueuedAt);
            if (state.Queue.Count >= _queue.MaxQueued)
            {
                _log.LogWarning("Lock {LockKey} queue full: {InstanceId} turned away ({MaxQueued} runs queued)", lockKey, instanceId, _queue.MaxQueued);
                return new QueueTurn(TurnOutcome.QueueFull, Detail:
                    $"The line for lock key '{lockKey}' is full ({_queue.MaxQueued} queued runs, setting {QueueOptions.Section}:MaxQueued); " +
                    "this run did not join it. Start it again later, or raise the setting.");
            }
            state.Queue.Add(new QueuedRun(instanceId, operation, startedAt, now, expectedDuration.TotalSeconds, lifetime, deadline));
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
            {
                LogDropped(lockKey, dropped);
                _log.LogInformation("Lock {LockKey} queued {InstanceId} at position {Position} behind {CurrentHolder} (generation {Generation}); deadline {Deadline:O}",
                    lockKey, instanceId, state.Queue.Count, state.Holder?.HolderId, state.Holder?.Generation, deadline);
                return new QueueTurn(TurnOutcome.Queued, Position: state.Queue.Count, QueuedAt: now);
            }
            await BackOffAsync(lockKey, lost, cancellationToken);
        }
    }

    /// <summary>
    /// Queue mode, when a waiting run's timer fires (no handover came): the run holds the lock (handed over meanwhile);
    /// takes it over when the holder expired (a dead holder) or the lock is free and the run is first in line; leaves the
    /// line past its <paramref name="deadline"/> (<see cref="TurnOutcome.TimedOut"/>) or when its caller is gone
    /// (<see cref="TurnOutcome.Abandoned"/>, also when a release dropped it); else tells its position. Idempotent.
    /// </summary>
    public async Task<QueueTurn> CheckTurnAsync(
        string lockKey, string instanceId, string operation, TimeSpan expectedDuration, TimeSpan lifetime, DateTimeOffset deadline,
        CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var now = time.GetUtcNow();
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (Settled(lockKey, state, instanceId, now, deadline) is { } settled)
                return settled;
            var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
            if (position < 0)
            {
                return new QueueTurn(TurnOutcome.Abandoned, Detail:
                    $"This run was dropped from the line for lock key '{lockKey}': nobody polled its status for {_queue.CallerGoneAfter.TotalSeconds:0.###} s " +
                    $"(setting {QueueOptions.Section}:CallerGoneAfter), so its caller was presumed gone.");
            }
            var mine = state.Queue[position];
            if (await IneligibleAsync(mine, now, cancellationToken) is { } reason)
            {
                state.Queue.RemoveAt(position);
                if (!await TryWriteAsync(blob, state, etag, cancellationToken))
                {
                    await BackOffAsync(lockKey, lost, cancellationToken);
                    continue;
                }
                LogDropped(lockKey, [(mine, reason)]);
                return now >= mine.Deadline ? TimedOut(lockKey, mine.Deadline) : new QueueTurn(TurnOutcome.Abandoned, QueuedAt: mine.EnqueuedAt, Detail:
                    $"This run left the line for lock key '{lockKey}': {reason} (setting {QueueOptions.Section}:CallerGoneAfter).");
            }
            var dropped = new List<(QueuedRun Run, string Reason)>();
            if (IsFreeOrExpired(state, now) && (await FirstEligibleAsync(state, now, dropped, cancellationToken))?.InstanceId == instanceId)
            {
                if (await TryTakeAsync(blob, lockKey, state, etag, instanceId, operation, expectedDuration, lifetime, now, dropped, cancellationToken) is { } holder)
                    return new QueueTurn(TurnOutcome.Acquired, holder, QueuedAt: mine.EnqueuedAt);
                await BackOffAsync(lockKey, lost, cancellationToken);
                continue;
            }
            return new QueueTurn(TurnOutcome.Queued, Position: state.Queue.FindIndex(run => run.InstanceId == instanceId) + 1, QueuedAt: mine.EnqueuedAt);
        }
    }

    /// <summary>
    /// When something is next expected to change for <paramref name="instanceId"/>: for a queued run its earliest likely turn
    /// (the holder's expected end, then the expected durations of the runs ahead of it, without their measured overrun: a
    /// poller told too early asks again, one told too late learns of its end late, and one slow start-up overrun made whole
    /// lines come back seconds after their end); for the holder its operation's expected end plus the measured overrun;
    /// null when the run neither holds the lock nor waits for it. For the status endpoint's Retry-After.
    /// </summary>
    public async Task<ExpectedTurn?> ExpectedTurnAsync(string lockKey, string instanceId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        var (state, _) = await ReadAsync(blob, cancellationToken);
        var overshoot = Math.Max(0, state.AverageOvershootSeconds ?? 0);
        if (state.Holder?.HolderId == instanceId)
            return new ExpectedTurn(state.Holder.ExpectedEndAt + TimeSpan.FromSeconds(overshoot), InLine: false);
        var position = state.Queue.FindIndex(run => run.InstanceId == instanceId);
        if (position < 0)
            return null;
        var now = time.GetUtcNow();
        var turn = state.Holder is { } holder && holder.ExpiresAt > now && holder.ExpectedEndAt > now ? holder.ExpectedEndAt : now;
        return new ExpectedTurn(turn + TimeSpan.FromSeconds(state.Queue.Take(position).Sum(run => run.ExpectedSeconds)), InLine: true);
    }

    /// <summary>The queue-mode runs waiting for the lock, first in line first.</summary>
    public async Task<IReadOnlyList<QueuedRun>> QueueAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Queue;
    }

    /// <summary>
    /// The answer when the run's place in line is already decided: it holds the lock, it already ran (a join or check
    /// delivered again after the run released: nothing may change), or it is out of line past its deadline.
    /// </summary>
    private static QueueTurn? Settled(string lockKey, LockState state, string instanceId, DateTimeOffset now, DateTimeOffset deadline)
    {
        if (state.Holder is { } holder && holder.HolderId == instanceId)
            return new QueueTurn(TurnOutcome.Acquired, holder);
        if (state.RecentReleases.Exists(r => r.HolderId == instanceId))
            return new QueueTurn(TurnOutcome.Abandoned, Detail: "This run already held and released the lock; a repeated join or check changes nothing.");
        if (now >= deadline && !state.Queue.Exists(run => run.InstanceId == instanceId))
            return TimedOut(lockKey, deadline);
        return null;
    }

    private static QueueTurn TimedOut(string lockKey, DateTimeOffset deadline) => new(TurnOutcome.TimedOut, Detail:
        $"This run did not get the lock for key '{lockKey}' before its queueTimeout ran out at {deadline:O} and left the line; " +
        "start it again, or give a longer queueTimeout.");

    private static bool IsFreeOrExpired(LockState state, DateTimeOffset now) => state.Holder is not { } holder || holder.ExpiresAt <= now;

    /// <summary>Makes <paramref name="instanceId"/> the holder (out of the line, next generation); null when another writer won.</summary>
    private async Task<LockHolder?> TryTakeAsync(
        BlobClient blob, string lockKey, LockState state, ETag? etag, string instanceId, string operation, TimeSpan expectedDuration,
        TimeSpan lifetime, DateTimeOffset now, List<(QueuedRun Run, string Reason)> dropped, CancellationToken cancellationToken)
    {
        var previous = state.Holder;
        state.Queue.RemoveAll(run => run.InstanceId == instanceId);
        state.Generation++;
        var holder = new LockHolder(instanceId, operation, now, now + lifetime, now + expectedDuration, state.Generation);
        state.Holder = holder;
        if (!await TryWriteAsync(blob, state, etag, cancellationToken))
            return null;
        LogDropped(lockKey, dropped);
        if (previous is not null)
        {
            _log.LogWarning(
                "Lock {LockKey} taken over by queued run {HolderId} (generation {Generation}) from {PreviousHolder} (generation {PreviousGeneration}), which expired at {ExpiredAt:O} without releasing it",
                lockKey, instanceId, holder.Generation, previous.HolderId, previous.Generation, previous.ExpiresAt);
        }
        else
        {
            _log.LogInformation("Lock {LockKey} acquired by queued run {HolderId} (generation {Generation}) until {ExpiresAt:O}",
                lockKey, instanceId, holder.Generation, holder.ExpiresAt);
        }
        return holder;
    }

    /// <summary>
    /// Drops from the head of the line the runs that can no longer be given the lock (past their deadline, caller gone) and
    /// returns the first that can, or null. Reads one poll record per run looked at: only the head, and only when the
    /// lock is to be given.
    /// </summary>
    private async Task<QueuedRun?> FirstEligibleAsync(
        LockState state, DateTimeOffset now, List<(QueuedRun Run, string Reason)> dropped, CancellationToken cancellationToken)
    {
        while (state.Queue.Count > 0)
        {
            var first = state.Queue[0];
            if (await IneligibleAsync(first, now, cancellationToken) is not { } reason)
                return first;
            state.Queue.RemoveAt(0);
            dropped.Add((first, reason));
        }
        return null;
    }

    /// <summary>Why <paramref name="run"/> can no longer be given the lock, or null when it can.</summary>
    private async Task<string?> IneligibleAsync(QueuedRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now >= run.Deadline)
            return $"its queueTimeout ran out at {run.Deadline:O}";
        var polled = await _polls.LastAsync(run.InstanceId, cancellationToken);
        var lastSeen = polled is { } at && at > run.StartedAt ? at : run.StartedAt;
        if (now - lastSeen > _queue.CallerGoneAfter)
            return $"nobody polled its status since {lastSeen:O}, more than {_queue.CallerGoneAfter.TotalSeconds:0.###} s";
        return null;
    }

    private void LogDropped(string lockKey, List<(QueuedRun Run, string Reason)> dropped)
    {
        foreach (var (run, reason) in dropped)
            _log.LogWarning("Lock {LockKey} dropped queued run {InstanceId} from the line: {Reason}", lockKey, run.InstanceId, reason);
    }

    /// <summary>The callers waiting for the lock, first in line first.</summary>
    public async Task<IReadOnlyList<LockWaiter>> WaitersAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Waiters;
    }

    /// <summary>The current holder, or null when the lock is free. Expired holders are reported as they are.</summary>
    public async Task<LockHolder?> PeekAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Holder;
    }

    /// <summary>
    /// After losing a conditional write to another writer: a short random pause, doubling with each loss, so that
    /// many callers asking at once (every waiter writes its place in line) take turns instead of all re-reading and
    /// failing again. Real time on purpose: it spaces storage requests, it is not part of the lock's timing.
    /// </summary>
    private static Task BackOffAsync(string lockKey, int lost, CancellationToken cancellationToken)
    {
        if (lost >= MaxLostWrites)
        {
            throw new LockUnavailableException(
                $"Gave up on the lock for key '{lockKey}' after losing {lost} conditional writes in a row to other writers; " +
                "retry later (if it persists, something rewrites the lock blob continuously).");
        }
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4 << Math.Min(lost, 5))), cancellationToken);
    }

    private async Task<BlobClient> BlobForAsync(string lockKey, CancellationToken cancellationToken)
    {
        LockKey.Validate(lockKey);
        if (Volatile.Read(ref _containerReady) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _containerReady, 1);
        }
        return container.GetBlobClient(LockKey.BlobName(lockKey));
    }

    /// <summary>The lock's state and ETag; an empty state and no ETag when the blob does not exist yet.</summary>
    private static async Task<(LockState State, ETag? ETag)> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            var state = content.Value.Content.ToObjectFromJson<LockState>(Json)
                ?? throw new InvalidDataException($"Lock blob '{blob.Name}' is empty.");
            return (state, content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound && e.ErrorCode != BlobErrorCode.ContainerNotFound)
        {
            return (new LockState(), null);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw ContainerGone(blob, e);
        }
    }

    /// <summary>False when another writer won (the ETag moved, or the blob was created meanwhile): read again and decide again.</summary>
    private static async Task<bool> TryWriteAsync(BlobClient blob, LockState state, ETag? expected, CancellationToken cancellationToken)
    {
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(state, Json), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Not a lost race: re-reading would find the same missing container forever.
            throw ContainerGone(blob, e);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict or (int)HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// The container is not re-created on the fly: the locks it held (and their generations) are gone, so a holder
    /// could still be running; an operator must look before locks are handed out again.
    /// </summary>
    private static LockUnavailableException ContainerGone(BlobClient blob, Exception inner) => new(
        $"The lock container '{blob.BlobContainerName}' does not exist (was it deleted?), so lock '{blob.Name}' cannot be read or written. " +
        "Make sure no operation still runs, then restart the app (it creates the container) or create the container.", inner);
}
