using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Status;

/// <summary>
/// Queue mode's part of a status poll: the poll of a queued run is recorded (<see cref="RunPolls"/>: its caller is still
/// there, so a release does not skip it as gone), and a run still waiting in line is told its expected turn. Conflict-mode
/// runs are left to the status endpoint's own rule.
/// </summary>
public sealed class QueuePollHook(RunPolls polls, StorageLock locks) : IRunPollHook
{
    public async Task<DateTimeOffset?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken)
    {
        if (poll.Request is not { Mode: LockMode.Queue } request)
            return null;
        await polls.RecordAsync(poll.InstanceId, poll.At, cancellationToken);
        return poll.CustomStatus?.Status == OperationStatus.Queued
            ? await locks.ExpectedTurnAsync(request.LockKey, poll.InstanceId, cancellationToken)
            : null;
    }
}
