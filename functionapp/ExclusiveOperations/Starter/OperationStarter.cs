using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Starter;

/// <summary>Schedules a new orchestration on whatever Durable Task backend hosts the app.</summary>
public interface IOrchestrationScheduler
{
    Task ScheduleAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken);
}

/// <summary>The starter's logic, host-agnostic: validate, then schedule the orchestrator under a new instance id.</summary>
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
        var instanceId = Guid.NewGuid().ToString("N");
        await scheduler.ScheduleAsync(Orchestration.FunctionNames.Orchestrator, instanceId, request, cancellationToken);
        return new Result.Started(instanceId, request);
    }
}
