using ExclusiveOperations.Locking;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <param name="LockKey">The key to lock.</param>
/// <param name="HolderId">The orchestration instance asking.</param>
/// <param name="Operation">What it will run (recorded in the lock for refused callers to see).</param>
/// <param name="ExpectedDuration">How long it expects to hold the lock.</param>
/// <param name="CallerId">The caller behind the orchestration (stable across attempts), for the lock's wait list.</param>
public sealed record LockActivityInput(string LockKey, string HolderId, string Operation, TimeSpan ExpectedDuration, string? CallerId = null);

/// <summary>Tries once to take the lock; never waits (a refused run ends with Conflict).</summary>
public sealed class TryAcquireLockActivity(StorageLock locks) : TaskActivity<LockActivityInput, LockAttempt>
{
    public override Task<LockAttempt> RunAsync(TaskActivityContext context, LockActivityInput input) =>
        locks.TryAcquireAsync(input.LockKey, input.HolderId, input.Operation, input.ExpectedDuration, input.CallerId);
}

/// <summary>Extends the holder's lock by one TTL; false when it was lost.</summary>
public sealed class RenewLockActivity(StorageLock locks) : TaskActivity<LockActivityInput, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, LockActivityInput input) =>
        locks.RenewAsync(input.LockKey, input.HolderId);
}

/// <summary>Frees the lock if the caller holds it.</summary>
public sealed class ReleaseLockActivity(StorageLock locks) : TaskActivity<LockActivityInput, LockRelease>
{
    public override Task<LockRelease> RunAsync(TaskActivityContext context, LockActivityInput input) =>
        locks.ReleaseAsync(input.LockKey, input.HolderId);
}
