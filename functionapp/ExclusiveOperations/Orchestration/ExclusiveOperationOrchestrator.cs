using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Conflict mode: try the lock; when it is held, finish at once with <c>Conflict</c> (nothing waits).
/// Queue mode: join the lock's line and wait durably (no compute) until a release hands the lock over
/// (a <see cref="FunctionNames.LockGrantedEvent"/>), checking on a timer for a dead holder, the queueTimeout
/// and a gone caller. Then, in both modes, run the operation, release the lock (handing it to the next queued
/// run, which the release activity tells, or else this orchestration) and finish <c>OK</c>. A failing operation releases the lock and fails
/// the orchestration with its error. Deterministic: all I/O happens in activities.
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
            timings.Lifetime, request.CallerId);
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
                return Finish(context, outcome with
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
                return Finish(context, outcome with
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

        System.Text.Json.Nodes.JsonNode? result;
        try
        {
            var fence = new LockFence(request.LockKey, context.InstanceId, holder.Generation, timings.Lifetime, timings.RenewEvery);
            result = await operation.RunAsync(new OperationContext(context, request, fence));
        }
        catch
        {
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

        return Finish(context, outcome with
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
        var input = new QueueActivityInput(request.LockKey, context.InstanceId, request.Operation, expectedDuration, timings.Lifetime, outcome.StartedAt, deadline);
        var turn = await context.CallActivityAsync<QueueTurn>(FunctionNames.JoinQueue, input, ActivityRetry.Options);

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
                return turn with { Outcome = TurnOutcome.Acquired, Holder = await granted };
            }
            turn = await context.CallActivityAsync<QueueTurn>(FunctionNames.CheckTurn, input, ActivityRetry.Options);
        }
        return turn;
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

    private static OperationOutcome Finish(TaskOrchestrationContext context, OperationOutcome outcome)
    {
        context.SetCustomStatus(outcome);
        return outcome;
    }

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(context.CurrentUtcDateTime, TimeSpan.Zero);
}
