using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.LocalHost.Management;

// In the host's namespace, so that Program.cs maps it with one call and no using.
namespace ExclusiveOperations.LocalHost;

/// <summary>
/// Data Factory's REST operations in ARM's shape and api-version (2018-06-01), served by the local host so that
/// tools written for Azure (the smoke tool) run unchanged against the local environment:
/// <c>pipelines/{name}/createRun</c>, <c>pipelineruns/{runId}</c>, <c>pipelineruns/{runId}/queryActivityruns</c>,
/// <c>pipelineruns/{runId}/cancel</c> under <c>/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{factory}</c>.
/// Every request needs <c>Authorization: Bearer {LocalHost:ManagementToken}</c> (401 otherwise, like ARM).
/// </summary>
public static class DataFactoryManagementEndpoints
{
    public const string ApiVersion = "2018-06-01";
    public const string FactoryRoute = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataFactory/factories/{factoryName}";

    /// <summary>Maps the routes; the factory's runs stop when the host stops.</summary>
    public static RouteGroupBuilder MapDataFactoryManagement(this WebApplication app)
    {
        var options = app.Configuration.GetSection(LocalDataFactoryOptions.Section).Get<LocalDataFactoryOptions>() ?? new LocalDataFactoryOptions();
        var token = app.Configuration[LocalDataFactoryOptions.TokenSetting];
        var factory = new LocalDataFactory(options, token, TimeProvider.System);
        app.Lifetime.ApplicationStopping.Register(factory.Dispose);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DataFactoryManagementEndpoints));
        if (!factory.Folder.Exists)
            logger.LogWarning("Local Data Factory: no pipeline folder at {Folder}; createRun will answer 404 (set LocalHost:DataFactory:PipelineFolder).", factory.Folder.FullName);
        if (string.IsNullOrEmpty(token))
            logger.LogInformation("Local Data Factory: no {Setting} configured; its management routes answer 401.", LocalDataFactoryOptions.TokenSetting);

        var group = app.MapGroup(FactoryRoute);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (Refusal(http, token, options) is { } refused)
                return refused;
            return await next(context);
        });

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
                LocalDataFactory.StartResult.Started started => Results.Json(new { runId = started.RunId }),
                LocalDataFactory.StartResult.PipelineMissing missing => ArmError.Result(404, "PipelineNotFound", missing.Message),
                LocalDataFactory.StartResult.InvalidParameters invalid => ArmError.Result(400, "BadRequest", invalid.Message),
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
        return group;
    }

    private static IResult RunNotFound(string runId, LocalDataFactoryOptions options) =>
        ArmError.Result(404, "PipelineRunNotFound", $"Pipeline run '{runId}' does not exist in factory '{options.FactoryName}'.");

    /// <summary>ARM's checks, in its order: the bearer token, the api-version, then the resource.</summary>
    private static IResult? Refusal(HttpContext http, string? token, LocalDataFactoryOptions options)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(token) || !authorization.StartsWith("Bearer ", StringComparison.Ordinal) ||
            !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(authorization["Bearer ".Length..]), System.Text.Encoding.UTF8.GetBytes(token)))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return ArmError.Result(401, string.IsNullOrEmpty(authorization) ? "AuthenticationFailed" : "InvalidAuthenticationToken",
                string.IsNullOrEmpty(authorization)
                    ? "Authentication failed. The 'Authorization' header is missing."
                    : $"The access token is invalid (the local host accepts only its {LocalDataFactoryOptions.TokenSetting}).");
        }
        var apiVersion = http.Request.Query["api-version"].ToString();
        if (string.IsNullOrEmpty(apiVersion))
            return ArmError.Result(400, "MissingApiVersionParameter", $"The api-version query parameter (?api-version=) is required for all requests. Supported: {ApiVersion}.");
        if (apiVersion != ApiVersion)
            return ArmError.Result(400, "InvalidApiVersionParameter", $"The api-version '{apiVersion}' is invalid. The supported version is '{ApiVersion}'.");
        var route = http.Request.RouteValues;
        bool Is(string key, string expected) => string.Equals(route[key]?.ToString(), expected, StringComparison.OrdinalIgnoreCase);
        if (!Is("subscriptionId", options.SubscriptionId) || !Is("resourceGroupName", options.ResourceGroup) || !Is("factoryName", options.FactoryName))
            return ArmError.Result(404, "ResourceNotFound",
                $"The Resource 'Microsoft.DataFactory/factories/{route["factoryName"]}' under resource group '{route["resourceGroupName"]}' was not found. " +
                $"The local factory is /subscriptions/{options.SubscriptionId}/resourceGroups/{options.ResourceGroup}/providers/Microsoft.DataFactory/factories/{options.FactoryName}.");
        return null;
    }
}
