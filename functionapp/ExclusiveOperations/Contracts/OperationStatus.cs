namespace ExclusiveOperations.Contracts;

/// <summary>The custom status values of the contract: OK, Conflict (conflict mode), TimedOut, Abandoned, QueueFull (queue mode); anything else is a failure.</summary>
public static class OperationStatus
{
    public const string Ok = "OK";
    public const string Conflict = "Conflict";

    /// <summary>Queue mode: the run did not get the lock within its queueTimeout.</summary>
    public const string TimedOut = "TimedOut";

    /// <summary>Queue mode: the run was dropped from the line because nobody polled its status (its caller is gone).</summary>
    public const string Abandoned = "Abandoned";

    /// <summary>Queue mode: the line was full (ExclusiveOperations:Queue:MaxQueued); the run ended at once without waiting.</summary>
    public const string QueueFull = "QueueFull";

    /// <summary>Custom status while a queued run waits for its turn; never an orchestration's final status.</summary>
    public const string Queued = "Queued";

    /// <summary>Custom status while the lock is held and the operation runs; never an orchestration's final status.</summary>
    public const string Running = "Running";
}
