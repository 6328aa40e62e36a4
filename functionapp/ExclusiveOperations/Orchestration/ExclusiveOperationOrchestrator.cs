using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Try the lock; when it is held, finish at once with <c>Conflict</c> (nothing waits); else run the
/// operation, release the lock and finish <c>OK</c>. A failing operation releases the lock and fails
/// the orchestration with its error. Deterministic: all I/O happens in activities.
/// </summary>
public sealed class ExclusiveOperationOrchestrator(OperationCatalog catalog)
    : TaskOrchestrator<OperationRequest, OperationOutcome>
{
    public override async Task<OperationOutcome> RunAsync(TaskOrchestrationContext context, OperationRequest request)
    {
        var startedAt = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        var operation = catalog.Get(request.Operation);
        var timings = request.LockTimings
            ?? throw new InvalidOperationException("The orchestration's input has no lockTimings; start it through the starter, which sets them.");
        var lockInput = new LockActivityInput(request.LockKey, context.InstanceId, request.Operation, operation.EstimateDuration(request.Input),
            timings.Lifetime, request.CallerId);

        var attempt = await context.CallActivityAsync<LockAttempt>(FunctionNames.TryAcquireLock, lockInput, ActivityRetry.Options);
        if (!attempt.Acquired)
        {
            return Finish(context, new OperationOutcome
            {
                Status = OperationStatus.Conflict,
                Operation = request.Operation,
                LockKey = request.LockKey,
                InstanceId = context.InstanceId,
                Holder = attempt.Holder,
                RetryAfterSeconds = attempt.RetryAfterSeconds,
                RetryAt = attempt.RetryAt,
                Detail = attempt.Detail,
                StartedAt = startedAt,
                CompletedAt = Now(context),
            });
        }

        // The lock is visible as custom status while the operation runs, so a status poll shows who holds what.
        context.SetCustomStatus(new OperationOutcome
        {
            Status = OperationStatus.Running,
            Operation = request.Operation,
            LockKey = request.LockKey,
            InstanceId = context.InstanceId,
            Holder = attempt.Holder,
            StartedAt = startedAt,
            LockAcquiredAt = attempt.HeldSince,
        });

        System.Text.Json.Nodes.JsonNode? result;
        try
        {
            var fence = new LockFence(request.LockKey, context.InstanceId, attempt.Holder!.Generation, timings.Lifetime, timings.RenewEvery);
            result = await operation.RunAsync(new OperationContext(context, request, fence));
        }
        catch
        {
            await context.CallActivityAsync<LockRelease>(FunctionNames.ReleaseLock, lockInput, ActivityRetry.Options);
            throw;
        }

        var release = await context.CallActivityAsync<LockRelease>(FunctionNames.ReleaseLock, lockInput, ActivityRetry.Options);
        // Only a release of a lock this run still held proves that nobody else held it meanwhile. A free lock without this
        // run's release record was taken over after it expired (and released again) just like one held by another.
        if (release.Outcome != ReleaseOutcome.Released)
        {
            var taker = release.CurrentHolder is { } current ? $"is now held by '{current.HolderId}'" : "was taken over and released by another run meanwhile";
            throw new InvalidOperationException(
                $"The lock for key '{request.LockKey}' expired while the operation ran and {taker}; the result may overlap with another run.");
        }

        return Finish(context, new OperationOutcome
        {
            Status = OperationStatus.Ok,
            Operation = request.Operation,
            LockKey = request.LockKey,
            InstanceId = context.InstanceId,
            Holder = attempt.Holder,
            StartedAt = startedAt,
            CompletedAt = Now(context),
            LockAcquiredAt = attempt.HeldSince,
            LockReleasedAt = release.At,
            Result = result,
        });
    }

    private static OperationOutcome Finish(TaskOrchestrationContext context, OperationOutcome outcome)
    {
        context.SetCustomStatus(outcome);
        return outcome;
    }

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(context.CurrentUtcDateTime, TimeSpan.Zero);
}
