namespace ExclusiveOperations.Orchestration;

/// <summary>
/// The durable function names. The Functions app declares one function per name and the local host
/// registers the same classes under the same names, so orchestrations run unchanged on both.
/// </summary>
public static class ActivityNames
{
    public const string Orchestrator = "ExclusiveOperation";
    public const string TryAcquireLock = "TryAcquireLock";
    public const string RenewLock = "RenewLock";
    public const string ReleaseLock = "ReleaseLock";
    public const string CompactBlobs = "CompactBlobs";
}
