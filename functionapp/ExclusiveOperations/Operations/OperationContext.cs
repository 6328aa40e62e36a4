using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Orchestration;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Operations;

/// <summary>What an operation sees while it runs: the orchestration, its input, and the lock it holds.</summary>
public sealed class OperationContext(TaskOrchestrationContext orchestration, OperationRequest request, TimeSpan lockTimeToLive)
{
    public TaskOrchestrationContext Orchestration => orchestration;
    public OperationRequest Request => request;
    public JsonObject Input => request.Input;

    /// <summary>
    /// The longest a step may take before the lock must be renewed; long operations split their work
    /// (timers included) into steps no longer than this and call <see cref="KeepLockAsync"/> between them.
    /// </summary>
    public TimeSpan RenewInterval => lockTimeToLive / 2;

    /// <summary>Renews the lock; throws when it was lost (the run took longer than the TTL between renewals).</summary>
    public async Task KeepLockAsync()
    {
        var renewed = await orchestration.CallActivityAsync<bool>(
            FunctionNames.RenewLock, new LockActivityInput(request.LockKey, orchestration.InstanceId, request.Operation, TimeSpan.Zero));
        if (!renewed)
            throw new InvalidOperationException(
                $"The lock for key '{request.LockKey}' was lost by instance '{orchestration.InstanceId}' before the operation finished.");
    }
}
