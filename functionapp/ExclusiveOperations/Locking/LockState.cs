using System.Text.Json.Serialization;
using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>
/// The content of a lock blob: the holder (null when free), the callers waiting for it in the order they
/// first asked, and two measurements that the waiters' turns are planned with.
/// </summary>
public sealed class LockState
{
    [JsonPropertyName("holder")] public LockHolder? Holder { get; set; }
    [JsonPropertyName("waiters")] public List<LockWaiter> Waiters { get; set; } = [];

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
}

/// <param name="CallerId">Who waits: the same id on every attempt (a pipeline run id), not an orchestration instance.</param>
/// <param name="RetryAt">When the caller was told to come back.</param>
/// <param name="ExpectedSeconds">How long the caller's operation expects to hold the lock.</param>
/// <param name="ReturnBy">The latest the caller should be back, plus a grace period; after it the caller is presumed
/// gone and loses its place.</param>
public sealed record LockWaiter(
    [property: JsonPropertyName("callerId")] string CallerId,
    [property: JsonPropertyName("retryAt")] DateTimeOffset RetryAt,
    [property: JsonPropertyName("expectedSeconds")] double ExpectedSeconds,
    [property: JsonPropertyName("returnBy")] DateTimeOffset ReturnBy);

/// <param name="HolderId">Who released.</param>
/// <param name="Generation">The generation it released.</param>
/// <param name="At">The instant its release was taken (before the write).</param>
public sealed record LockReleaseRecord(
    [property: JsonPropertyName("holderId")] string HolderId,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("at")] DateTimeOffset At);
