using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Orchestration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>The release activity tells the run it handed the lock to, or leaves that to the orchestration when it cannot.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class ReleaseHandoverTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    private sealed class RecordingHandover(Func<LockHolder, bool> tell) : ILockHandover
    {
        public List<LockHolder> Told { get; } = [];

        public Task<bool> TellAsync(LockHolder next, CancellationToken cancellationToken)
        {
            Told.Add(next);
            return Task.FromResult(tell(next));
        }
    }

    private async Task<ReleaseLockActivity> HolderWithOneQueuedAsync(ILockHandover handover, bool queued = true)
    {
        var container = azurite.NewContainer("handover");
        var locks = new StorageLock(container, new LockOptions { TimeToLive = Ttl }, _time, null, new QueueOptions(), new RunPolls(container));
        var now = _time.GetUtcNow();
        foreach (var run in queued ? ["holder", "next"] : new[] { "holder" })
            await locks.JoinQueueAsync("k", run, "wait", TimeSpan.FromSeconds(5), Ttl, now, now + TimeSpan.FromHours(1));
        return new ReleaseLockActivity(locks, handover, NullLogger<ReleaseLockActivity>.Instance);
    }

    private static LockActivityInput Holder => new("k", "holder", "wait", TimeSpan.FromSeconds(5), Ttl);

    [Fact]
    public async Task A_release_that_hands_the_lock_over_tells_the_next_holder_and_says_so()
    {
        var handover = new RecordingHandover(_ => true);
        var activity = await HolderWithOneQueuedAsync(handover);

        var release = await activity.ReleaseAsync(Holder, handover);

        Assert.Equal("next", release.HandedTo?.HolderId);
        Assert.True(release.HandoverSent);
        Assert.Equal([release.HandedTo!], handover.Told);
    }

    [Fact]
    public async Task A_host_without_a_client_leaves_the_event_to_the_orchestration()
    {
        var activity = await HolderWithOneQueuedAsync(new OrchestrationSendsHandover());

        var release = await activity.ReleaseAsync(Holder, new OrchestrationSendsHandover());

        Assert.Equal("next", release.HandedTo?.HolderId);
        Assert.False(release.HandoverSent);
    }

    [Fact]
    public async Task A_failed_tell_keeps_the_handover_and_leaves_the_event_to_the_orchestration()
    {
        var handover = new RecordingHandover(_ => throw new InvalidOperationException("the client is down"));
        var activity = await HolderWithOneQueuedAsync(handover);

        var release = await activity.ReleaseAsync(Holder, handover);

        Assert.Equal(ReleaseOutcome.Released, release.Outcome);
        Assert.Equal("next", release.HandedTo?.HolderId);
        Assert.False(release.HandoverSent);
    }

    [Fact]
    public async Task A_release_with_nobody_queued_tells_nobody()
    {
        var handover = new RecordingHandover(_ => true);
        var activity = await HolderWithOneQueuedAsync(handover, queued: false);

        var release = await activity.ReleaseAsync(Holder, handover);

        Assert.Equal(ReleaseOutcome.Released, release.Outcome);
        Assert.Null(release.HandedTo);
        Assert.False(release.HandoverSent);
        Assert.Empty(handover.Told);
    }

    [Fact]
    public async Task A_repeated_release_tells_the_same_next_holder_again()
    {
        var handover = new RecordingHandover(_ => true);
        var activity = await HolderWithOneQueuedAsync(handover);

        var first = await activity.ReleaseAsync(Holder, handover);
        var again = await activity.ReleaseAsync(Holder, handover);

        Assert.Equal(first.HandedTo, again.HandedTo);
        Assert.Equal([first.HandedTo!, first.HandedTo!], handover.Told);
    }
}
