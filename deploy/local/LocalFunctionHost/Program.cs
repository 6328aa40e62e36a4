using System.Diagnostics;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Orchestration;
using ExclusiveOperations.Starter;
using ExclusiveOperations.Status;
using ExclusiveOperations.Telemetry;
using LocalDataFactory;
using LocalFunctionHost;
using LocalTooling;
using LocalTooling.Tracing;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

// Settings (appsettings.json) live beside the program, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// Not appsettings.json: programs that reference this one (tests) would pick that name up as their own.
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
{
    Path = "localhost.settings.json",
    Optional = false,
    ReloadOnChange = false,
});
LocalHostProfiles.Apply(builder.Configuration);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://127.0.0.1:7071"); // the Functions host's usual local port
var hostOptions = builder.Configuration.GetSection(LocalHostOptions.Section).Get<LocalHostOptions>() ?? new LocalHostOptions();

AzuriteServer? azurite = null;
if (hostOptions.StartAzurite)
{
    azurite = await AzuriteServer.StartAsync(Path.GetFullPath(hostOptions.AzuriteLocation), AzuriteServer.DefaultPortsIfFree());
    builder.Configuration[ExclusiveOperationsServices.StorageSetting] = azurite.ConnectionString;
}
var connectionString = builder.Configuration[ExclusiveOperationsServices.StorageSetting];
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine(
        $"No storage configured. Set {ExclusiveOperationsServices.StorageSetting} to a connection string " +
        "(e.g. UseDevelopmentStorage=true with Azurite running), or pass --LocalHost:StartAzurite=true.");
    return 2;
}

// --trace (LocalHost:Trace): the Aspire dashboard as the OTLP viewer, started first and stopped last.
AspireDashboard? dashboard = null;
if (hostOptions.Trace)
{
    dashboard = await AspireDashboard.StartAsync(Directory.GetCurrentDirectory());
    Environment.SetEnvironmentVariable(LocalTelemetry.OtlpEndpointVariable, dashboard.OtlpGrpcUrl.ToString());
    Console.WriteLine($"Aspire dashboard (traces, metrics): {dashboard.FrontendUrl}");
}

// The app's spans and metrics: to LocalHost:TraceFile (./build.sh local merges it into traces.json) and over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (--trace); neither: nothing listens (docs/tracing.md).
using var telemetry = LocalTelemetry.Start("exclusive-operations", [AppTelemetry.SourceName], hostOptions.TraceFile is { Length: > 0 } file ? Path.GetFullPath(file) : null);

var keys = new KeyCheck(KeyCheck.Resolve(hostOptions));
builder.Services.AddSingleton(keys);
builder.Services.Configure<LocalHostOptions>(builder.Configuration.GetSection(LocalHostOptions.Section));
builder.Services.AddSingleton<ILockHandover>(sp => sp.GetRequiredService<DurableTaskBackend>());
// This host writes the runs' state itself, so its held status polls can be told of each commit.
builder.Services.AddSingleton(new RunCommits(announced: hostOptions.AnnounceCommits));
builder.Services.AddExclusiveOperations(builder.Configuration);
builder.Services.AddSingleton(new StorageConnection(connectionString));
builder.Services.AddSingleton<DurableTaskBackend>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<DurableTaskBackend>());

var app = builder.Build();
app.MapLocalResourceManager(keys.Keys); // LocalDataFactory: Data Factory's run API and the starter's listkeys, in ARM's shape
var taskHub = hostOptions.TaskHubName;

app.MapPost("/api/operations/{operation}", async (string operation, HttpRequest request, OperationStarter starter, DurableTaskBackend backend,
    IStatusTokens tokens, CancellationToken cancellationToken) =>
{
    // The HTTP server span, continuing the caller's traceparent (a request without one starts a trace of its own).
    Activity.Current = null;
    using var span = AppTelemetry.Source.StartActivity("POST /api/operations/{operation}", ActivityKind.Server,
        AppTelemetry.ParentOf(request.Headers.TraceParent.FirstOrDefault()),
        [new("http.request.method", "POST"), new("http.route", "/api/operations/{operation}"), new(AppTelemetry.Operation, operation)]);
    if (!keys.AllowsStarter(request))
    {
        span?.SetTag("http.response.status_code", 401);
        return Results.Unauthorized();
    }
    var result = await starter.StartAsync(operation, request.Body,
        new StartQuery(request.Query[StartRequestParser.LockKeyProperty], request.Query[StartRequestParser.CallerIdProperty],
            request.Query[StartRequestParser.RequestIdProperty], request.Query[StartRequestParser.ModeProperty],
            request.Query[StartRequestParser.QueueTimeoutProperty]), backend, cancellationToken);
    if (result is OperationStarter.Result.Refused refused)
    {
        span?.SetTag("http.response.status_code", refused.Error.StatusCode);
        return Results.Json(refused.Error.Body, statusCode: refused.Error.StatusCode);
    }
    span?.SetTag("http.response.status_code", 202);

    var instanceId = ((OperationStarter.Result.Started)result).InstanceId;
    var statusUrl = RunStatusUrl.For(BaseUrl(request), instanceId, await tokens.ForAsync(instanceId, cancellationToken));
    request.HttpContext.Response.Headers.Location = statusUrl;
    return Results.Json(RunStatusUrl.CheckStatusBody(instanceId, statusUrl), statusCode: StatusCodes.Status202Accepted);
});

