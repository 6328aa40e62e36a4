using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>The answer to a try-acquire: either this caller holds the lock now, or somebody else does.</summary>
/// <param name="Acquired">True when the caller holds the lock.</param>
/// <param name="Holder">The current holder (the caller itself when acquired); null when refused because the freed
/// lock is the turn of a caller ahead in the wait list or of a queued run.</param>
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
/// <param name="HandedTo">When released: the queued run the same write made the holder (told with a <c>LockGranted</c>
/// event); null when nobody eligible was queued.</param>
/// <param name="HandoverSent">True when the release activity already sent <paramref name="HandedTo"/> its event; else the
/// releasing orchestration sends it.</param>
public sealed record LockRelease(ReleaseOutcome Outcome, DateTimeOffset At, LockHolder? CurrentHolder, LockHolder? HandedTo = null, bool HandoverSent = false);

/// <summary>Where a queue-mode run stands after joining the line or checking its turn.</summary>
public enum TurnOutcome
{
    /// <summary>The run holds the lock (<see cref="QueueTurn.Holder"/>).</summary>
    Acquired,

    /// <summary>The run waits in line at <see cref="QueueTurn.Position"/>.</summary>
    Queued,

    /// <summary>The line is full: the run did not join it (<see cref="QueueTurn.Detail"/> says what to do).</summary>
    QueueFull,

    /// <summary>Its queueTimeout ran out before its turn: it left the line.</summary>
    TimedOut,

    /// <summary>Nobody polled its status for <see cref="QueueOptions.CallerGoneAfter"/>: it was dropped from the line.</summary>
    Abandoned,
}

/// <param name="Outcome">Where the run stands.</param>
/// <param name="Holder">When acquired: the run's own holder record (generation = its fencing token).</param>
/// <param name="Position">When queued: 1 for the first in line.</param>
/// <param name="QueuedAt">When the run joined the line (the lock store's instant); null when it never had to.</param>
/// <param name="Detail">When it did not get the lock: what happened and what the caller can do.</param>
public sealed record QueueTurn(TurnOutcome Outcome, LockHolder? Holder = null, int? Position = null, DateTimeOffset? QueuedAt = null, string? Detail = null);

/// <summary>When a queue-mode run is next expected to change: its turn while it waits in line, its end once it holds the lock.</summary>
/// <param name="InLine">True while the run waits in line (<paramref name="At"/> is its turn, an estimate every handover corrects).</param>
public sealed record ExpectedTurn(DateTimeOffset At, bool InLine);
