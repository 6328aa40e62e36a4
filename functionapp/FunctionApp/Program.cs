using Azure.Monitor.OpenTelemetry.Exporter;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
// Traces, metrics and logs through OpenTelemetry (docs/tracing.md): the worker's function invocations continue the trace
// the Functions host took from the request's traceparent (host.json: "telemetryMode": "OpenTelemetry"), and the app's own
// spans and metrics (ExclusiveOperations: the starter, the lock, the operation, the status polls) join it. Exported to
// Application Insights with the connection string of APPLICATIONINSIGHTS_CONNECTION_STRING (an app setting of the
// stack); without it (a local func start) nothing is exported.
var telemetry = builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddSource(AppTelemetry.SourceName))
    .WithMetrics(metrics => metrics.AddMeter(AppTelemetry.SourceName))
    .UseFunctionsWorkerDefaults();
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
    telemetry.UseAzureMonitorExporter();
// The lock's timings derive from the host's queue polling, which host.json sets: read from there, below every other
// source, so the two agree unless an app setting says otherwise on purpose.
((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = HostJson.LockDefaults(Path.Combine(AppContext.BaseDirectory, HostJson.FileName)),
});
builder.Services.AddExclusiveOperations(builder.Configuration);
builder.Build().Run();
