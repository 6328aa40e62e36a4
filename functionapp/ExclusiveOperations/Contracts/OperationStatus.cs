namespace ExclusiveOperations.Contracts;

/// <summary>The two custom status values of the contract; anything else is a failure.</summary>
public static class OperationStatus
{
    public const string Ok = "OK";
    public const string Conflict = "Conflict";

    /// <summary>Custom status while the lock is held and the operation runs; never an orchestration's final status.</summary>
    public const string Running = "Running";
}
