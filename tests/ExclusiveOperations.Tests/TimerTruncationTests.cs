using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExclusiveOperations.Tests;

/// <summary>
/// Durable waits against the Azure Storage backend's timers, which are queue visibility delays in whole seconds,
/// truncated (a timer under a second away fires at once): waits end in one hop past their instant, not in a loop of
/// timers that fire early.
/// </summary>
public sealed class TimerTruncationTests
{
    private static readonly LockTimings Timings = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(20));

    [Fact]
    public async Task A_queued_run_whose_queueTimeout_ends_within_a_second_waits_it_out_in_one_activity_not_a_loop_of_timers()
    {
        var context = new TruncatingTimersContext((name, input, now) => name.Name switch
        {
            FunctionNames.JoinQueue => new QueueTurn(TurnOutcome.Queued, Position: 1, QueuedAt: now),
            FunctionNames.CheckTurn when now < ((QueueActivityInput)input!).Deadline => new QueueTurn(TurnOutcome.Queued, Position: 1),
            FunctionNames.CheckTurn => new QueueTurn(TurnOutcome.TimedOut, Detail: "queueTimeout"),
            _ => true,
        });
        var request = new OperationRequest("wait", "key", new JsonObject { ["seconds"] = 0 }, LockTimings: Timings,
            Mode: LockMode.Queue, QueueTimeout: TimeSpan.FromSeconds(1.7));

        var outcome = await Orchestrator().RunAsync(context, request);

        Assert.Equal(OperationStatus.TimedOut, outcome.Status);
        // The timer for 1.7 s fires after 1 s; the remaining 0.7 s is one activity, then one check finds the deadline passed.
        Assert.Equal([FunctionNames.JoinQueue, "timer", FunctionNames.CheckTurn, FunctionNames.WaitRemainder, FunctionNames.CheckTurn], context.Steps);
        Assert.InRange(context.Now - context.Start, TimeSpan.FromSeconds(1.7), TimeSpan.FromSeconds(1.8));
    }

    [Fact]
    public async Task A_wait_ends_past_its_end_with_one_timer_and_one_activity_for_the_last_second()
    {
        var context = await WaitAsync(2.5);

        Assert.Equal(["timer", FunctionNames.WaitRemainder], context.Steps);
        Assert.InRange(context.Now - context.Start, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(2.6));
    }

    [Fact]
    public async Task A_wait_longer_than_the_renewal_interval_renews_the_lock_between_timers()
    {
        var context = await WaitAsync(45);

        Assert.Equal(["timer", FunctionNames.RenewLock, "timer", FunctionNames.RenewLock, "timer", FunctionNames.WaitRemainder], context.Steps);
        Assert.InRange(context.Now - context.Start, TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(45.2));
    }

    /// <summary>The wait operation of <paramref name="seconds"/> (as written in code: an int or a double) under a fresh lock, on timers that fire truncated.</summary>
    private static async Task<TruncatingTimersContext> WaitAsync(JsonNode seconds)
    {
        var context = new TruncatingTimersContext((_, _, _) => true);
        var fence = new LockFence("key", "instance", 1, Timings.Lifetime, Timings.RenewEvery);
        await new WaitOperation().RunAsync(new OperationContext(context, new OperationRequest("wait", "key", new JsonObject { ["seconds"] = seconds }), fence));
        return context;
    }

    private static ExclusiveOperationOrchestrator Orchestrator() =>
        new(new OperationCatalog([new WaitOperation()]));

    /// <summary>
    /// An orchestration context whose every task completes at once on a clock it advances: a timer by its delay truncated to
    /// whole seconds (as the Azure Storage backend delivers it), an activity by 20 ms (plus the remainder it waits).
    /// </summary>
    private sealed class TruncatingTimersContext(Func<TaskName, object?, DateTimeOffset, object?> activities) : TaskOrchestrationContext
    {
        private static readonly TimeSpan ActivityLatency = TimeSpan.FromMilliseconds(20);

        public DateTime Start { get; } = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
        public DateTime Now { get; private set; } = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
        public List<string> Steps { get; } = [];

        public override TaskName Name => FunctionNames.Orchestrator;
        public override string InstanceId => "instance";
        public override ParentOrchestrationInstance? Parent => null;
        public override DateTime CurrentUtcDateTime => Now;
        public override bool IsReplaying => false;
        public override TaskOrchestrationEntityFeature Entities => throw new NotSupportedException();
        protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

        public override Task<T> CallActivityAsync<T>(TaskName name, object? input = null, TaskOptions? options = null)
        {
            Steps.Add(name.Name);
            var answer = activities(name, input, new DateTimeOffset(Now, TimeSpan.Zero));
            Now += ActivityLatency + (name.Name == FunctionNames.WaitRemainder ? (TimeSpan)input! : TimeSpan.Zero);
            return Task.FromResult((T)answer!);
        }

        public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
        {
            Steps.Add("timer");
            var delay = fireAt - Now;
            Now += delay > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Floor(delay.TotalSeconds)) : TimeSpan.Zero;
            return Task.CompletedTask;
        }

        // No event ever arrives: the run is never handed the lock.
        public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
            new TaskCompletionSource<T>().Task;

        public override void SetCustomStatus(object? customStatus)
        {
        }

        public override T GetInput<T>() => throw new NotSupportedException();
        public override void SendEvent(string instanceId, string eventName, object payload) => throw new NotSupportedException();
        public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
            throw new NotSupportedException();
        public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) => throw new NotSupportedException();
        public override Guid NewGuid() => throw new NotSupportedException();
    }
}
