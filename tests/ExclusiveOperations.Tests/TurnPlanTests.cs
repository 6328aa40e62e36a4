using ExclusiveOperations.Locking;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>How the lock plans waiting callers' turns: measured overshoot and return delay, kept turns, and a
/// simulated crowd of callers that follow their hints (virtual time, real lock blob on Azurite).</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class TurnPlanTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private StorageLock NewLock(TimeProvider time) =>
        new(azurite.NewContainer("turns"), new LockOptions { TimeToLive = TimeSpan.FromMinutes(5) }, time);

    private static double Since(DateTimeOffset? at) => Math.Round((at!.Value - Start).TotalSeconds, 3);

    [Fact]
    public async Task Holders_that_overrun_their_estimate_make_later_turns_longer()
    {
        var time = new FakeTimeProvider(Start);
        var locks = NewLock(time);
        await locks.TryAcquireAsync("k", "op-a", "wait", OneSecond, callerId: "run-a");
        time.Advance(TimeSpan.FromSeconds(1.5)); // expected 1 s, held 1.5 s
        await locks.ReleaseAsync("k", "op-a");
        await locks.TryAcquireAsync("k", "op-b", "wait", OneSecond, callerId: "run-b"); // t = 1.5

        var c = await locks.TryAcquireAsync("k", "op-c1", "wait", OneSecond, callerId: "run-c");
        var d = await locks.TryAcquireAsync("k", "op-d1", "wait", OneSecond, callerId: "run-d");

        // b is expected to end at 1.5 + 1 + 0.5 overshoot; each next turn is 1 s granularity + 1 s + 0.5 s + 0.25 s margin.
        Assert.Equal(3.25, Since(c.RetryAt));
        Assert.Equal(6.0, Since(d.RetryAt));
    }

    [Fact]
    public async Task The_first_waiter_is_told_earlier_by_the_measured_return_delay()
    {
        var time = new FakeTimeProvider(Start);
        var locks = NewLock(time);
        await locks.TryAcquireAsync("k", "op-a", "wait", TimeSpan.FromSeconds(10), callerId: "run-a");
        var b = await locks.TryAcquireAsync("k", "op-b1", "wait", OneSecond, callerId: "run-b");
        Assert.Equal(10.25, Since(b.RetryAt));
        time.Advance(TimeSpan.FromSeconds(10));
        await locks.ReleaseAsync("k", "op-a");

        time.Advance(TimeSpan.FromSeconds(3.25)); // b comes back 3 s after its retryAt: its latency, 0.5 s of it rounding
        Assert.True((await locks.TryAcquireAsync("k", "op-b2", "wait", TimeSpan.FromSeconds(10), callerId: "run-b")).Acquired);
        var c = await locks.TryAcquireAsync("k", "op-c1", "wait", OneSecond, callerId: "run-c");

        // b holds until 13.25 + 10; c is seen 2.5 s after its retryAt at the earliest, so it is told 2.5 s earlier.
        Assert.Equal(13.25 + 10 + 0.25 - 2.5, Since(c.RetryAt));
    }

    [Fact]
    public async Task A_caller_back_before_its_retry_time_does_not_count_as_latency()
    {
        var time = new FakeTimeProvider(Start);
        var locks = NewLock(time);
        await locks.TryAcquireAsync("k", "op-a", "wait", TimeSpan.FromSeconds(10), callerId: "run-a");
        await locks.TryAcquireAsync("k", "op-b1", "wait", OneSecond, callerId: "run-b");
        time.Advance(TimeSpan.FromSeconds(2)); // a fixed retry interval, long before its turn
        var again = await locks.TryAcquireAsync("k", "op-b2", "wait", OneSecond, callerId: "run-b");

        Assert.Equal(10.25, Since(again.RetryAt));
        Assert.Equal(9, again.RetryAfterSeconds);
    }

    [Fact]
    public async Task A_caller_without_a_caller_id_does_not_take_a_turn_kept_for_a_waiter_and_is_told_to_come_after_the_line()
    {
        var time = new FakeTimeProvider(Start);
        var locks = NewLock(time);
        await locks.TryAcquireAsync("k", "op-a", "wait", OneSecond, callerId: "run-a");
        var b = await locks.TryAcquireAsync("k", "op-b1", "wait", OneSecond, callerId: "run-b");
        time.Advance(OneSecond);
        await locks.ReleaseAsync("k", "op-a");

        var anonymous = await locks.TryAcquireAsync("k", "op-x", "wait", OneSecond);
        Assert.False(anonymous.Acquired);
        // After b's latest return (1.25 + 1) and its 1 s hold + margin.
        Assert.Equal(Since(b.RetryAt) + 1 + 1 + 0.25, Since(anonymous.RetryAt));
        Assert.Equal(["run-b"], (await locks.WaitersAsync("k")).Select(w => w.CallerId)); // no place taken
        Assert.True((await locks.TryAcquireAsync("k", "op-b2", "wait", OneSecond, callerId: "run-b")).Acquired);
    }

    [Fact]
    public async Task Twenty_callers_that_follow_their_hints_each_get_the_lock_on_their_first_return_in_the_order_they_asked()
    {
        // One holder and 19 callers asking at the same instant; each caller comes back at its retryAt plus up to a second
        // (a whole-second wait) plus 0.1 s latency, and holds the lock 1 s plus 0.05-0.2 s of overrun.
        var time = new FakeTimeProvider(Start);
        var locks = NewLock(time);
        var random = new Random(20261126);
        var events = new PriorityQueue<(string Caller, bool Release), DateTimeOffset>();
        var order = new List<string>();
        var refusedAfterFirstAsk = 0;
        DateTimeOffset HoldUntil() => time.GetUtcNow() + TimeSpan.FromSeconds(1 + 0.05 + 0.15 * random.NextDouble());
        DateTimeOffset ReturnAt(DateTimeOffset retryAt) => retryAt + TimeSpan.FromSeconds(random.NextDouble() + 0.1);

        Assert.True((await locks.TryAcquireAsync("k", "op-0", "wait", OneSecond, callerId: "run-0")).Acquired);
        order.Add("run-0");
        events.Enqueue(("run-0", true), HoldUntil());
        for (var i = 1; i < 20; i++)
        {
            var refused = await locks.TryAcquireAsync("k", $"op-{i}", "wait", OneSecond, callerId: $"run-{i}");
            Assert.False(refused.Acquired);
            events.Enqueue(($"run-{i}", false), ReturnAt(refused.RetryAt!.Value));
        }

        while (events.TryDequeue(out var next, out var at))
        {
            time.SetUtcNow(at);
            var operation = $"op-{next.Caller[4..]}";
            if (next.Release)
            {
                Assert.Equal(ReleaseOutcome.Released, (await locks.ReleaseAsync("k", operation)).Outcome);
                continue;
            }
            var attempt = await locks.TryAcquireAsync("k", operation, "wait", OneSecond, callerId: next.Caller);
            if (attempt.Acquired)
            {
                order.Add(next.Caller);
                events.Enqueue((next.Caller, true), HoldUntil());
            }
            else
            {
                refusedAfterFirstAsk++;
                events.Enqueue(next, ReturnAt(attempt.RetryAt!.Value));
            }
        }

        Assert.Equal(0, refusedAfterFirstAsk);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"run-{i}"), order);
        // Each turn costs at most the granularity + hold + overrun + margin + latency: 19 x 2.5 s after the first.
        Assert.InRange(Since(time.GetUtcNow()), 19, 1.2 + 19 * 2.5);
    }
}
