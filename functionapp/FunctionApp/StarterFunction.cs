using System.Net;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Starter;
using ExclusiveOperations.Status;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionApp;

/// <summary>
/// <c>POST /api/operations/{operation}</c>: 202 + <c>Location</c> (the run's own status URL, <see cref="RunStatusFunction"/>),
/// or 400/404 with <c>{ error, detail }</c>.
/// </summary>
public sealed class StarterFunction(OperationStarter starter, IStatusTokens tokens)
{
    [Function("StartOperation")]
    public async Task<HttpResponseData> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "operations/{operation}")] HttpRequestData request,
        string operation,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var result = await starter.StartAsync(operation, request.Body,
            new StartQuery(request.Query[StartRequestParser.LockKeyProperty], request.Query[StartRequestParser.CallerIdProperty],
                request.Query[StartRequestParser.RequestIdProperty], request.Query[StartRequestParser.ModeProperty],
                request.Query[StartRequestParser.QueueTimeoutProperty]),
            new Scheduler(client), cancellationToken);
        if (result is OperationStarter.Result.Refused refused)
        {
            var response = request.CreateResponse((HttpStatusCode)refused.Error.StatusCode);
            await response.WriteAsJsonAsync(refused.Error.Body, cancellationToken);
            response.StatusCode = (HttpStatusCode)refused.Error.StatusCode; // WriteAsJsonAsync resets it to 200.
            return response;
        }
        var instanceId = ((OperationStarter.Result.Started)result).InstanceId;
        // The base URL as the Durable extension's CreateCheckStatusResponseAsync takes it: the request's scheme, host and port.
        var statusUrl = RunStatusUrl.For(request.Url.GetLeftPart(UriPartial.Authority), instanceId, await tokens.ForAsync(instanceId, cancellationToken));
        var accepted = request.CreateResponse(HttpStatusCode.Accepted);
        accepted.Headers.Add("Location", statusUrl);
        accepted.Headers.Add("Content-Type", "application/json; charset=utf-8");
        await accepted.WriteStringAsync(RunStatusUrl.CheckStatusBody(instanceId, statusUrl).ToJsonString(), cancellationToken);
        return accepted;
    }

    private sealed class Scheduler(DurableTaskClient client) : IOrchestrationScheduler
    {
        /// <summary>
        /// Looks first: the extension would replace a finished instance of the same id (overridableExistingInstanceStates),
        /// running the operation again. Two POSTs at once both find none; the second start then fails on the pending
        /// instance, which counts as existing.
        /// </summary>
        public async Task ScheduleIfNewAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken)
        {
            if (await client.GetInstanceAsync(instanceId, cancellationToken) is not null)
                return;
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    new TaskName(orchestratorName), request, new StartOrchestrationOptions(instanceId), cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (await client.GetInstanceAsync(instanceId, cancellationToken) is null)
                    throw;
            }
        }
    }
}
