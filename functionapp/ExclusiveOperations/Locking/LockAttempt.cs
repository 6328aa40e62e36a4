using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>The answer to a try-acquire: either this caller holds the lock now, or somebody else does.</summary>
/// <param name="Acquired">True when the caller holds the lock.</param>
/// <param name="Holder">The current holder (the caller itself when acquired); null when refused because the freed
/// lock is the turn of a caller ahead in the wait list.</param>
/// <param name="RetryAfterSeconds">When refused: whole seconds until the caller should ask again (at least 1, capped).</param>
/// <param name="HeldSince">When acquired: an instant at which the write that took the lock had already succeeded,
/// so the intervals [HeldSince, release At] of successive holders never intersect.</param>
/// <param name="RetryAt">When refused: the instant the caller should ask again (the exact form of RetryAfterSeconds).</param>
/// <param name="Detail">When refused for a reason the caller should know beyond "held" (a full wait list): what and what to do.</param>
public sealed record LockAttempt(
    bool Acquired, LockHolder? Holder, int? RetryAfterSeconds = null, DateTimeOffset? HeldSince = null, DateTimeOffset? RetryAt = null,
    string? Detail = null);

/// <summary>What a release did.</summary>
public enum ReleaseOutcome
{
    /// <summary>The caller held the lock and it is now free.</summary>
    Released,

    /// <summary>The lock was already free (e.g. a retried release): nothing to do.</summary>
    NotHeld,

    /// <summary>Another holder has the lock (the caller's expired and was reclaimed): refused, nothing changed.</summary>
    HeldByAnother,
}

/// <param name="Outcome">What happened.</param>
/// <param name="At">An instant before the release was sent: the holder no longer counts on the lock from then on.</param>
/// <param name="CurrentHolder">The other holder when refused.</param>
public sealed record LockRelease(ReleaseOutcome Outcome, DateTimeOffset At, LockHolder? CurrentHolder);
