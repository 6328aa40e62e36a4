using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Azure.ResourceManager;

namespace Smoke;

/// <summary>
/// Data Factory's run operations (REST, api-version 2018-06-01) sent through the ARM client's own HTTP pipeline
/// (its credential, retries and logging), since the Data Factory management package is not used here:
/// Pipelines - Create Run, Pipeline Runs - Get, Activity Runs - Query By Pipeline Run, Pipeline Runs - Cancel
/// (learn.microsoft.com/rest/api/datafactory). An <see cref="ArmResource"/> is the SDK's way to reach that pipeline.
/// </summary>
public sealed class DataFactoryRuns(ArmClient client, ResourceIdentifier factoryId) : ArmResource(client, factoryId)
{
    public const string ApiVersion = "2018-06-01";

    public static ResourceIdentifier FactoryId(string subscriptionId, string resourceGroup, string factoryName) =>
        new($"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.DataFactory/factories/{factoryName}");

    /// <summary>POST .../pipelines/{pipelineName}/createRun with the parameter values as the body; returns the run id.</summary>
    public async Task<string> CreateRunAsync(string pipelineName, JsonObject parameters, CancellationToken cancellationToken)
    {
        var response = await SendAsync(RequestMethod.Post, $"/pipelines/{Uri.EscapeDataString(pipelineName)}/createRun", parameters, cancellationToken);
        return response?["runId"]?.GetValue<string>() ?? throw new InvalidOperationException($"createRun of '{pipelineName}' answered without a runId.");
    }

    /// <summary>GET .../pipelineruns/{runId}: the PipelineRun (status Queued, InProgress, Succeeded, Failed, Canceling, Cancelled).</summary>
    public async Task<JsonObject> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        await SendAsync(RequestMethod.Get, $"/pipelineruns/{Uri.EscapeDataString(runId)}", null, cancellationToken)
        ?? throw new InvalidOperationException($"Pipeline run '{runId}' answered with an empty body.");

    /// <summary>POST .../pipelineruns/{runId}/queryActivityruns over a lastUpdated window, following continuation tokens.</summary>
    public async Task<List<JsonObject>> QueryActivityRunsAsync(string runId, DateTimeOffset after, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var runs = new List<JsonObject>();
        string? continuation = null;
        do
        {
            var body = new JsonObject
            {
                ["lastUpdatedAfter"] = after.UtcDateTime.ToString("O"),
                ["lastUpdatedBefore"] = before.UtcDateTime.ToString("O"),
                ["continuationToken"] = continuation,
            };
            var page = await SendAsync(RequestMethod.Post, $"/pipelineruns/{Uri.EscapeDataString(runId)}/queryActivityruns", body, cancellationToken);
            runs.AddRange((page?["value"] as JsonArray ?? []).OfType<JsonObject>());
            continuation = page?["continuationToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(continuation));
        return runs;
    }

    /// <summary>POST .../pipelineruns/{runId}/cancel (isRecursive: child pipelines too).</summary>
    public async Task CancelAsync(string runId, CancellationToken cancellationToken) =>
        await SendAsync(RequestMethod.Post, $"/pipelineruns/{Uri.EscapeDataString(runId)}/cancel", null, cancellationToken, ("isRecursive", "true"));

    private async Task<JsonObject?> SendAsync(RequestMethod method, string path, JsonObject? body, CancellationToken cancellationToken, params (string Name, string Value)[] query)
    {
        using var message = Pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        var uri = new RequestUriBuilder();
        uri.Reset(Endpoint);
        uri.AppendPath(Id.ToString(), escape: false);
        uri.AppendPath(path, escape: false);
        uri.AppendQuery("api-version", ApiVersion, true);
        foreach (var (name, value) in query)
            uri.AppendQuery(name, value, true);
        request.Uri = uri;
        request.Headers.Add("Accept", "application/json");
        if (body is not null || method == RequestMethod.Post)
        {
            request.Headers.Add("Content-Type", "application/json");
            request.Content = RequestContent.Create(BinaryData.FromString((body ?? []).ToJsonString()));
        }
        await Pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.IsError)
            throw new RequestFailedException(response);
        var text = response.Content.ToString();
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
    }
}
