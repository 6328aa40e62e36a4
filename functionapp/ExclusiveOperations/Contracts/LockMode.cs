namespace ExclusiveOperations.Contracts;

/// <summary>What a run does when the lock is held: the start's <c>mode</c> query parameter.</summary>
public static class LockMode
{
    /// <summary>The default: end at once with Conflict and a hint when to ask again.</summary>
    public const string Conflict = "conflict";

    /// <summary>Wait durably in the lock's line; a release hands the lock over directly.</summary>
    public const string Queue = "queue";
}
