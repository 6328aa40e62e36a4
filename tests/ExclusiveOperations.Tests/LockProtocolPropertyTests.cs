using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Tests;

/// <summary>
/// Properties of the lock's transitions over random sequences of requests and clock steps (fixed seeds, so a failure
/// reproduces): at most one holder, generations that only grow, first come first served for the line, and every
/// caller that follows the protocol served within the bounds.
/// </summary>
public sealed class LockProtocolPropertyTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-01T00:00:00Z");
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>Every caller last polled at one instant the test picks per step.</summary>
    private sealed class Polls(DateTimeOffset at) : IPollView
    {
        public bool TryGetLast(string instanceId, out DateTimeOffset? lastPoll)
        {
            lastPoll = at;
            return true;
        }
    }

    [Fact]
    public void Random_requests_never_make_two_holders_never_lower_a_generation_and_serve_the_line_in_order()
    {
        var protocol = new LockProtocol("k", new LockOptions { MaxWaiters = 3 },
            new QueueOptions { MaxQueued = 4, CallerGoneAfter = TimeSpan.FromSeconds(90) });
        var steps = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var state = new LockState();
            var now = Start;
            var joined = new Dictionary<string, DateTimeOffset>(); // queued run -> its deadline
            for (var i = 0; i < 300; i++, steps++)
            {
                now = now.AddMilliseconds(random.Next(4) == 0 ? random.Next(70_000) : random.Next(2_000));
                var polls = new Polls(now.AddMilliseconds(-random.Next(120_000)));
                var actor = random.Next(4) == 0 ? "q" + random.Next(6) : "c" + random.Next(4);
                var op = random.Next(5);
                var before = state;
                LockState? write;
                string what;
                if (actor[0] == 'q' && op < 3)
                {
                    var deadline = joined.TryGetValue(actor, out var d) ? d : now.AddMilliseconds(random.Next(10_000, 300_000));
                    var request = new QueueRequest(actor, "wait", TimeSpan.FromSeconds(1), Lifetime, now, deadline);
                    var step = op == 0 || !joined.ContainsKey(actor) ? protocol.JoinQueue(state, request, now, polls) : protocol.CheckTurn(state, request, now, polls);
                    joined.TryAdd(actor, deadline);
                    (write, what) = (step.Write, "queue");
                }
                else if (op < 3)
                {
                    var caller = random.Next(2) == 0 ? null : "run-" + actor;
                    var step = protocol.Acquire(state, new AcquireRequest(actor, "wait", TimeSpan.FromSeconds(random.Next(1, 5)), caller, Lifetime), now, polls);
                    Assert.Equal(step.Answer.Acquired, step.Answer.Holder?.HolderId == actor);
                    (write, what) = (step.Write, "acquire");
                }
                else if (op == 3)
                {
                    var holder = random.Next(3) > 0 && state.Holder is { } h ? h.HolderId : actor;
                    (write, what) = (protocol.Release(state, holder, now, polls).Write, "release " + holder);
                }
                else
                {
                    var fence = new LockFence("k", actor, state.Holder?.Generation ?? 0, Lifetime, TimeSpan.FromSeconds(5));
                    (write, what) = (protocol.Fence(state, fence, now).Write, "fence");
                }
                state = write ?? state;
                Check(before, state, now, what, $"seed {seed}, step {i}");
            }
        }
        Assert.Equal(200 * 300, steps);
    }

    private static void Check(LockState before, LockState after, DateTimeOffset now, string what, string where)
    {
        Assert.True(after.Generation >= before.Generation, $"{where}: generation went down");
        var (old, current) = (before.Holder, after.Holder);
        var changed = current is not null && (old?.HolderId != current.HolderId || old.Generation != current.Generation);
        if (changed)
        {
            Assert.True(after.Generation > before.Generation, $"{where}: a new holder without a new generation");
            Assert.Equal(after.Generation, current!.Generation);
            // A live holder loses the lock only by its own release (which may hand it over in the same write).
            Assert.True(old is null || old.ExpiresAt <= now || what == "release " + old.HolderId, $"{where}: {what} took a live lock from {old?.HolderId}");
        }
        // The line stays in the order runs joined it, and a run taken from it had nobody who joined earlier still waiting.
        Assert.True(after.Queue.Zip(after.Queue.Skip(1)).All(p => p.First.EnqueuedAt <= p.Second.EnqueuedAt), $"{where}: line out of order");
        if (changed && before.Queue.Find(run => run.InstanceId == current!.HolderId) is { } taken)
            Assert.DoesNotContain(after.Queue, run => run.EnqueuedAt < taken.EnqueuedAt);
        Assert.True(after.Queue.Count <= 4 && after.Waiters.Count <= 3, $"{where}: a bound was exceeded");
    }

    [Fact]
    public void A_line_of_runs_that_keep_polling_is_served_in_join_order_back_to_back()
    {
        var protocol = new LockProtocol("k", new LockOptions(), new QueueOptions());
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var runs = random.Next(2, 100);
            var now = Start;
            var state = new LockState();
            for (var i = 0; i < runs; i++)
            {
                var join = protocol.JoinQueue(state, new QueueRequest("r" + i, "wait", TimeSpan.FromSeconds(1), Lifetime, now, now.AddHours(1)),
                    now.AddMilliseconds(i), new Polls(now));
                state = join.Write ?? state;
            }
            var served = new List<string> { state.Holder!.HolderId };
            var held = 0.0;
            while (state.Holder is { } holder)
            {
                var hold = random.Next(100, 5_000);
                held += hold;
                now = now.AddMilliseconds(hold);
                var release = protocol.Release(state, holder.HolderId, now, new Polls(now));
                state = release.Write!;
                if (release.Answer.HandedTo is { } next)
                {
                    Assert.Equal(now, next.AcquiredAt); // no idle lock between two holders
                    served.Add(next.HolderId);
                }
            }
            Assert.Equal(Enumerable.Range(0, runs).Select(i => "r" + i), served);
            Assert.Equal(held, (now - Start).TotalMilliseconds);
        }
    }

    [Fact]
    public void Callers_that_follow_their_hints_are_all_served_in_the_order_they_first_asked_within_the_planned_bound()
    {
        var options = new LockOptions();
        var protocol = new LockProtocol("k", options, new QueueOptions());
        var polls = new Polls(Start);
        for (var seed = 0; seed < 50; seed++)
        {
            var random = new Random(seed);
            var callers = random.Next(2, 30);
            // (when, caller, true = release): a hand-rolled event loop on virtual time.
            var events = new PriorityQueue<(string Caller, bool Release), DateTimeOffset>();
            var expected = new Dictionary<string, int>();
            for (var i = 0; i < callers; i++)
            {
                expected["c" + i] = random.Next(1, 4);
                events.Enqueue(("c" + i, false), Start.AddMilliseconds(i));
            }
            var state = new LockState();
            var served = new List<string>();
            var asks = 0;
            var bound = TimeSpan.Zero;
            while (events.TryDequeue(out var e, out var now))
            {
                var seconds = TimeSpan.FromSeconds(expected[e.Caller]);
                if (e.Release)
                {
                    state = protocol.Release(state, e.Caller, now, polls).Write ?? state;
                    continue;
                }
                asks++;
                var step = protocol.Acquire(state, new AcquireRequest(e.Caller, "wait", seconds, "run-" + e.Caller, Lifetime), now, polls);
                state = step.Write ?? state;
                if (step.Answer.Acquired)
                {
                    served.Add(e.Caller);
                    // Holders overrun their estimate by up to 0.3 s; callers come back within the Wait's whole second.
                    events.Enqueue((e.Caller, true), now + seconds + TimeSpan.FromMilliseconds(random.Next(300)));
                }
                else
                {
                    events.Enqueue((e.Caller, false), step.Answer.RetryAt!.Value + TimeSpan.FromMilliseconds(random.Next(1_000)));
                }
                bound = now - Start;
            }
            Assert.Equal(Enumerable.Range(0, callers).Select(i => "c" + i), served);
            // Each turn costs at most its operation, its overrun, the return granularity and the margin, plus one early return.
            var perTurn = expected.Values.Sum() + callers * (0.3 + options.RetryGranularity.TotalSeconds + options.TurnMargin.TotalSeconds + 1);
            Assert.True(bound.TotalSeconds <= perTurn, $"seed {seed}: last served after {bound.TotalSeconds} s, bound {perTurn} s");
            Assert.True(asks <= 3 * callers, $"seed {seed}: {asks} asks for {callers} callers");
        }
    }
}
