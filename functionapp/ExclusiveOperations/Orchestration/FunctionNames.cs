using ExclusiveOperations.Operations;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// The durable function names and the classes behind them. The Functions app declares one function per
/// name; the local host and the in-process test host register these same classes under the same names,
/// so orchestrations run unchanged on every backend.
/// </summary>
public static class FunctionNames
{
    public const string Orchestrator = "ExclusiveOperation";
    public const string TryAcquireLock = "TryAcquireLock";
    public const string RenewLock = "RenewLock";
    public const string ReleaseLock = "ReleaseLock";
    public const string CompactBlobs = "CompactBlobs";
    public const string AppendEntries = "AppendEntries";
    public const string JoinQueue = "JoinQueue";
    public const string CheckTurn = "CheckTurn";
    public const string WaitRemainder = "WaitRemainder";

    /// <summary>The event a releasing orchestration sends the queued run it handed the lock to (payload: its <c>LockHolder</c>).</summary>
    public const string LockGrantedEvent = "LockGranted";

    public static readonly IReadOnlyList<(string Name, Type Type)> Activities =
    [
        (TryAcquireLock, typeof(TryAcquireLockActivity)),
        (RenewLock, typeof(RenewLockActivity)),
        (ReleaseLock, typeof(ReleaseLockActivity)),
        (CompactBlobs, typeof(CompactBlobsActivity)),
        (AppendEntries, typeof(AppendEntriesActivity)),
        (JoinQueue, typeof(JoinQueueActivity)),
        (CheckTurn, typeof(CheckTurnActivity)),
        (WaitRemainder, typeof(WaitRemainderActivity)),
    ];

    /// <summary>
    /// Registers the orchestrator and activities on a Durable Task SDK worker. The SDK creates orchestrators
    /// without dependency injection, so the (stateless) orchestrator is passed as an instance.
    /// </summary>
    public static DurableTaskRegistry AddExclusiveOperationFunctions(this DurableTaskRegistry registry, ExclusiveOperationOrchestrator orchestrator)
    {
        registry.AddOrchestrator(Orchestrator, orchestrator);
        foreach (var (name, type) in Activities)
            registry.AddActivity(name, type);
        return registry;
    }
}
