using System.Text.Json.Nodes;

namespace ExclusiveOperations.Operations;

/// <summary>
/// An operation that must never run twice at once for one lock key. Implementations are pluggable:
/// register them with <c>AddExclusiveOperation&lt;T&gt;()</c>.
/// </summary>
public interface IExclusiveOperation
{
    /// <summary>The name in the starter route <c>/api/operations/{name}</c>; [A-Za-z0-9_-].</summary>
    string Name { get; }

    /// <summary>
    /// Checks the request body at the starter, before any orchestration exists, so bad input is a 400.
    /// Throws <see cref="OperationInputException"/> naming the field and what is wrong.
    /// </summary>
    void Validate(JsonObject input);

    /// <summary>
    /// The lock key a run with this input must hold, when the operation derives it from its input (e.g. from the data it
    /// writes, so two runs on the same data can never hold two different keys); callers cannot choose another.
    /// Null: the caller's <c>lockKey</c>, else the operation name.
    /// </summary>
    string? LockKeyFor(JsonObject input) => null;

    /// <summary>How long a run is expected to take; the basis of the retry hint given to refused callers.</summary>
    TimeSpan EstimateDuration(JsonObject input);

    /// <summary>
    /// Runs the operation inside the orchestration while the lock is held. Orchestrator code: it must be
    /// deterministic, wait only with durable timers and do its I/O in activities.
    /// </summary>
    Task<JsonNode?> RunAsync(OperationContext context);
}

/// <summary>The request body is not acceptable for the operation; becomes a 400 at the starter.</summary>
public sealed class OperationInputException(string detail) : Exception(detail);
