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
    public async Task<DateTimeOffset?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken)
    {
        if (poll.Request is not { Mode: LockMode.Queue } request)
            return null;
        await polls.RecordAsync(poll.InstanceId, poll.At, cancellationToken);
        var expected = await locks.ExpectedTurnAsync(request.LockKey, poll.InstanceId, cancellationToken);
        // A turn many holders ahead is an estimate that every handover corrects, while a Retry-After, once sent, is not:
        // come back halfway there, so the poller closes in on the real turn in a few polls instead of trusting one far
        // estimate (one too late leaves a finished run unseen; measured: a run told 28 s whose turn came at 21 s).
        // Decided by the lock, not the custom status: a run that has just joined shows no Queued status yet (measured:
        // told 30 s at its first poll, it came back 12 s after it had finished).
        return expected is { InLine: true } turn && turn.At > poll.At
            ? poll.At + (turn.At - poll.At) / 2
            : expected?.At;
    }
}
