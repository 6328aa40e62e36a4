using System.Text.Json.Nodes;
using DurableTask.Core;
using ExclusiveOperations.Status;

namespace LocalFunctionHost;

/// <summary>
/// The Durable Functions HTTP API's status answers (docs/azure-behaviour.md, from HttpApiHandler), for the operators' route
/// with the system key; and the Durable Task Framework's instance state in the host-agnostic shape of <see cref="RunStatus"/>.
/// </summary>
public static class StatusResponse
{
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    /// <summary>202 while the orchestration is not finished; 200 when it is (500 for Failed when asked).</summary>
    public static int StatusCodeFor(OrchestrationStatus status, bool returnInternalServerErrorOnFailure) => status switch
    {
        OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.ContinuedAsNew or OrchestrationStatus.Suspended => 202,
        OrchestrationStatus.Failed when returnInternalServerErrorOnFailure => 500,
        _ => 200,
    };

    public static bool IsRunning(int statusCode) => statusCode == 202;

    public static RunInstance Instance(OrchestrationState state) => new(
        state.Name,
        state.OrchestrationInstance.InstanceId,
        state.OrchestrationStatus.ToString(),
        state.Input,
        state.Status,
        state.Output,
        state.FailureDetails is { } failure ? new RunFailure(failure.ErrorType, failure.ErrorMessage) : null,
        new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
        new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)));

    /// <summary>The built-in status body: the run's status body plus its input (unless <c>showInput=false</c>) and failure details.</summary>
    public static JsonObject Body(OrchestrationState state, bool showInput)
    {
        var body = RunStatus.Body(Instance(state));
        body.Insert(3, "input", showInput && !string.IsNullOrEmpty(state.Input) ? JsonNode.Parse(state.Input) : null);
        if (state.FailureDetails is { } details)
        {
            body["failureDetails"] = new JsonObject
            {
                ["errorType"] = details.ErrorType,
                ["errorMessage"] = details.ErrorMessage,
            };
        }
        return body;
    }
}
