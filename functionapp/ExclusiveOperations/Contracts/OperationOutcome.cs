using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ExclusiveOperations.Contracts;

/// <summary>
/// The orchestration output and custom status of every run (docs/http-contract.md). Property names are
/// camelCase on the wire because pipelines read them as <c>output.status</c>, <c>output.result</c>, ...
/// </summary>
public sealed record OperationOutcome
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("operation")] public required string Operation { get; init; }
    [JsonPropertyName("lockKey")] public required string LockKey { get; init; }
    [JsonPropertyName("instanceId")] public required string InstanceId { get; init; }

    /// <summary>Who holds the lock: this run when OK, the other run when Conflict.</summary>
    [JsonPropertyName("holder")] public LockHolder? Holder { get; init; }

    /// <summary>When Conflict: whole seconds to wait before asking again (the caller's turn, or the holder's expected end; capped).</summary>
    [JsonPropertyName("retryAfterSeconds")] public int? RetryAfterSeconds { get; init; }

    /// <summary>
    /// When Conflict: the instant to ask again (UTC). A caller that waits until this instant, rather than for
    /// retryAfterSeconds from when it read the answer, does not add its own polling delay to the wait.
    /// </summary>
    [JsonPropertyName("retryAt")] public DateTimeOffset? RetryAt { get; init; }

    /// <summary>When Conflict for a reason beyond "held" (the wait list is full): what happened and what the caller should do.</summary>
    [JsonPropertyName("detail")] public string? Detail { get; init; }

    [JsonPropertyName("startedAt")] public required DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("completedAt")] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When OK: the interval this run held the lock, as recorded by the lock store.</summary>
    [JsonPropertyName("lockAcquiredAt")] public DateTimeOffset? LockAcquiredAt { get; init; }
    [JsonPropertyName("lockReleasedAt")] public DateTimeOffset? LockReleasedAt { get; init; }

    [JsonPropertyName("result")] public JsonNode? Result { get; init; }

    /// <summary>While Queued: the run's place in line (1 = next), as of its latest check.</summary>
    [JsonPropertyName("position")] public int? Position { get; init; }

    /// <summary>Queue mode: when the run joined the line (the lock store's instant; the line's order); null when it never had to.</summary>
    [JsonPropertyName("queuedAt")] public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>Queue mode: seconds from the run's start until it got the lock (or gave up waiting).</summary>
    [JsonPropertyName("queuedSeconds")] public double? QueuedSeconds { get; init; }
}
