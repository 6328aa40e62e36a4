namespace ExclusiveOperations.Status;

/// <summary>
/// What a host's Durable client knows about an orchestration instance, without the host's types: the Functions worker's
/// <c>OrchestrationMetadata</c> and the Durable Task Framework's <c>OrchestrationState</c> both map onto it.
/// </summary>
/// <param name="RuntimeStatus">The Durable runtime status by name: Pending, Running, ContinuedAsNew, Suspended, Completed,
/// Failed, Terminated, Canceled.</param>
/// <param name="SerializedInput">The orchestration's input (an <see cref="Contracts.OperationRequest"/>).</param>
public sealed record RunInstance(
    string Name,
    string InstanceId,
    string RuntimeStatus,
    string? SerializedInput,
    string? SerializedCustomStatus,
    string? SerializedOutput,
    RunFailure? Failure,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt);

/// <summary>Why a Failed orchestration failed.</summary>
public sealed record RunFailure(string ErrorType, string ErrorMessage);

/// <summary>Reads one instance from the host's Durable backend, inputs and outputs included; null when it does not exist.</summary>
public interface IRunInstanceReader
{
    Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken);
}
