using Azure.Storage.Blobs;
using ExclusiveOperations.Locking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>The fencing token (generation), the fence check, the keeper of long activities, and the lock's bounds.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class LockFenceTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(20);

    private static LockFence FenceOf(LockAttempt attempt, string key) =>
        new(key, attempt.Holder!.HolderId, attempt.Holder.Generation, Lifetime, Lifetime / 4);

    private static StorageLock NewLock(BlobContainerClient container, TimeProvider time, int maxWaiters = 100) =>
        new(container, new LockOptions { TimeToLive = Lifetime, MaxWaiters = maxWaiters }, time);

    [Fact]
    public async Task Every_new_holder_gets_the_next_generation_and_a_retried_acquire_keeps_its_own()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = NewLock(azurite.NewContainer("fence"), time);

        var first = await locks.TryAcquireAsync("k", "a", "wait", TimeSpan.FromSeconds(5));
        var again = await locks.TryAcquireAsync("k", "a", "wait", TimeSpan.FromSeconds(5));
        await locks.ReleaseAsync("k", "a");
        var second = await locks.TryAcquireAsync("k", "b", "wait", TimeSpan.FromSeconds(5));
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var takeover = await locks.TryAcquireAsync("k", "c", "wait", TimeSpan.FromSeconds(5));

        Assert.Equal(1, first.Holder!.Generation);
        Assert.Equal(1, again.Holder!.Generation);
        Assert.Equal(2, second.Holder!.Generation);
        Assert.True(takeover.Acquired);
        Assert.Equal(3, takeover.Holder!.Generation);
    }

    [Fact]
    public async Task The_fence_renews_the_holders_lock_and_refuses_a_holder_whose_lock_was_taken_over()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = NewLock(azurite.NewContainer("fence"), time);
        var old = FenceOf(await locks.TryAcquireAsync("k", "old", "wait", TimeSpan.FromSeconds(5)), "k");

        time.Advance(Lifetime / 2);
        var expiry = await locks.FenceAsync(old);
        Assert.Equal(time.GetUtcNow() + Lifetime, expiry);

        // The old holder pauses past its lifetime; a new one takes the lock over.
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var newer = await locks.TryAcquireAsync("k", "new", "wait", TimeSpan.FromSeconds(5));
        Assert.True(newer.Acquired);

        var refused = await Assert.ThrowsAsync<LockLostException>(() => locks.FenceAsync(old));
        Assert.Contains("generation 1", refused.Message);
        Assert.Contains("'new', generation 2", refused.Message);
        // The refused fence changed nothing: the new holder keeps its lock and its expiry.
        Assert.Equal(newer.Holder, await locks.PeekAsync("k"));
    }

    [Fact]
    public async Task The_keeper_of_a_long_activity_renews_every_period_and_reports_the_lock_lost_once_taken_over()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = NewLock(azurite.NewContainer("keeper"), time);
        var fence = FenceOf(await locks.TryAcquireAsync("k", "long", "compact", TimeSpan.FromMinutes(5)), "k");

        await using var keeper = LockKeeper.Start(locks, fence, time, NullLogger.Instance);
        for (var renewal = 1; renewal <= 6; renewal++)
        {
            // Each period the keeper renews: the lock is then good for a whole lifetime from that instant.
            time.Advance(fence.RenewEvery);
            var expected = time.GetUtcNow() + Lifetime;
            await Eventually.TrueAsync(async () => (await locks.PeekAsync("k"))!.ExpiresAt == expected, $"renewal {renewal}");
        }
        Assert.False(keeper.Lost.IsCancellationRequested);

        // Somebody else gets the lock (as after a takeover); the keeper's next renewal finds out.
        await locks.ReleaseAsync("k", "long");
        await locks.TryAcquireAsync("k", "other", "wait", TimeSpan.FromSeconds(1));
        time.Advance(fence.RenewEvery);
        await Eventually.TrueAsync(() => Task.FromResult(keeper.Lost.IsCancellationRequested), "the keeper to report the lock lost");
        Assert.Equal("other", (await locks.PeekAsync("k"))!.HolderId);
    }

    [Fact]
    public async Task A_repeated_release_answers_the_first_releases_instant_even_after_the_next_holder_took_the_lock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = NewLock(azurite.NewContainer("release"), time);
        await locks.TryAcquireAsync("k", "a", "wait", TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(3));
        var first = await locks.ReleaseAsync("k", "a");

        time.Advance(TimeSpan.FromSeconds(1));
        var repeated = await locks.ReleaseAsync("k", "a");
        await locks.TryAcquireAsync("k", "b", "wait", TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(1));
        var afterNext = await locks.ReleaseAsync("k", "a");
        Assert.Equal("b", (await locks.PeekAsync("k"))!.HolderId);
        // Also when later holders came and went (two hosts on one task hub redeliver activities after a partition moved).
        await locks.ReleaseAsync("k", "b");
        await locks.TryAcquireAsync("k", "c", "wait", TimeSpan.FromSeconds(5));
        await locks.ReleaseAsync("k", "c");
        time.Advance(TimeSpan.FromSeconds(1));
        var afterOthers = await locks.ReleaseAsync("k", "a");

        Assert.Equal(ReleaseOutcome.Released, first.Outcome);
        // A duplicated release activity must not report a later instant (a false overlap) or another holder (a false failure).
        Assert.Equal(first, repeated);
        Assert.Equal(first, afterNext);
        Assert.Equal(first, afterOthers);
    }

    [Fact]
    public async Task A_deleted_lock_container_is_a_clear_error_not_an_endless_retry()
    {
        var container = azurite.NewContainer("gone");
        var locks = NewLock(container, TimeProvider.System);
        await locks.TryAcquireAsync("k", "a", "wait", TimeSpan.FromSeconds(5));
        await container.DeleteAsync();

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<LockUnavailableException>(() => locks.TryAcquireAsync("k", "b", "wait", TimeSpan.FromSeconds(5)));
        Assert.Contains($"lock container '{container.Name}' does not exist", error.Message);
        await Assert.ThrowsAsync<LockUnavailableException>(() => locks.ReleaseAsync("k", "a"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "gave up at once");
    }

    [Fact]
    public async Task A_full_wait_list_answers_no_place_in_line_with_a_hint_after_everyone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = NewLock(azurite.NewContainer("full"), time, maxWaiters: 3);
        await locks.TryAcquireAsync("k", "holder", "wait", TimeSpan.FromSeconds(10));
        var inLine = new List<LockAttempt>();
        for (var i = 0; i < 3; i++)
            inLine.Add(await locks.TryAcquireAsync("k", $"o{i}", "wait", TimeSpan.FromSeconds(10), callerId: $"caller-{i}"));

        var turnedAway = await locks.TryAcquireAsync("k", "o3", "wait", TimeSpan.FromSeconds(10), callerId: "caller-3");

        Assert.All(inLine, a => Assert.Null(a.Detail));
        Assert.False(turnedAway.Acquired);
        Assert.Contains("wait list of lock key 'k' is full (3 callers", turnedAway.Detail);
        Assert.True(turnedAway.RetryAt > inLine[^1].RetryAt, "after everyone in line");
        Assert.Equal(["caller-0", "caller-1", "caller-2"], (await locks.WaitersAsync("k")).Select(w => w.CallerId));
    }
}
