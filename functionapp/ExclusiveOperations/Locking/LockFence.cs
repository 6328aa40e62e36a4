using System.Text.Json.Serialization;

namespace ExclusiveOperations.Locking;

/// <summary>
/// What an activity of the holder carries to make its side effects conditional on still holding the lock:
/// the key, the holder and the generation it acquired (the fencing token), the lifetime a renewal grants and how
/// often a long activity renews it (<see cref="LockTimings"/>).
/// </summary>
public sealed record LockFence(
    [property: JsonPropertyName("lockKey")] string LockKey,
    [property: JsonPropertyName("holderId")] string HolderId,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("lifetime")] TimeSpan Lifetime,
    [property: JsonPropertyName("renewEvery")] TimeSpan RenewEvery);

/// <summary>The holder no longer holds the lock (it expired and was taken over, or was released): it must stop writing.</summary>
public sealed class LockLostException(string message) : Exception(message);

/// <summary>The lock cannot be read or written (e.g. its container was deleted, or writers never stop racing).</summary>
public sealed class LockUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
