using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Tells the queued run a release made the holder that it holds the lock (the <see cref="FunctionNames.LockGrantedEvent"/>),
/// from inside the release activity, right after the write that handed the lock over: sent from the releasing
/// orchestration, it would wait for the activity's result and a replay, measured slower (docs/benchmarks.md).
/// </summary>
public interface ILockHandover
{
    /// <summary>Sends the event; false when this host has no client to send it with (the orchestration then sends it).</summary>
    Task<bool> TellAsync(LockHolder next, CancellationToken cancellationToken);
}

/// <summary>A host without a Durable client in its activities: the releasing orchestration sends the event.</summary>
public sealed class OrchestrationSendsHandover : ILockHandover
{
    public Task<bool> TellAsync(LockHolder next, CancellationToken cancellationToken) => Task.FromResult(false);
}
