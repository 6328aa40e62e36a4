using System.Text.Json.Serialization;

namespace ExclusiveOperations.Contracts;

/// <summary>The content of a lock: who holds it, since when, and until when it is safe to assume they live.</summary>
/// <param name="HolderId">The orchestration instance that holds the lock.</param>
/// <param name="Operation">The operation the holder runs.</param>
/// <param name="AcquiredAt">When the lock was taken.</param>
/// <param name="ExpiresAt">After this instant the lock may be reclaimed (the holder is presumed dead).</param>
/// <param name="ExpectedEndAt">When the holder expects to finish; the basis of <c>retryAfterSeconds</c>.</param>
/// <param name="Generation">The fencing token: one more than the previous holder's; every side effect of the holder is
/// conditional on the lock still holding it.</param>
/// <param name="CallerId">Who the holder runs for (a pipeline run id), when it said.</param>
public sealed record LockHolder(
    [property: JsonPropertyName("holderId")] string HolderId,
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("acquiredAt")] DateTimeOffset AcquiredAt,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("expectedEndAt")] DateTimeOffset ExpectedEndAt,
    [property: JsonPropertyName("generation")] long Generation = 0,
    [property: JsonPropertyName("callerId")] string? CallerId = null);
