using ExclusiveOperations.Locking;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>Queue mode of the storage lock: the line in the lock blob, handover on release, and who gets skipped.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class StorageLockQueueTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Expected = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan QueueTimeout = TimeSpan.FromHours(1);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    private (StorageLock Locks, RunPolls Polls) NewLock(QueueOptions? queue = null, TimeProvider? time = null)
    {
        var container = azurite.NewContainer("queue");
        var polls = new RunPolls(container);
        return (new StorageLock(container, new LockOptions { TimeToLive = Ttl }, time ?? _time, null, queue ?? new QueueOptions(), polls), polls);
    }

    private Task<QueueTurn> JoinAsync(StorageLock locks, string instanceId, TimeSpan? queueTimeout = null, TimeSpan? expected = null, TimeProvider? time = null)
    {
        var now = (time ?? _time).GetUtcNow();
        return locks.JoinQueueAsync("k", instanceId, "wait", expected ?? Expected, Ttl, now, now + (queueTimeout ?? QueueTimeout));
    }

    private Task<QueueTurn> CheckAsync(StorageLock locks, string instanceId, DateTimeOffset deadline) =>
        locks.CheckTurnAsync("k", instanceId, "wait", Expected, Ttl, deadline);

    [Fact]
    public async Task A_run_takes_a_free_lock_at_once_and_the_next_ones_queue_in_order()
    {
        var (locks, _) = NewLock();

        var first = await JoinAsync(locks, "a");
        var second = await JoinAsync(locks, "b");
        _time.Advance(TimeSpan.FromSeconds(1));
        var third = await JoinAsync(locks, "c");

        Assert.Equal(TurnOutcome.Acquired, first.Outcome);
        Assert.Equal(("a", 1L), (first.Holder!.HolderId, first.Holder.Generation));
        Assert.Null(first.QueuedAt);
        Assert.Equal((TurnOutcome.Queued, 1), (second.Outcome, second.Position));
        Assert.Equal((TurnOutcome.Queued, 2), (third.Outcome, third.Position));
        Assert.True(third.QueuedAt > second.QueuedAt);
        Assert.Equal(["b", "c"], (await locks.QueueAsync("k")).Select(r => r.InstanceId));
    }

    [Fact]
    public async Task A_release_hands_the_lock_to_the_first_in_line_in_the_same_write_with_the_next_generation()
    {
        var (locks, _) = NewLock();
        await JoinAsync(locks, "a");
        await JoinAsync(locks, "b");
        await JoinAsync(locks, "c");
        _time.Advance(TimeSpan.FromSeconds(5));

        var release = await locks.ReleaseAsync("k", "a");

        Assert.Equal(ReleaseOutcome.Released, release.Outcome);
        var next = release.HandedTo!;
        Assert.Equal(("b", 2L), (next.HolderId, next.Generation));
        Assert.Equal(release.At, next.AcquiredAt);
        Assert.Equal(release.At + Ttl, next.ExpiresAt);
        Assert.Equal(release.At + Expected, next.ExpectedEndAt);
        // The lock never was free in between: the stored holder is the handed one, and b left the line.
        Assert.Equal(next, await locks.PeekAsync("k"));
        Assert.Equal(["c"], (await locks.QueueAsync("k")).Select(r => r.InstanceId));
        // b's own view agrees (its check finds itself holding the lock), and the next release goes on in order.
        Assert.Equal(next, (await CheckAsync(locks, "b", _time.GetUtcNow() + QueueTimeout)).Holder);
        Assert.Equal(("c", 3L), ((await locks.ReleaseAsync("k", "b")).HandedTo!.HolderId, (await locks.PeekAsync("k"))!.Generation));
        Assert.Null((await locks.ReleaseAsync("k", "c")).HandedTo);
        Assert.Null(await locks.PeekAsync("k"));
    }

    [Fact]
    public async Task A_release_skips_runs_past_their_deadline_and_runs_whose_caller_stopped_polling()
    {
        var (locks, polls) = NewLock(new QueueOptions { CallerGoneAfter = TimeSpan.FromSeconds(60) });
        await JoinAsync(locks, "holder");
        await JoinAsync(locks, "impatient", queueTimeout: TimeSpan.FromSeconds(10));
        await JoinAsync(locks, "cancelled");
        await JoinAsync(locks, "polled");
        _time.Advance(TimeSpan.FromSeconds(50));
        await polls.RecordAsync("polled", _time.GetUtcNow());
        await polls.RecordAsync("cancelled", _time.GetUtcNow() - TimeSpan.FromSeconds(45)); // its last poll, long before
        _time.Advance(TimeSpan.FromSeconds(20));

        var release = await locks.ReleaseAsync("k", "holder");

        Assert.Equal("polled", release.HandedTo!.HolderId);
        Assert.Empty(await locks.QueueAsync("k"));
        // The skipped runs learn it on their next check: one timed out, the other was abandoned.
        Assert.Equal(TurnOutcome.TimedOut, (await CheckAsync(locks, "impatient", _time.GetUtcNow() - TimeSpan.FromSeconds(60))).Outcome);
        var abandoned = await CheckAsync(locks, "cancelled", _time.GetUtcNow() + QueueTimeout);
        Assert.Equal(TurnOutcome.Abandoned, abandoned.Outcome);
        Assert.Contains("nobody polled", abandoned.Detail);
    }

    [Fact]
    public async Task A_conflict_mode_caller_never_takes_the_lock_from_the_line_and_is_told_to_come_after_it()
    {
        var (locks, _) = NewLock();
        await locks.TryAcquireAsync("k", "holder", "wait", TimeSpan.FromSeconds(10), lifetime: TimeSpan.FromSeconds(30));
        await JoinAsync(locks, "q1");
        await JoinAsync(locks, "q2");

        var whileHeld = await locks.TryAcquireAsync("k", "conflict", "wait", TimeSpan.FromSeconds(1));
        Assert.False(whileHeld.Acquired);
        // After the holder (10 s) and both queued runs (20 s each).
        Assert.True(whileHeld.RetryAt >= _time.GetUtcNow() + TimeSpan.FromSeconds(50), $"retryAt {whileHeld.RetryAt:O}");

        // The holder dies: its lock expires, but the line's first run takes it over, not the conflict-mode caller.
        _time.Advance(TimeSpan.FromSeconds(31));
        var afterExpiry = await locks.TryAcquireAsync("k", "conflict", "wait", TimeSpan.FromSeconds(1), callerId: "pipeline-run");
        Assert.False(afterExpiry.Acquired);
        Assert.True(afterExpiry.RetryAt >= _time.GetUtcNow() + TimeSpan.FromSeconds(40), $"retryAt {afterExpiry.RetryAt:O}");
        Assert.Equal(TurnOutcome.Queued, (await CheckAsync(locks, "q2", _time.GetUtcNow() + QueueTimeout)).Outcome); // not first

        var takeover = await CheckAsync(locks, "q1", _time.GetUtcNow() + QueueTimeout);
        Assert.Equal(TurnOutcome.Acquired, takeover.Outcome);
        Assert.Equal(("q1", 2L), (takeover.Holder!.HolderId, takeover.Holder.Generation));
        await Assert.ThrowsAsync<LockLostException>(() => locks.FenceAsync(new LockFence("k", "holder", 1, Ttl, Ttl / 4)));
        Assert.Equal("q2", (await locks.ReleaseAsync("k", "q1")).HandedTo!.HolderId);
    }

    [Fact]
    public async Task Repeated_joins_checks_and_releases_find_their_own_earlier_effect()
    {
        var (locks, _) = NewLock();
        await JoinAsync(locks, "a");
        var joined = await JoinAsync(locks, "b");
        Assert.Equal(joined, await JoinAsync(locks, "b"));
        Assert.Single(await locks.QueueAsync("k"));

        var release = await locks.ReleaseAsync("k", "a");
        _time.Advance(TimeSpan.FromSeconds(1));
        // The release delivered again hands over nobody new and answers as the first did, so b is still told.
        Assert.Equal(release, await locks.ReleaseAsync("k", "a"));
        var rejoin = await JoinAsync(locks, "b");
        Assert.Equal((TurnOutcome.Acquired, release.HandedTo), (rejoin.Outcome, rejoin.Holder));

        // A join or check delivered again after b ran and released changes nothing: the lock stays free.
        await locks.ReleaseAsync("k", "b");
        Assert.Equal(TurnOutcome.Abandoned, (await JoinAsync(locks, "b")).Outcome);
        Assert.Equal(TurnOutcome.Abandoned, (await CheckAsync(locks, "b", _time.GetUtcNow() + QueueTimeout)).Outcome);
        Assert.Null(await locks.PeekAsync("k"));
        Assert.Empty(await locks.QueueAsync("k"));
    }

    [Fact]
    public async Task A_run_that_waits_past_its_deadline_leaves_the_line_and_a_full_line_turns_runs_away()
    {
        var (locks, _) = NewLock(new QueueOptions { MaxQueued = 2 });
        await JoinAsync(locks, "holder");
        await JoinAsync(locks, "short", queueTimeout: TimeSpan.FromSeconds(30));
        await JoinAsync(locks, "long");

        var full = await JoinAsync(locks, "third");
        Assert.Equal(TurnOutcome.QueueFull, full.Outcome);
        Assert.Contains("MaxQueued", full.Detail);
        Assert.Equal(["short", "long"], (await locks.QueueAsync("k")).Select(r => r.InstanceId));

        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        Assert.Equal((TurnOutcome.Queued, 1), ((await CheckAsync(locks, "short", deadline)).Outcome, (await CheckAsync(locks, "short", deadline)).Position));
        _time.Advance(TimeSpan.FromSeconds(30));
        var timedOut = await CheckAsync(locks, "short", deadline);
        Assert.Equal(TurnOutcome.TimedOut, timedOut.Outcome);
        Assert.Contains("queueTimeout", timedOut.Detail);
        Assert.Equal((TurnOutcome.Queued, 1), ((await CheckAsync(locks, "long", deadline + QueueTimeout)).Outcome, (await CheckAsync(locks, "long", deadline + QueueTimeout)).Position));
        Assert.Equal(TurnOutcome.Queued, (await JoinAsync(locks, "third")).Outcome);
    }

    [Fact]
    public async Task The_expected_turn_adds_the_expected_durations_of_the_runs_ahead_to_the_holders_expected_end()
    {
        var (locks, _) = NewLock();
        await JoinAsync(locks, "holder", expected: TimeSpan.FromSeconds(10));
        await JoinAsync(locks, "b", expected: TimeSpan.FromSeconds(20));
        await JoinAsync(locks, "c", expected: TimeSpan.FromSeconds(5));
        var start = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(new ExpectedTurn(start + TimeSpan.FromSeconds(10), InLine: false), await locks.ExpectedTurnAsync("k", "holder"));
        Assert.Equal(new ExpectedTurn(start + TimeSpan.FromSeconds(10), InLine: true), await locks.ExpectedTurnAsync("k", "b"));
        Assert.Equal(new ExpectedTurn(start + TimeSpan.FromSeconds(30), InLine: true), await locks.ExpectedTurnAsync("k", "c"));
        Assert.Null(await locks.ExpectedTurnAsync("k", "stranger"));
        // A holder past its estimate: the line's turns count from now.
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(new ExpectedTurn(_time.GetUtcNow() + TimeSpan.FromSeconds(20), InLine: true), await locks.ExpectedTurnAsync("k", "c"));
    }

    [Fact]
    public async Task The_measured_overrun_delays_the_holders_expected_end_but_not_the_turns_in_line()
    {
        var (locks, _) = NewLock();
        await JoinAsync(locks, "slow", expected: TimeSpan.FromSeconds(1));
        await JoinAsync(locks, "holder", expected: TimeSpan.FromSeconds(1));
        await JoinAsync(locks, "b", expected: TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(4)); // a start-up overrun of 3 s
        await locks.ReleaseAsync("k", "slow");
        var handedOver = _time.GetUtcNow();

        Assert.Equal(new ExpectedTurn(handedOver + TimeSpan.FromSeconds(1 + 3), InLine: false), await locks.ExpectedTurnAsync("k", "holder"));
        // Told the overrun too, b would come back 3 s after a turn that a quick holder gives it at 1 s.
        Assert.Equal(new ExpectedTurn(handedOver + TimeSpan.FromSeconds(1), InLine: true), await locks.ExpectedTurnAsync("k", "b"));
    }

    [Fact]
    public async Task Poll_records_live_beside_the_lock_blobs_under_names_no_lock_key_can_have()
    {
        var (locks, polls) = NewLock();
        Assert.Null(await polls.LastAsync("run-1"));
        var at = DateTimeOffset.Parse("2026-01-01T10:00:00.1234567Z");
        await polls.RecordAsync("run-1", at);
        await polls.RecordAsync("run-1", at + TimeSpan.FromSeconds(3));
        Assert.Equal(at + TimeSpan.FromSeconds(3), await polls.LastAsync("run-1"));

        // A lock key shaped like a poll record's name is escaped into one flat name: the two never meet.
        Assert.DoesNotContain('/', LockKey.BlobName("polls/run-1"));
        Assert.True((await locks.TryAcquireAsync("polls/run-1", "h", "wait", TimeSpan.Zero)).Acquired);
        Assert.Equal(at + TimeSpan.FromSeconds(3), await polls.LastAsync("run-1"));
    }

    [Fact]
    public async Task Many_runs_joining_at_once_all_get_the_lock_once_in_line_order_while_conflict_callers_never_do()
    {
        // Real time and real concurrency: 16 runs join at once, then each release hands over to the next while
        // conflict-mode callers keep asking; no caller outside the line ever gets the lock while runs wait.
        var (locks, _) = NewLock(time: TimeProvider.System);
        var joins = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => JoinAsync(locks, $"run-{i}", time: TimeProvider.System))));
        Assert.Single(joins, j => j.Outcome == TurnOutcome.Acquired);
        var line = (await locks.QueueAsync("k")).ToList();
        Assert.Equal(15, line.Count);
        Assert.Equal(line.OrderBy(r => r.EnqueuedAt).Select(r => r.InstanceId), line.Select(r => r.InstanceId));

        using var stop = new CancellationTokenSource();
        var intruders = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if ((await locks.TryAcquireAsync("k", $"intruder-{i}", "wait", TimeSpan.Zero)).HeldSince is { } heldSince)
                    return heldSince;
            }
            return (DateTimeOffset?)null;
        })).ToList();

        var holder = joins.Single(j => j.Outcome == TurnOutcome.Acquired).Holder!;
        var order = new List<string>();
        LockRelease release;
        while (true)
        {
            release = await locks.ReleaseAsync("k", holder.HolderId);
            Assert.Equal(ReleaseOutcome.Released, release.Outcome);
            if (release.HandedTo is not { } next)
                break;
            Assert.Equal(holder.Generation + 1, next.Generation);
            order.Add(next.HolderId);
            holder = next;
        }
        await stop.CancelAsync();

        Assert.Equal(line.Select(r => r.InstanceId), order);
        // Intruders got the lock only after the line was done (at most one of them: the rest found it held).
        var taken = (await Task.WhenAll(intruders)).OfType<DateTimeOffset>().ToList();
        Assert.All(taken, at => Assert.True(at >= release.At, $"an intruder held the lock from {at:O}, before the last queued run released it at {release.At:O}"));
        Assert.True(taken.Count <= 1, $"{taken.Count} intruders acquired the lock");
    }
}
