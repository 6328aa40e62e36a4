using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Starter;

/// <summary>Schedules a new orchestration on whatever Durable Task backend hosts the app.</summary>
public interface IOrchestrationScheduler
{
    /// <summary>
    /// Schedules the orchestration unless an instance with <paramref name="instanceId"/> already exists, in any state
    /// (a completed one included: it must never run again).
    /// </summary>
    /// <returns>The input of the instance with that id: <paramref name="request"/> when this call started it, else the
    /// existing instance's (whose status token the repeated start must answer with).</returns>
    Task<OperationRequest> ScheduleIfNewAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken);
}

/// <summary>The starter's logic, host-agnostic: validate, then schedule the orchestrator (once per request id).</summary>
public sealed class OperationStarter(StartRequestParser parser, LockOptions lockOptions)
{
    public abstract record Result
    {
        private Result() { }

        /// <param name="Request">The instance's input (the first start's, when the request id was seen before).</param>
        public sealed record Started(string InstanceId, OperationRequest Request) : Result;

        public sealed record Refused(StartDecision.Refuse Error) : Result;
    }

    public async Task<Result> StartAsync(
        string? operationName, Stream body, StartQuery? query, IOrchestrationScheduler scheduler, CancellationToken cancellationToken = default)
    {
        var decision = await parser.ParseAsync(operationName, body, query, cancellationToken);
        if (decision is StartDecision.Refuse refuse)
            return new Result.Refused(refuse);

        // The lock's timings are fixed here, in the input, so the orchestration replays with them whatever the settings become.
        // The status token too: a repeated start reads it back from there.
        var request = ((StartDecision.Start)decision).Request with { LockTimings = lockOptions.Timings, StatusToken = Status.StatusToken.New() };
        // A request id (the caller's run and attempt) names the instance, so a repeated POST (a Web activity retrying
        // after a lost answer) finds the instance it started instead of starting the operation again.
        var instanceId = query?.RequestId is { } requestId ? InstanceIdFor(request.Operation, requestId) : Guid.NewGuid().ToString("N");
        var scheduled = await scheduler.ScheduleIfNewAsync(Orchestration.FunctionNames.Orchestrator, instanceId, request, cancellationToken);
        if (scheduled.StatusToken is null)
        {
            return new Result.Refused(new StartDecision.Refuse(409, "no status URL for this request",
                $"The request id '{query?.RequestId}' started instance '{instanceId}' before status URLs carried a token, so there is no status URL " +
                "to answer with. Send a new request id to start the operation again, or ask an operator for the instance's status."));
        }
        return new Result.Started(instanceId, scheduled);
    }

    /// <summary>
    /// Deterministic: the same operation and request id always give the same instance id, 32 hex characters like the
    /// random ones (128 bits of SHA-256).
    /// </summary>
    public static string InstanceIdFor(string operation, string requestId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(operation + "\n" + requestId)))[..32];
}
