using ExclusiveOperations.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);
// The worker's own logs (the lock's acquire, conflict, takeover and release lines with their properties) go to
// Application Insights directly, with the connection string of APPLICATIONINSIGHTS_CONNECTION_STRING.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
// The Application Insights logger provider comes with a rule that keeps only warnings; the lock logs at Information.
// (learn.microsoft.com, dotnet-isolated-process-guide, "Application Insights")
builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
{
    var defaultRule = options.Rules.FirstOrDefault(rule =>
        rule.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
    if (defaultRule is not null)
        options.Rules.Remove(defaultRule);
});
// The lock's timings derive from the host's queue polling, which host.json sets: read from there, below every other
// source, so the two agree unless an app setting says otherwise on purpose.
((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = HostJson.LockDefaults(Path.Combine(AppContext.BaseDirectory, HostJson.FileName)),
});
builder.Services.AddExclusiveOperations(builder.Configuration);
builder.Build().Run();
