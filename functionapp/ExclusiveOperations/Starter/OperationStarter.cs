using System.Diagnostics;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Telemetry;

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
        // Under the host's request span (the incoming traceparent's trace); its context goes into the orchestration's input.
        using var span = Activity.Current is null ? null : AppTelemetry.Source.StartActivity("start operation");
        var decision = await parser.ParseAsync(operationName, body, query, cancellationToken);
        if (decision is StartDecision.Refuse refuse)
        {
            span?.SetTag(AppTelemetry.Outcome, "refused");
            span?.SetTag("http.response.status_code", refuse.StatusCode);
            return new Result.Refused(refuse);
        }

        // The lock's timings are fixed here, in the input, so the orchestration replays with them whatever the settings become.
        var request = ((StartDecision.Start)decision).Request with { LockTimings = lockOptions.Timings, TraceParent = AppTelemetry.CurrentTraceParent() };
        // A request id (the caller's run and attempt) names the instance, so a repeated POST (a Web activity retrying
        // after a lost answer) finds the instance it started instead of starting the operation again.
        var instanceId = query?.RequestId is { } requestId ? InstanceIdFor(request.Operation, requestId) : Guid.NewGuid().ToString("N");
        span?.SetTag(AppTelemetry.Operation, request.Operation);
        span?.SetTag(AppTelemetry.LockKey, request.LockKey);
        span?.SetTag(AppTelemetry.Mode, request.Mode ?? LockMode.Conflict);
        span?.SetTag(AppTelemetry.Caller, request.CallerId);
        span?.SetTag(AppTelemetry.InstanceId, instanceId);
        await scheduler.ScheduleIfNewAsync(Orchestration.FunctionNames.Orchestrator, instanceId, request, cancellationToken);
        span?.SetTag(AppTelemetry.Outcome, "started");
        return new Result.Started(instanceId, request);
    }

    /// <summary>
    /// Deterministic: the same operation and request id always give the same instance id, 32 hex characters like the
    /// random ones (128 bits of SHA-256).
    /// </summary>
    public static string InstanceIdFor(string operation, string requestId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(operation + "\n" + requestId)))[..32];
}
