using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Orchestration;
using ExclusiveOperations.Telemetry;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Operations;

/// <summary>What an operation sees while it runs: the orchestration, its input, and the lock it holds.</summary>
public sealed class OperationContext(TaskOrchestrationContext orchestration, OperationRequest request, LockFence fence)
{
    public TaskOrchestrationContext Orchestration => orchestration;
    public OperationRequest Request => request;
    public JsonObject Input => request.Input;

    /// <summary>
    /// The lock's fencing token: activities with side effects on shared state take it and make every write
    /// conditional on it (<see cref="StorageLock.FenceAsync"/>); long activities keep the lock alive with it
    /// (<see cref="LockKeeper"/>).
    /// </summary>
    public LockFence Fence => fence;

    /// <summary>
    /// The longest a step may take before the lock must be renewed; long operations split their work
    /// (timers included) into steps no longer than this and call <see cref="KeepLockAsync"/> between them.
    /// </summary>
    public TimeSpan RenewInterval => fence.RenewEvery;

    /// <summary>Renews the lock; throws when it was lost (the run took longer than the lifetime between renewals).</summary>
    public async Task KeepLockAsync()
    {
        var asked = orchestration.CurrentUtcDateTime;
        var renewed = await orchestration.CallActivityAsync<bool>(FunctionNames.RenewLock, fence, ActivityRetry.Options);
        if (!orchestration.IsReplaying)
        {
            // A refused renewal is the fence refusing a holder whose generation is no longer the lock's.
            AppTelemetry.Record("lock renew", request.TraceParent, new DateTimeOffset(asked, TimeSpan.Zero), new DateTimeOffset(orchestration.CurrentUtcDateTime, TimeSpan.Zero),
                new(AppTelemetry.LockKey, request.LockKey), new(AppTelemetry.InstanceId, orchestration.InstanceId), new(AppTelemetry.Generation, fence.Generation),
                new(AppTelemetry.Outcome, renewed ? "renewed" : "fence refused"));
        }
        if (!renewed)
            throw new LockLostException(
                $"The lock for key '{request.LockKey}' was lost by instance '{orchestration.InstanceId}' (generation {fence.Generation}) before the operation finished.");
    }
}
