using System.Text.Json.Serialization;
using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>
/// The content of a lock blob: the holder (null when free), the callers waiting for it in the order they
/// first asked, and how long one turn has been taking (the basis of the waiters' retry hints).
/// </summary>
public sealed class LockState
{
    [JsonPropertyName("holder")] public LockHolder? Holder { get; set; }
    [JsonPropertyName("waiters")] public List<LockWaiter> Waiters { get; set; } = [];

    /// <summary>Moving average of how long holders kept the lock (acquired to released).</summary>
    [JsonPropertyName("averageHoldSeconds")] public double? AverageHoldSeconds { get; set; }
}

/// <param name="CallerId">Who waits: the same id on every attempt (a pipeline run id), not an orchestration instance.</param>
/// <param name="DueAt">When the caller was told to come back.</param>
/// <param name="ReturnBy">DueAt plus a grace period; after it the caller is presumed gone and loses its place.</param>
public sealed record LockWaiter(
    [property: JsonPropertyName("callerId")] string CallerId,
    [property: JsonPropertyName("dueAt")] DateTimeOffset DueAt,
    [property: JsonPropertyName("returnBy")] DateTimeOffset ReturnBy);
