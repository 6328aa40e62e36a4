using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalDataFactory;

/// <summary>
/// Data Factory's REST operations in ARM's shape and api-version (2018-06-01), served by the local host so that
/// tools written for Azure (the smoke tool) run unchanged against the local environment:
/// <c>pipelines/{name}/createRun</c>, <c>pipelineruns/{runId}</c>, <c>pipelineruns/{runId}/queryActivityruns</c>,
/// <c>pipelineruns/{runId}/cancel</c> under <c>/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{factory}</c>
/// (learn.microsoft.com/rest/api/datafactory).
/// </summary>
public static class DataFactoryEndpoints
{
    public const string ApiVersion = "2018-06-01";
    public const string FactoryRoute = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataFactory/factories/{factoryName}";

    public static void Map(WebApplication app, ArmRequestCheck check, FactoryRuns factory)
    {
        var options = factory.Options;
        var group = app.MapGroup(FactoryRoute);
        group.AddEndpointFilter(async (context, next) =>
            check.Refusal(context.HttpContext, ApiVersion, "factoryName", options.FactoryName, "Microsoft.DataFactory/factories") ?? await next(context));

        group.MapPost("/pipelines/{pipelineName}/createRun", async (string pipelineName, HttpRequest request) =>
        {
            JsonObject values;
            try
            {
                values = request.ContentLength is 0 ? [] : await JsonSerializer.DeserializeAsync<JsonNode>(request.Body) switch
                {
                    JsonObject o => o,
                    null => [],
                    var other => throw new JsonException($"The body must be a JSON object of parameter values, not {other.GetValueKind()}."),
                };
            }
            catch (JsonException e)
            {
                return ArmError.Result(400, "BadRequest", $"The createRun body is not a JSON object of parameter values: {e.Message}");
            }
            return factory.Start(pipelineName, values.ToDictionary(p => p.Key, p => p.Value)) switch
            {
                FactoryRuns.StartResult.Started started => Results.Json(new { runId = started.RunId }),
                FactoryRuns.StartResult.PipelineMissing missing => ArmError.Result(404, "PipelineNotFound", missing.Message),
                FactoryRuns.StartResult.InvalidParameters invalid => ArmError.Result(400, "BadRequest", invalid.Message),
                // The factory's own definition is broken, not the request: the service's fault, as ARM would say.
                FactoryRuns.StartResult.PipelineInvalid broken => ArmError.Result(500, "InternalServerError", broken.Message),
                _ => throw new InvalidOperationException("unreachable"),
            };
        });

        group.MapGet("/pipelineruns/{runId}", (string runId) =>
            factory.Find(runId) is { } run ? Results.Json(ArmShapes.PipelineRun(run, DateTimeOffset.UtcNow)) : RunNotFound(runId, options));

        group.MapPost("/pipelineruns/{runId}/queryActivityruns", async (string runId, HttpRequest request) =>
        {
            if (factory.Find(runId) is not { } run)
                return RunNotFound(runId, options);
            JsonNode? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<JsonNode>(request.Body);
            }
            catch (JsonException e)
            {
                return ArmError.Result(400, "BadRequest", $"The query body is not JSON: {e.Message}");
            }
            if (ActivityRunQuery.Parse(body) is not { } query)
                return ArmError.Result(400, "BadRequest",
                    "The query needs 'lastUpdatedAfter' and 'lastUpdatedBefore' (ISO 8601 times); 'filters' take operand ActivityName, ActivityType or Status " +
                    "with operator Equals, NotEquals, In or NotIn.");
            var value = new JsonArray();
            foreach (var activity in run.ActivityRuns().Where(query.Matches).OrderBy(a => a.ActivityRunStart))
                value.Add(ArmShapes.ActivityRun(run, activity));
            return Results.Json(new JsonObject { ["value"] = value, ["continuationToken"] = null });
        });

        group.MapPost("/pipelineruns/{runId}/cancel", (string runId) =>
        {
            if (factory.Find(runId) is not { } run)
                return RunNotFound(runId, options);
            // A run that already ended stays as it is; cancelling it again is not an error.
            run.Cancel();
            return Results.Ok();
        });
    }

    private static IResult RunNotFound(string runId, LocalDataFactoryOptions options) =>
        ArmError.Result(404, "PipelineRunNotFound", $"Pipeline run '{runId}' does not exist in factory '{options.FactoryName}'.");
}
