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
    Task ScheduleIfNewAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken);
}

/// <summary>The starter's logic, host-agnostic: validate, then schedule the orchestrator (once per request id).</summary>
public sealed class OperationStarter(StartRequestParser parser, LockOptions lockOptions)
{
    public abstract record Result
    {
        private Result() { }

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
        var request = ((StartDecision.Start)decision).Request with { LockTimings = lockOptions.Timings };
        // A request id (the caller's run and attempt) names the instance, so a repeated POST (a Web activity retrying
        // after a lost answer) finds the instance it started instead of starting the operation again.
        var instanceId = query?.RequestId is { } requestId ? InstanceIdFor(request.Operation, requestId) : Guid.NewGuid().ToString("N");
        await scheduler.ScheduleIfNewAsync(Orchestration.FunctionNames.Orchestrator, instanceId, request, cancellationToken);
        return new Result.Started(instanceId, request);
    }

    /// <summary>
    /// Deterministic: the same operation and request id always give the same instance id, 32 hex characters like the
    /// random ones (128 bits of SHA-256).
    /// </summary>
    public static string InstanceIdFor(string operation, string requestId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(operation + "\n" + requestId)))[..32];
}
