using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Status;

/// <summary>One authorised poll of an unfinished run.</summary>
/// <param name="Request">The run's input (its mode, lock key, caller); null when it does not read as one.</param>
/// <param name="CustomStatus">The run's custom status, when it set one that reads as an outcome.</param>
/// <param name="At">When the poll arrived.</param>
public sealed record RunPoll(string InstanceId, string RuntimeStatus, OperationRequest? Request, OperationOutcome? CustomStatus, DateTimeOffset At);

/// <summary>When a run can next have changed, as its mode's hook knows it.</summary>
/// <param name="At">The estimate.</param>
/// <param name="IsEnd">True when the change is the run's end (it holds the lock and runs), false when it is a turn in line.</param>
public sealed record RunChange(DateTimeOffset At, bool IsEnd);

/// <summary>
/// What a run's mode adds to a status poll. A conflict-mode run finishes within a second of its start or runs holding the
/// lock, so it needs nothing; a run waiting in a queue records that its caller still polls, and knows its expected turn
/// (<see cref="QueuePollHook"/>).
/// </summary>
public interface IRunPollHook
{
    /// <summary>
    /// Called on every authorised poll of an unfinished run, before the answer; returns when the run can next have changed,
    /// if the hook knows (a queued run's expected turn, or its expected end once it holds the lock), else null: the status
    /// endpoint's own rule (the holder's expected end, else 1 s). An exception fails the poll (500).
    /// </summary>
    Task<RunChange?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken);
}
