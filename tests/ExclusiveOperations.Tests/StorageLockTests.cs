using ExclusiveOperations.Locking;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class StorageLockTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private StorageLock NewLock(TimeProvider time) =>
        new(azurite.NewContainer("lock"), new LockOptions { TimeToLive = Ttl, MaxRetryAfter = TimeSpan.FromMinutes(5) }, time);

    [Fact]
    public async Task Fifty_parallel_acquisitions_of_one_key_have_exactly_one_winner()
    {
        var locks = NewLock(TimeProvider.System);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => locks.TryAcquireAsync("shared-key", $"holder-{i}", "wait", TimeSpan.FromSeconds(10)))));

        var winners = attempts.Where(a => a.Acquired).ToList();
        Assert.Single(winners);
        var winner = winners[0].Holder!.HolderId;
        // Every loser was told who holds it, and how long to wait.
        Assert.All(attempts.Where(a => !a.Acquired), a =>
        {
            Assert.Equal(winner, a.Holder!.HolderId);
            Assert.InRange(a.RetryAfterSeconds!.Value, 1, 11);
        });
        Assert.Equal(winner, (await locks.PeekAsync("shared-key"))!.HolderId);
    }

    [Fact]
    public async Task Successive_holders_recorded_intervals_never_intersect()
    {
        // Twelve workers hand one key over as fast as they can; the interval each reports
        // [HeldSince, release At] must not intersect any other (the report's overlap check relies on it).
        var locks = NewLock(TimeProvider.System);
        var intervals = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            while (true)
            {
                var attempt = await locks.TryAcquireAsync("handover", $"worker-{i}", "wait", TimeSpan.Zero);
                if (attempt.Acquired)
                {
                    var release = await locks.ReleaseAsync("handover", $"worker-{i}");
                    Assert.Equal(ReleaseOutcome.Released, release.Outcome);
                    return (From: attempt.HeldSince!.Value, To: release.At);
                }
                await Task.Delay(1);
            }
        })));

        var ordered = intervals.OrderBy(x => x.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i].From >= ordered[i - 1].To, $"[{ordered[i - 1].From:O}, {ordered[i - 1].To:O}] intersects [{ordered[i].From:O}, {ordered[i].To:O}]");
    }

    [Fact]
    public async Task Fifty_parallel_acquisitions_on_different_keys_all_win()
    {
        var locks = NewLock(TimeProvider.System);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => locks.TryAcquireAsync($"key-{i}", $"holder-{i}", "wait", TimeSpan.FromSeconds(1)))));
        Assert.All(attempts, a => Assert.True(a.Acquired));
    }

    [Fact]
    public async Task An_expired_lock_is_reclaimed_by_the_next_caller()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        Assert.True((await locks.TryAcquireAsync("k", "dead-holder", "wait", TimeSpan.FromSeconds(5))).Acquired);

        time.Advance(Ttl - TimeSpan.FromSeconds(1));
        var early = await locks.TryAcquireAsync("k", "next", "wait", TimeSpan.FromSeconds(5));
        Assert.False(early.Acquired);
        Assert.Equal("dead-holder", early.Holder!.HolderId);

        time.Advance(TimeSpan.FromSeconds(1));
        var late = await locks.TryAcquireAsync("k", "next", "wait", TimeSpan.FromSeconds(5));
        Assert.True(late.Acquired);
        Assert.Equal(time.GetUtcNow(), late.Holder!.AcquiredAt);
        Assert.Equal(time.GetUtcNow() + Ttl, late.Holder.ExpiresAt);
    }

    [Fact]
    public async Task Renewal_keeps_a_live_holder_past_its_first_ttl()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var live = await locks.TryAcquireAsync("k", "live", "wait", TimeSpan.FromMinutes(5));
        time.Advance(Ttl / 2);
        await locks.FenceAsync(new LockFence("k", "live", live.Holder!.Generation, Ttl, Ttl / 4));
        time.Advance(Ttl / 2 + TimeSpan.FromSeconds(1)); // past the first expiry, within the renewed one

        var other = await locks.TryAcquireAsync("k", "other", "wait", TimeSpan.FromSeconds(1));
        Assert.False(other.Acquired);
        await Assert.ThrowsAsync<LockLostException>(() => locks.FenceAsync(new LockFence("k", "other", live.Holder.Generation, Ttl, Ttl / 4)));
    }

    [Fact]
    public async Task Release_by_a_non_holder_is_refused_and_changes_nothing()
    {
        var locks = NewLock(TimeProvider.System);
        await locks.TryAcquireAsync("k", "owner", "wait", TimeSpan.FromSeconds(5));

        var refused = await locks.ReleaseAsync("k", "intruder");
        Assert.Equal(ReleaseOutcome.HeldByAnother, refused.Outcome);
        Assert.Equal("owner", refused.CurrentHolder!.HolderId);
        Assert.Equal("owner", (await locks.PeekAsync("k"))!.HolderId);

        var released = await locks.ReleaseAsync("k", "owner");
        Assert.Equal(ReleaseOutcome.Released, released.Outcome);
        Assert.Null(await locks.PeekAsync("k"));
        // Repeated by the owner (a retried activity): the same answer; by anyone else: not held.
        Assert.Equal(released, await locks.ReleaseAsync("k", "owner"));
        Assert.Equal(ReleaseOutcome.NotHeld, (await locks.ReleaseAsync("k", "intruder")).Outcome);
    }

    [Fact]
    public async Task A_retried_acquire_by_the_holder_succeeds_and_keeps_the_original_start()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var first = await locks.TryAcquireAsync("k", "me", "wait", TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(3));
        var again = await locks.TryAcquireAsync("k", "me", "wait", TimeSpan.FromSeconds(10));
        Assert.True(again.Acquired);
        Assert.Equal(first.Holder!.AcquiredAt, again.Holder!.AcquiredAt);
    }

    [Fact]
    public async Task Retry_hint_counts_down_to_the_holders_expected_end_and_is_capped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = new StorageLock(azurite.NewContainer("lock"),
            new LockOptions { TimeToLive = TimeSpan.FromHours(2), MaxRetryAfter = TimeSpan.FromSeconds(120) }, time);
        await locks.TryAcquireAsync("short", "a", "wait", TimeSpan.FromSeconds(40));
        await locks.TryAcquireAsync("long", "a", "wait", TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromSeconds(15));

        Assert.Equal(25, (await locks.TryAcquireAsync("short", "b", "wait", TimeSpan.Zero)).RetryAfterSeconds);
        Assert.Equal(120, (await locks.TryAcquireAsync("long", "b", "wait", TimeSpan.Zero)).RetryAfterSeconds);
        time.Advance(TimeSpan.FromSeconds(60)); // holder overran its estimate but is still alive
        Assert.Equal(1, (await locks.TryAcquireAsync("short", "b", "wait", TimeSpan.Zero)).RetryAfterSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    public async Task Invalid_keys_are_rejected_before_touching_storage(string key)
    {
        var locks = NewLock(TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentException>(() => locks.TryAcquireAsync(key, "h", "wait", TimeSpan.Zero));
    }

    [Fact]
    public async Task Keys_with_slashes_and_unicode_map_to_distinct_locks()
    {
        var locks = NewLock(TimeProvider.System);
        Assert.True((await locks.TryAcquireAsync("a/b", "h1", "wait", TimeSpan.Zero)).Acquired);
        Assert.True((await locks.TryAcquireAsync("a%2Fb", "h2", "wait", TimeSpan.Zero)).Acquired);
        Assert.True((await locks.TryAcquireAsync("ключ ✓", "h3", "wait", TimeSpan.Zero)).Acquired);
        Assert.Equal("h1", (await locks.PeekAsync("a/b"))!.HolderId);
    }

    [Fact]
    public async Task Waiting_callers_are_told_their_turn_in_the_order_they_first_asked()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var turn = TimeSpan.FromSeconds(10);
        Assert.True((await locks.TryAcquireAsync("q", "op-a", "wait", turn, callerId: "run-a")).Acquired);

        var b = await locks.TryAcquireAsync("q", "op-b1", "wait", turn, callerId: "run-b");
        var c = await locks.TryAcquireAsync("q", "op-c1", "wait", turn, callerId: "run-c");
        var d = await locks.TryAcquireAsync("q", "op-d1", "wait", turn, callerId: "run-d");

        // The first waiter comes back when the holder expects to end (+ margin 0.25 s), each next one after the one before
        // can have come back (up to the 1 s granularity late) and held the lock for its expected 10 s (+ margin).
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
        Assert.Equal([10.25, 21.5, 32.75], new[] { b, c, d }.Select(x => (x.RetryAt!.Value - start).TotalSeconds));
        Assert.Equal([11, 22, 33], new[] { b, c, d }.Select(x => x.RetryAfterSeconds!.Value));
        Assert.Equal(["run-b", "run-c", "run-d"], (await locks.WaitersAsync("q")).Select(w => w.CallerId));
        // Asking again does not lose the place in line.
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(18, (await locks.TryAcquireAsync("q", "op-c2", "wait", turn, callerId: "run-c")).RetryAfterSeconds);
    }

    [Fact]
    public async Task A_freed_lock_goes_to_the_first_waiter_not_to_whoever_asks_first()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var turn = TimeSpan.FromSeconds(10);
        await locks.TryAcquireAsync("q", "op-a", "wait", turn, callerId: "run-a");
        await locks.TryAcquireAsync("q", "op-b1", "wait", turn, callerId: "run-b");
        await locks.TryAcquireAsync("q", "op-c1", "wait", turn, callerId: "run-c");
        time.Advance(turn);
        await locks.ReleaseAsync("q", "op-a");

        var early = await locks.TryAcquireAsync("q", "op-c2", "wait", turn, callerId: "run-c");
        Assert.False(early.Acquired);
        Assert.Null(early.Holder); // free, but it is run-b's turn
        var head = await locks.TryAcquireAsync("q", "op-b2", "wait", turn, callerId: "run-b");
        Assert.True(head.Acquired);
        Assert.Equal(["run-c"], (await locks.WaitersAsync("q")).Select(w => w.CallerId));
        // run-c is first in line now: its hint is the new holder's remaining time (+ margin), rounded up.
        Assert.Equal(11, (await locks.TryAcquireAsync("q", "op-c3", "wait", TimeSpan.FromSeconds(1), callerId: "run-c")).RetryAfterSeconds);
    }

    [Fact]
    public async Task A_waiter_that_does_not_come_back_loses_its_place_after_the_grace_period()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var turn = TimeSpan.FromSeconds(5);
        await locks.TryAcquireAsync("q", "op-a", "wait", turn, callerId: "run-a");
        await locks.TryAcquireAsync("q", "op-gone", "wait", turn, callerId: "run-gone"); // told: come back in 5 s
        await locks.ReleaseAsync("q", "op-a");

        Assert.False((await locks.TryAcquireAsync("q", "op-x1", "wait", turn, callerId: "run-x")).Acquired);
        // Told to come back at 5.25 s, expected by 6.25 s at the latest (1 s granularity), then the grace period.
        time.Advance(TimeSpan.FromSeconds(6.25) + new LockOptions().WaiterGrace + TimeSpan.FromSeconds(1));
        Assert.True((await locks.TryAcquireAsync("q", "op-x2", "wait", turn, callerId: "run-x")).Acquired);
    }

    [Fact]
    public async Task An_overdue_first_waiter_does_not_leave_a_freed_lock_idle_and_keeps_its_place()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var locks = NewLock(time);
        var turn = TimeSpan.FromSeconds(5);
        await locks.TryAcquireAsync("q", "op-a", "wait", turn, callerId: "run-a");
        await locks.TryAcquireAsync("q", "op-late", "wait", turn, callerId: "run-late"); // due in 5 s
        time.Advance(turn);
        await locks.ReleaseAsync("q", "op-a");

        // The first waiter was due by 6.25 s at the latest; past that and the reservation it is overdue.
        time.Advance(TimeSpan.FromSeconds(1.25) + new LockOptions().TurnReservation + TimeSpan.FromSeconds(1));
        Assert.True((await locks.TryAcquireAsync("q", "op-next", "wait", turn, callerId: "run-next")).Acquired);
        Assert.Equal(["run-late"], (await locks.WaitersAsync("q")).Select(w => w.CallerId));
    }
}
