using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Telemetry;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Conflict mode: try the lock; when it is held, finish at once with <c>Conflict</c> (nothing waits).
/// Queue mode: join the lock's line and wait durably (no compute) until a release hands the lock over
/// (a <see cref="FunctionNames.LockGrantedEvent"/>), checking on a timer for a dead holder, the queueTimeout
/// and a gone caller. Then, in both modes, run the operation, release the lock (handing it to the next queued
/// run, which the release activity tells, or else this orchestration) and finish <c>OK</c>. A failing operation releases the lock and fails
/// the orchestration with its error. Deterministic: all I/O happens in activities. Its spans (the orchestration, the wait
/// in line, the handover, the operation, each renewal) are recorded after the fact from its replay-safe clock, and only
/// when it is not replaying, in the trace of its input's <see cref="OperationRequest.TraceParent"/>.
/// </summary>
public sealed class ExclusiveOperationOrchestrator(OperationCatalog catalog)
    : TaskOrchestrator<OperationRequest, OperationOutcome>
{
    public override async Task<OperationOutcome> RunAsync(TaskOrchestrationContext context, OperationRequest request)
    {
        var startedAt = Now(context);
        var operation = catalog.Get(request.Operation);
        var timings = request.LockTimings
            ?? throw new InvalidOperationException("The orchestration's input has no lockTimings; start it through the starter, which sets them.");
        var expectedDuration = operation.EstimateDuration(request.Input);
        var lockInput = new LockActivityInput(request.LockKey, context.InstanceId, request.Operation, expectedDuration,
            timings.Lifetime, request.CallerId, request.TraceParent);
        var outcome = new OperationOutcome
        {
            Status = OperationStatus.Running,
            Operation = request.Operation,
            LockKey = request.LockKey,
            InstanceId = context.InstanceId,
            StartedAt = startedAt,
        };

        LockHolder holder;
        DateTimeOffset heldSince;
        if (request.Mode == LockMode.Queue)
        {
            var turn = await WaitInLineAsync(context, request, outcome, expectedDuration, timings);
            if (turn.Outcome != TurnOutcome.Acquired)
            {
                return Finish(context, request, outcome with
                {
                    Status = turn.Outcome switch
                    {
                        TurnOutcome.TimedOut => OperationStatus.TimedOut,
                        TurnOutcome.QueueFull => OperationStatus.QueueFull,
                        _ => OperationStatus.Abandoned,
                    },
                    Detail = turn.Detail,
                    CompletedAt = Now(context),
                    QueuedAt = turn.QueuedAt,
                    QueuedSeconds = (Now(context) - startedAt).TotalSeconds,
                });
            }
            holder = turn.Holder!;
            // Handed over (or taken) at this instant, in the write that ended the previous holder's interval.
            heldSince = holder.AcquiredAt;
            outcome = outcome with { QueuedAt = turn.QueuedAt, QueuedSeconds = Math.Max(0, (holder.AcquiredAt - startedAt).TotalSeconds) };
        }
        else
        {
            var attempt = await context.CallActivityAsync<LockAttempt>(FunctionNames.TryAcquireLock, lockInput, ActivityRetry.Options);
            if (!attempt.Acquired)
            {
                return Finish(context, request, outcome with
                {
                    Status = OperationStatus.Conflict,
                    Holder = attempt.Holder,
                    RetryAfterSeconds = attempt.RetryAfterSeconds,
                    RetryAt = attempt.RetryAt,
                    Detail = attempt.Detail,
                    CompletedAt = Now(context),
                });
            }
            holder = attempt.Holder!;
            heldSince = attempt.HeldSince ?? holder.AcquiredAt;
        }

        // The lock is visible as custom status while the operation runs, so a status poll shows who holds what.
        outcome = outcome with { Holder = holder, LockAcquiredAt = heldSince };
        context.SetCustomStatus(outcome);
        if (!context.IsReplaying)
            AppTelemetry.LockWait.Record(Math.Max(0, (heldSince - startedAt).TotalSeconds), new KeyValuePair<string, object?>(AppTelemetry.Mode, request.Mode ?? LockMode.Conflict));

        System.Text.Json.Nodes.JsonNode? result;
        var operationStart = Now(context);
        try
        {
            var fence = new LockFence(request.LockKey, context.InstanceId, holder.Generation, timings.Lifetime, timings.RenewEvery);
            result = await operation.RunAsync(new OperationContext(context, request, fence));
            RecordOperation(context, request, holder, operationStart, "ok");
        }
        catch
        {
            RecordOperation(context, request, holder, operationStart, "failed");
            await ReleaseAsync(context, lockInput);
            throw;
        }

        var release = await ReleaseAsync(context, lockInput);
        // Only a release of a lock this run still held proves that nobody else held it meanwhile. A free lock without this
        // run's release record was taken over after it expired (and released again) just like one held by another.
        if (release.Outcome != ReleaseOutcome.Released)
        {
            var taker = release.CurrentHolder is { } current ? $"is now held by '{current.HolderId}'" : "was taken over and released by another run meanwhile";
            throw new InvalidOperationException(
                $"The lock for key '{request.LockKey}' expired while the operation ran and {taker}; the result may overlap with another run.");
        }

        return Finish(context, request, outcome with
        {
            Status = OperationStatus.Ok,
            CompletedAt = Now(context),
            LockReleasedAt = release.At,
            Result = result,
        });
    }

    /// <summary>
    /// Joins the line and waits for the handover event, or on a timer (at the deadline, and at least once per lock lifetime,
    /// so a dead holder is taken over) checks the turn. Returns when the run holds the lock or has left the line.
    /// </summary>
    private static async Task<QueueTurn> WaitInLineAsync(
        TaskOrchestrationContext context, OperationRequest request, OperationOutcome outcome, TimeSpan expectedDuration, LockTimings timings)
    {
        var queueTimeout = request.QueueTimeout
            ?? throw new InvalidOperationException("The queue-mode orchestration's input has no queueTimeout; start it through the starter, which sets it.");
        var deadline = outcome.StartedAt + queueTimeout;
        var input = new QueueActivityInput(request.LockKey, context.InstanceId, request.Operation, expectedDuration, timings.Lifetime, outcome.StartedAt, deadline,
            request.TraceParent);
        var turn = await context.CallActivityAsync<QueueTurn>(FunctionNames.JoinQueue, input, ActivityRetry.Options);
        var joinedAt = turn.Position;

        // One wait for the event for the whole stay in line: a cancelled wait could miss an event that arrives later.
        Task<LockHolder>? granted = null;
        while (turn.Outcome == TurnOutcome.Queued)
        {
            context.SetCustomStatus(outcome with { Status = OperationStatus.Queued, Position = turn.Position, QueuedAt = turn.QueuedAt });
            granted ??= context.WaitForExternalEvent<LockHolder>(FunctionNames.LockGrantedEvent);
            var nextCheck = Now(context) + timings.Lifetime;
            using var cancelTimer = new CancellationTokenSource();
            var timer = DurableDelay.UntilAsync(context, (nextCheck < deadline ? nextCheck : deadline).UtcDateTime, cancelTimer.Token);
            if (await Task.WhenAny(granted, timer) == granted)
            {
                // The releaser already made this run the holder in its release write: no activity on this path.
                // Cancel, not CancelAsync: its callbacks would run on the thread pool, outside the orchestration's replay.
                cancelTimer.Cancel();
                var handedOver = turn with { Outcome = TurnOutcome.Acquired, Holder = await granted };
                RecordWaitInLine(context, request, handedOver, joinedAt, handedOver: true);
                return handedOver;
            }
            turn = await context.CallActivityAsync<QueueTurn>(FunctionNames.CheckTurn, input, ActivityRetry.Options);
        }
        if (joinedAt is not null)
            RecordWaitInLine(context, request, turn, joinedAt, handedOver: false);
        return turn;
    }

    /// <summary>
    /// The wait in line (from joining until the turn, or until it left the line) and, when a release handed the lock over,
    /// the handover: from the release's write (the new holder's <see cref="LockHolder.AcquiredAt"/>) until this run went on.
    /// </summary>
    private static void RecordWaitInLine(TaskOrchestrationContext context, OperationRequest request, QueueTurn turn, int? joinedAt, bool handedOver)
    {
        if (context.IsReplaying)
            return;
        var now = Now(context);
        AppTelemetry.Record("lock queue wait", request.TraceParent, turn.QueuedAt ?? now, now,
            new(AppTelemetry.LockKey, request.LockKey), new(AppTelemetry.InstanceId, context.InstanceId), new(AppTelemetry.Caller, request.CallerId),
            new(AppTelemetry.Position, joinedAt), new(AppTelemetry.Outcome, handedOver ? "handed over" : turn.Outcome.ToString()),
            new(AppTelemetry.Generation, turn.Holder?.Generation));
        if (handedOver && turn.Holder is { } holder)
        {
            AppTelemetry.Record("lock handover", request.TraceParent, holder.AcquiredAt, now,
                new(AppTelemetry.LockKey, request.LockKey), new(AppTelemetry.InstanceId, context.InstanceId), new(AppTelemetry.Generation, holder.Generation));
            AppTelemetry.HandoverLatency.Record(Math.Max(0, (now - holder.AcquiredAt).TotalSeconds));
        }
    }

    private static void RecordOperation(TaskOrchestrationContext context, OperationRequest request, LockHolder holder, DateTimeOffset start, string outcome)
    {
        if (context.IsReplaying)
            return;
        var end = Now(context);
        AppTelemetry.Record($"operation {request.Operation}", request.TraceParent, start, end,
            new(AppTelemetry.Operation, request.Operation), new(AppTelemetry.LockKey, request.LockKey), new(AppTelemetry.InstanceId, context.InstanceId),
            new(AppTelemetry.Generation, holder.Generation), new(AppTelemetry.Outcome, outcome));
        AppTelemetry.OperationDuration.Record((end - start).TotalSeconds, new KeyValuePair<string, object?>(AppTelemetry.Operation, request.Operation));
    }

    /// <summary>
    /// Releases; the queued run the release handed the lock to is told by the activity or, when its host could not, here
    /// (the same answer on a repeated release).
    /// </summary>
    private static async Task<LockRelease> ReleaseAsync(TaskOrchestrationContext context, LockActivityInput lockInput)
    {
        var release = await context.CallActivityAsync<LockRelease>(FunctionNames.ReleaseLock, lockInput, ActivityRetry.Options);
        if (release is { HandedTo: { } next, HandoverSent: false })
            context.SendEvent(next.HolderId, FunctionNames.LockGrantedEvent, next);
        return release;
    }

    private static OperationOutcome Finish(TaskOrchestrationContext context, OperationRequest request, OperationOutcome outcome)
    {
        context.SetCustomStatus(outcome);
        if (!context.IsReplaying)
        {
            AppTelemetry.Record($"orchestration {FunctionNames.Orchestrator}", request.TraceParent, outcome.StartedAt, Now(context),
                new(AppTelemetry.Operation, request.Operation), new(AppTelemetry.LockKey, request.LockKey), new(AppTelemetry.InstanceId, context.InstanceId),
                new(AppTelemetry.Caller, request.CallerId), new(AppTelemetry.Mode, request.Mode ?? LockMode.Conflict), new(AppTelemetry.Outcome, outcome.Status),
                new(AppTelemetry.Generation, outcome.Holder?.Generation));
        }
        return outcome;
    }

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(context.CurrentUtcDateTime, TimeSpan.Zero);
}
