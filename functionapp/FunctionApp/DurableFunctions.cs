using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionApp;

/// <summary>
/// The orchestrator and activities as Azure Functions. Each function only hands its trigger to the
/// shared class registered under the same name in the local host; no logic lives here.
/// </summary>
public sealed class DurableFunctions(
    ExclusiveOperationOrchestrator orchestrator,
    TryAcquireLockActivity tryAcquireLock,
    RenewLockActivity renewLock,
    ReleaseLockActivity releaseLock,
    JoinQueueActivity joinQueue,
    CheckTurnActivity checkTurn,
    CompactBlobsActivity compactBlobs,
    AppendEntriesActivity appendEntries,
    WaitRemainderActivity waitRemainder)
{
    [Function(FunctionNames.Orchestrator)]
    public Task<OperationOutcome> RunOrchestratorAsync([OrchestrationTrigger] TaskOrchestrationContext context) =>
        orchestrator.RunAsync(context, context.GetInput<OperationRequest>()
            ?? throw new InvalidOperationException("The orchestration was started without an OperationRequest input."));

    [Function(FunctionNames.TryAcquireLock)]
    public Task<LockAttempt> TryAcquireLockAsync([ActivityTrigger] LockActivityInput input, FunctionContext context) =>
        tryAcquireLock.RunAsync(ActivityContext(context, FunctionNames.TryAcquireLock), input);

    [Function(FunctionNames.RenewLock)]
    public Task<bool> RenewLockAsync([ActivityTrigger] LockFence input, FunctionContext context) =>
        renewLock.RunAsync(ActivityContext(context, FunctionNames.RenewLock), input);

    /// <summary>The Durable client binding lets the release tell the next queued run itself (<see cref="ILockHandover"/>).</summary>
    [Function(FunctionNames.ReleaseLock)]
    public Task<LockRelease> ReleaseLockAsync([ActivityTrigger] LockActivityInput input, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        releaseLock.ReleaseAsync(input, new DurableClientHandover(client), context.CancellationToken);

    [Function(FunctionNames.JoinQueue)]
    public Task<QueueTurn> JoinQueueAsync([ActivityTrigger] QueueActivityInput input, FunctionContext context) =>
        joinQueue.RunAsync(ActivityContext(context, FunctionNames.JoinQueue), input);

    [Function(FunctionNames.CheckTurn)]
    public Task<QueueTurn> CheckTurnAsync([ActivityTrigger] QueueActivityInput input, FunctionContext context) =>
        checkTurn.RunAsync(ActivityContext(context, FunctionNames.CheckTurn), input);

    [Function(FunctionNames.CompactBlobs)]
    public Task<CompactResult> CompactBlobsAsync([ActivityTrigger] CompactRequest input, FunctionContext context) =>
        compactBlobs.RunAsync(ActivityContext(context, FunctionNames.CompactBlobs), input);

    [Function(FunctionNames.AppendEntries)]
    public Task<int> AppendEntriesAsync([ActivityTrigger] AppendRequest input, FunctionContext context) =>
        appendEntries.RunAsync(ActivityContext(context, FunctionNames.AppendEntries), input);

    [Function(FunctionNames.WaitRemainder)]
    public Task<bool> WaitRemainderAsync([ActivityTrigger] TimeSpan remainder, FunctionContext context) =>
        waitRemainder.RunAsync(ActivityContext(context, FunctionNames.WaitRemainder), remainder);

    private static TaskActivityContext ActivityContext(FunctionContext context, string name) =>
        new FunctionActivityContext(name, context.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? "" : "");

    private sealed class FunctionActivityContext(string name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name => new(name);
        public override string InstanceId => instanceId;
    }

    private sealed class DurableClientHandover(DurableTaskClient client) : ILockHandover
    {
        public async Task<bool> TellAsync(LockHolder next, CancellationToken cancellationToken)
        {
            await client.RaiseEventAsync(next.HolderId, FunctionNames.LockGrantedEvent, next, cancellationToken);
            return true;
        }
    }
}
