using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Contracts;

/// <summary>The orchestration's input: a validated request to run one operation under one lock key.</summary>
/// <param name="Operation">Registered operation name.</param>
/// <param name="LockKey">The key whose lock must be held while the operation runs.</param>
/// <param name="Input">The request body (the operation's input), already validated by the operation.</param>
/// <param name="CallerId">Who asks, the same on every attempt (a pipeline run id); puts the caller in the lock's wait list.</param>
/// <param name="LockTimings">The lock's lifetime and renewal period, fixed when the run was started (the starter sets them
/// from the settings), so a settings change never changes a running orchestration's replay. Required by the orchestrator.</param>
/// <param name="Mode"><see cref="LockMode.Queue"/> to wait in the lock's line for the lock; null or <see cref="LockMode.Conflict"/>
/// to end with Conflict when it is held.</param>
/// <param name="QueueTimeout">Queue mode: how long the run may wait for its turn (the starter fills in the default).</param>
/// <param name="TraceParent">The W3C trace context of the starter's span (docs/tracing.md): the orchestration, its activities and
/// the run's status polls continue that trace. Null when the request came without one and nothing traced it.</param>
public sealed record OperationRequest(
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("lockKey")] string LockKey,
    [property: JsonPropertyName("input")] JsonObject Input,
    [property: JsonPropertyName("callerId")] string? CallerId = null,
    [property: JsonPropertyName("lockTimings")] LockTimings? LockTimings = null,
    [property: JsonPropertyName("mode")] string? Mode = null,
    [property: JsonPropertyName("queueTimeout")] TimeSpan? QueueTimeout = null,
    [property: JsonPropertyName("traceParent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceParent = null);
