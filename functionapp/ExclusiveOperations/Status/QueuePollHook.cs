using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Status;

/// <summary>
/// Queue mode's part of a status poll: the poll of a queued run is recorded (<see cref="RunPolls"/>: its caller is still
/// there, so a release does not skip it as gone); a run still waiting in line is told to come back halfway to its expected
/// turn, a running one at its expected end (with the lock's measured overrun). Conflict-mode runs are left to the status
/// endpoint's own rule.
/// </summary>
public sealed class QueuePollHook(RunPolls polls, StorageLock locks) : IRunPollHook
{
    public async Task<RunChange?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken)
    {
        if (poll.Request is not { Mode: LockMode.Queue } request)
            return null;
        await polls.RecordAsync(poll.InstanceId, poll.At, cancellationToken);
        var expected = await locks.ExpectedTurnAsync(request.LockKey, poll.InstanceId, cancellationToken);
        // A far turn is an estimate every handover corrects, a sent Retry-After is not: come back halfway there. Decided by
        // the lock, not the custom status (a run that has just joined is not Queued yet). Measured: docs/benchmarks.md.
        return expected switch
        {
            null => null,
            { InLine: true } turn when turn.At > poll.At => new RunChange(poll.At + (turn.At - poll.At) / 2, IsEnd: false),
            _ => new RunChange(expected.At, IsEnd: !expected.InLine),
        };
    }
}
