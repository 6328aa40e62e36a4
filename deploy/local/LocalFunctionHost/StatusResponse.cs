using System.Text.Json.Nodes;
using DurableTask.Core;

namespace ExclusiveOperations.LocalHost;

/// <summary>
/// The Durable Functions HTTP API's answers (docs/azure-behaviour.md, from HttpApiHandler): the check-status body
/// of the starter, and the status URL's code, headers and body by runtime status.
/// </summary>
public static class StatusResponse
{
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    /// <summary>The URLs a Durable Functions starter returns, rooted at this host.</summary>
    public static JsonObject CheckStatusBody(string baseUrl, string instanceId, string taskHub, string systemKey)
    {
        var instance = $"{baseUrl}{InstancesPath}/{instanceId}";
        var query = $"taskHub={Uri.EscapeDataString(taskHub)}&connection=Storage&code={Uri.EscapeDataString(systemKey)}";
        return new JsonObject
        {
            ["id"] = instanceId,
            ["statusQueryGetUri"] = $"{instance}?{query}",
            ["sendEventPostUri"] = $"{instance}/raiseEvent/{{eventName}}?{query}",
            ["terminatePostUri"] = $"{instance}/terminate?reason={{text}}&{query}",
            ["purgeHistoryDeleteUri"] = $"{instance}?{query}",
            ["restartPostUri"] = $"{instance}/restart?{query}",
            ["suspendPostUri"] = $"{instance}/suspend?reason={{text}}&{query}",
            ["resumePostUri"] = $"{instance}/resume?reason={{text}}&{query}",
        };
    }

    /// <summary>202 while the orchestration is not finished; 200 when it is (500 for Failed when asked).</summary>
    public static int StatusCodeFor(OrchestrationStatus status, bool returnInternalServerErrorOnFailure) => status switch
    {
        OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.ContinuedAsNew or OrchestrationStatus.Suspended => 202,
        OrchestrationStatus.Failed when returnInternalServerErrorOnFailure => 500,
        _ => 200,
    };

    public static bool IsRunning(int statusCode) => statusCode == 202;

    /// <summary>The status body: name, instanceId, runtimeStatus, input, customStatus, output, times.</summary>
    public static JsonObject Body(OrchestrationState state, bool showInput)
    {
        var body = new JsonObject
        {
            ["name"] = state.Name,
            ["instanceId"] = state.OrchestrationInstance.InstanceId,
            ["runtimeStatus"] = RuntimeStatusName(state.OrchestrationStatus),
            ["input"] = showInput ? ParseJson(state.Input) : null,
            ["customStatus"] = ParseJson(state.Status),
            ["output"] = state.OrchestrationStatus == OrchestrationStatus.Failed && state.FailureDetails is { } failure
                ? JsonValue.Create($"{failure.ErrorType}: {failure.ErrorMessage}")
                : ParseJson(state.Output),
            ["createdTime"] = Iso(state.CreatedTime),
            ["lastUpdatedTime"] = Iso(state.LastUpdatedTime),
        };
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

    private static string RuntimeStatusName(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Canceled => "Canceled",
        _ => status.ToString(),
    };

    private static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ");

    private static JsonNode? ParseJson(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized))
            return null;
        try
        {
            return JsonNode.Parse(serialized);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(serialized); // Not JSON (a plain string status): pass it through as text.
        }
    }
}