// The runs' own status URLs, as the Function App's GetRunStatus serves them: no key, the URL's token is the credential.
app.MapGet(RunStatusUrl.PathPrefix + "{instanceId}", async (
    string instanceId, HttpRequest request, RunStatus status, DurableTaskBackend backend, CancellationToken cancellationToken) =>
{
    var answer = await status.AnswerAsync(
        new RunStatusQuery(BaseUrl(request), instanceId, request.Query[StatusToken.QueryParameter].FirstOrDefault(),
            bool.TryParse(request.Query[RunStatus.ParameterName].FirstOrDefault(), out var asked) && asked),
        backend, cancellationToken);
    if (answer.Location is { } location)
        request.HttpContext.Response.Headers.Location = location;
    if (answer.RetryAfterSeconds is { } seconds)
        request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    return Results.Json(answer.Body, statusCode: answer.StatusCode);
});

app.MapGet(StatusResponse.InstancesPath + "/{instanceId}", async (
    string instanceId, HttpRequest request, DurableTaskBackend backend, IOptions<LocalHostOptions> options,
    bool? showInput, bool? returnInternalServerErrorOnFailure) =>
{
    if (!keys.AllowsStatus(request))
        return Results.Unauthorized();
    var state = await backend.Client.GetOrchestrationStateAsync(instanceId);
    if (state is null)
        return Results.Json(new { error = "instance not found", detail = $"No orchestration instance has the id '{instanceId}'." }, statusCode: 404);

    var statusCode = StatusResponse.StatusCodeFor(state.OrchestrationStatus, returnInternalServerErrorOnFailure ?? false);
    if (StatusResponse.IsRunning(statusCode))
    {
        request.HttpContext.Response.Headers.Location = request.GetEncodedUrl();
        request.HttpContext.Response.Headers.RetryAfter = options.Value.StatusRetryAfterSeconds.ToString();
    }
    return Results.Json(StatusResponse.Body(state, showInput ?? true), statusCode: statusCode);
});

app.MapPost(StatusResponse.InstancesPath + "/{instanceId}/terminate", async (string instanceId, string? reason, HttpRequest request, DurableTaskBackend backend) =>
{
    if (!keys.AllowsStatus(request))
        return Results.Unauthorized();
    var state = await backend.Client.GetOrchestrationStateAsync(instanceId);
    if (state is null)
        return Results.Json(new { error = "instance not found", detail = $"No orchestration instance has the id '{instanceId}'." }, statusCode: 404);
    if (StatusResponse.StatusCodeFor(state.OrchestrationStatus, false) != 202)
        return Results.Json(new { error = "instance not running", detail = $"Instance '{instanceId}' is {state.OrchestrationStatus}." }, statusCode: 410);
    await backend.Client.TerminateInstanceAsync(state.OrchestrationInstance, reason ?? "terminated through the local host");
    return Results.Accepted();
});

// The built-in API's other management operations (raiseEvent, suspend, ...) are not served locally; say so instead of a bare 404.
app.MapMethods(StatusResponse.InstancesPath + "/{instanceId}/{action}", ["POST"], (string instanceId, string action) =>
    Results.Json(new { error = "not supported locally", detail = $"The local host serves status and terminate; '{action}' is not implemented." }, statusCode: 501));

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"Local function host ready on {string.Join(", ", app.Urls)} (task hub '{taskHub}', {LockTimingsText(app.Services)}, " +
        (azurite is null ? "storage from AzureWebJobsStorage" : $"Azurite on 127.0.0.1:{azurite.BlobPort}/{azurite.QueuePort}/{azurite.TablePort}, data in {azurite.Location}") + ")"));

// Scheme, host and port of the request, as the Durable extension's CreateCheckStatusResponseAsync takes them.
static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";

static string LockTimingsText(IServiceProvider services)
{
    var timings = services.GetRequiredService<ExclusiveOperations.Locking.LockOptions>().Timings;
    return $"lock lifetime {timings.Lifetime.TotalSeconds:0.###} s, renewed every {timings.RenewEvery.TotalSeconds:0.###} s";
}

try
{
    await app.RunAsync();
}
finally
{
    if (azurite is not null)
        await azurite.DisposeAsync();
    if (dashboard is not null)
    {
        telemetry.Dispose();
        await dashboard.DisposeAsync();
        Console.WriteLine("Stopped the Aspire dashboard.");
    }
}
return 0;
