using System.Net;
using ExclusiveOperations.Status;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;

namespace FunctionApp;

/// <summary><c>GET /api/runs/{instanceId}?token=...</c>: the run's own status URL, the Location the starter answers.</summary>
public sealed class RunStatusFunction(RunStatus status)
{
    public const string Name = "GetRunStatus";

    /// <summary>
    /// Anonymous to the Functions host: the URL's token is the credential (per instance, checked by <see cref="RunStatus"/>),
    /// as Azure's own status URLs carry theirs, because a poller sends no headers. The caller's function key is never
    /// put in a status URL.
    /// </summary>
    [Function(Name)]
    public async Task<HttpResponseData> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RunStatusUrl.Route)] HttpRequestData request,
        string instanceId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var answer = await status.AnswerAsync(
            new RunStatusQuery(request.Url.GetLeftPart(UriPartial.Authority), instanceId, request.Query[StatusToken.QueryParameter],
                bool.TryParse(request.Query[RunStatus.ParameterName], out var asked) && asked),
            new Instances(client), cancellationToken);

        var response = request.CreateResponse((HttpStatusCode)answer.StatusCode);
        if (answer.Location is { } location)
            response.Headers.Add("Location", location);
        if (answer.RetryAfterSeconds is { } seconds)
            response.Headers.Add("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        response.Headers.Add("Content-Type", "application/json; charset=utf-8");
        await response.WriteStringAsync(answer.Body.ToJsonString(), cancellationToken);
        return response;
    }

    private sealed class Instances(DurableTaskClient client) : IRunInstanceReader
    {
        public async Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
        {
            var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
            return metadata is null ? null : new RunInstance(
                metadata.Name, metadata.InstanceId, metadata.RuntimeStatus.ToString(),
                metadata.SerializedInput, metadata.SerializedCustomStatus, metadata.SerializedOutput,
                metadata.FailureDetails is { } failure ? new RunFailure(failure.ErrorType, failure.ErrorMessage) : null,
                metadata.CreatedAt, metadata.LastUpdatedAt);
        }
    }
}
