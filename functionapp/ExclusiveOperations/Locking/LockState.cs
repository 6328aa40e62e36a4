using System.Text.Json.Serialization;
using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>
/// The content of a lock blob: the holder (null when free), the callers waiting for it in the order they
/// first asked, the queue-mode runs waiting in line (first come, first served), and two measurements that the
/// waiters' turns are planned with.
/// </summary>
public sealed class LockState
{
    [JsonPropertyName("holder")] public LockHolder? Holder { get; set; }
    [JsonPropertyName("waiters")] public List<LockWaiter> Waiters { get; set; } = [];

    /// <summary>
    /// Queue-mode runs waiting for the lock, first in line first (at most <see cref="QueueOptions.MaxQueued"/>). A release
    /// hands the lock to the first eligible one in the same write; nobody else takes a free lock while one is eligible.
    /// </summary>
    [JsonPropertyName("queue")] public List<QueuedRun> Queue { get; set; } = [];

    /// <summary>
    /// The latest releases (at most <see cref="RecentReleasesKept"/>, oldest first): a repeated release by the same holder
    /// (a retried or duplicated activity, which the Durable Task backends deliver at least once, even after later holders
    /// came and went) answers with the first one's instant instead of "not held" or "held by another".
    /// </summary>
    [JsonPropertyName("recentReleases")] public List<LockReleaseRecord> RecentReleases { get; set; } = [];

    public const int RecentReleasesKept = 32;

    /// <summary>The last generation handed out (the fencing token); each acquisition by a new holder increments it.</summary>
    [JsonPropertyName("generation")] public long Generation { get; set; }

    /// <summary>Moving average of how much longer holders kept the lock than their operation's estimate.</summary>
    [JsonPropertyName("averageOvershootSeconds")] public double? AverageOvershootSeconds { get; set; }

    /// <summary>Moving average of how long after their <c>retryAt</c> waiting callers were seen again.</summary>
    [JsonPropertyName("averageReturnDelaySeconds")] public double? AverageReturnDelaySeconds { get; set; }

    /// <summary>A copy a decision may change (the lists are new, their records immutable).</summary>
    public LockState Clone() => new()
    {
        Holder = Holder,
        Waiters = [.. Waiters],
        Queue = [.. Queue],
        RecentReleases = [.. RecentReleases],
        Generation = Generation,
        AverageOvershootSeconds = AverageOvershootSeconds,
        AverageReturnDelaySeconds = AverageReturnDelaySeconds,
    };
}

/// <param name="CallerId">Who waits: the same id on every attempt (a pipeline run id), not an orchestration instance.</param>
/// <param name="RetryAt">When the caller was told to come back.</param>
/// <param name="ExpectedSeconds">How long the caller's operation expects to hold the lock.</param>
/// <param name="ReturnBy">The latest the caller should be back, plus a grace period; after it the caller is presumed
/// gone and loses its place.</param>
/// <param name="TurnAt">When the caller's turn was planned, before the hint was capped (MaxRetryAfter) or raised to the
/// 1 s minimum; the turns after it are planned from <see cref="PlannedTurn"/>. Null in records written before it existed.</param>
public sealed record LockWaiter(
    [property: JsonPropertyName("callerId")] string CallerId,
    [property: JsonPropertyName("retryAt")] DateTimeOffset RetryAt,
    [property: JsonPropertyName("expectedSeconds")] double ExpectedSeconds,
    [property: JsonPropertyName("returnBy")] DateTimeOffset ReturnBy,
    [property: JsonPropertyName("turnAt")] DateTimeOffset? TurnAt = null)
{
    /// <summary>The turn the next ones are planned after: the caller cannot be back before it was told, so never earlier than RetryAt.</summary>
    [JsonIgnore]
    public DateTimeOffset PlannedTurn => TurnAt is { } turn && turn > RetryAt ? turn : RetryAt;
}

/// <param name="HolderId">Who released.</param>
/// <param name="Generation">The generation it released.</param>
/// <param name="At">The instant its release was taken (before the write).</param>
/// <param name="HandedTo">The queued run the release made the holder, if any: a repeated release answers with it too,
/// so the releasing orchestration still tells that run.</param>
public sealed record LockReleaseRecord(
    [property: JsonPropertyName("holderId")] string HolderId,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("handedTo")] LockHolder? HandedTo = null);

/// <param name="InstanceId">The waiting orchestration instance (the holder id it will have).</param>
/// <param name="Operation">What it will run (becomes the holder's operation).</param>
/// <param name="StartedAt">When the run started: its caller counts as polling from then on (the start is a poll).</param>
/// <param name="EnqueuedAt">When it joined the line (taken before the write that appended it; the list order is this order).</param>
/// <param name="ExpectedSeconds">How long it expects to hold the lock: the runs behind it are expected that much later.</param>
/// <param name="Lifetime">Its lock lifetime (from its orchestration's input): a handover gives it a lock that lives this long.</param>
/// <param name="Deadline">When its queueTimeout runs out: past it, it is never made the holder.</param>
public sealed record QueuedRun(
    [property: JsonPropertyName("instanceId")] string InstanceId,
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("enqueuedAt")] DateTimeOffset EnqueuedAt,
    [property: JsonPropertyName("expectedSeconds")] double ExpectedSeconds,
    [property: JsonPropertyName("lifetime")] TimeSpan Lifetime,
    [property: JsonPropertyName("deadline")] DateTimeOffset Deadline);
