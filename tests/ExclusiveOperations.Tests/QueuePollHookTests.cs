using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Status;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>Queue mode's part of a status poll: the caller is recorded, and told when to come back.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class QueuePollHookTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    private static OperationRequest Request(string? mode) => new("wait", "k", [], Mode: mode);

    private static OperationOutcome Status(string status) => new() { Status = status, Operation = "wait", LockKey = "k", InstanceId = "x", StartedAt = DateTimeOffset.UnixEpoch };

    /// <summary>A hook over a new lock whose line holds these runs, the first holding the lock, joined now.</summary>
    private async Task<(QueuePollHook Hook, RunPolls Polls)> LineAsync(params (string Run, int Seconds)[] line)
    {
        var container = azurite.NewContainer("hook");
        var polls = new RunPolls(container);
        var locks = new StorageLock(container, new LockOptions { TimeToLive = Ttl }, _time, null, new QueueOptions(), polls);
        var now = _time.GetUtcNow();
        foreach (var (run, seconds) in line)
            await locks.JoinQueueAsync("k", run, "wait", TimeSpan.FromSeconds(seconds), Ttl, now, now + TimeSpan.FromHours(1));
        return (new QueuePollHook(polls, locks), polls);
    }

    [Fact]
    public async Task A_queued_run_is_recorded_and_told_to_come_back_halfway_to_its_turn_and_a_holder_at_its_expected_end()
    {
        var (hook, polls) = await LineAsync(("holder", 10), ("b", 20), ("c", 5));
        var now = _time.GetUtcNow();

        var c = await hook.OnPollAsync(new RunPoll("c", "Running", Request(LockMode.Queue), Status(OperationStatus.Queued), now), CancellationToken.None);
        var holder = await hook.OnPollAsync(new RunPoll("holder", "Running", Request(LockMode.Queue), Status(OperationStatus.Running), now), CancellationToken.None);

        // c's turn: the holder's 10 s, then b's 20 s: 30 s away, so it comes back in 15 s and asks again.
        Assert.Equal(new RunChange(now + TimeSpan.FromSeconds(15), IsEnd: false), c);
        Assert.Equal(new RunChange(now + TimeSpan.FromSeconds(10), IsEnd: true), holder);
        Assert.Equal(now, await polls.LastAsync("c"));
    }

    [Fact]
    public async Task A_run_that_has_just_joined_the_line_is_told_halfway_to_its_turn_before_its_status_says_Queued()
    {
        var (hook, _) = await LineAsync(("holder", 10), ("b", 10), ("c", 10));
        var now = _time.GetUtcNow();

        // The join is written, but the orchestration has not set its custom status yet (it does so after the join returns).
        var c = await hook.OnPollAsync(new RunPoll("c", "Running", Request(LockMode.Queue), null, now), CancellationToken.None);

        // c's turn is 20 s away (the holder's 10 s, then b's 10 s): it is told halfway, as a run whose status says Queued.
        Assert.Equal(new RunChange(now + TimeSpan.FromSeconds(10), IsEnd: false), c);
    }

    [Fact]
    public async Task A_conflict_mode_run_is_left_to_the_status_endpoints_own_rule_and_not_recorded()
    {
        var container = azurite.NewContainer("hook");
        var polls = new RunPolls(container);
        var hook = new QueuePollHook(polls, new StorageLock(container, new LockOptions { TimeToLive = Ttl }, _time, null, new QueueOptions(), polls));

        var answer = await hook.OnPollAsync(new RunPoll("r", "Running", Request(null), null, _time.GetUtcNow()), CancellationToken.None);

        Assert.Null(answer);
        Assert.Null(await polls.LastAsync("r"));
    }
}
