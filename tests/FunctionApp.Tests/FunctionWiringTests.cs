using System.Reflection;
using ExclusiveOperations.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionApp.Tests;

/// <summary>The adapter's classes are built by the worker from the app's services: every one must resolve.</summary>
public sealed class FunctionWiringTests
{
    private static readonly Type[] FunctionClasses = typeof(StarterFunction).Assembly.GetTypes()
        .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null)).ToArray();

    [Fact]
    public void Every_function_class_is_built_from_the_services_the_app_registers()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ExclusiveOperationsServices.StorageSetting] = "UseDevelopmentStorage=true",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddExclusiveOperations(configuration).BuildServiceProvider();

        Assert.Equal(["DurableFunctions", "RunStatusFunction", "StarterFunction"], FunctionClasses.Select(t => t.Name).Order());
        Assert.All(FunctionClasses, type => Assert.NotNull(ActivatorUtilities.CreateInstance(services, type)));
    }

    [Fact]
    public void The_lock_takes_its_queue_polling_from_the_host_json_published_with_the_app()
    {
        // host.json is copied beside the app's assembly (as in the package); the lock's timings derive from its polling.
        var hostJson = Path.Combine(Path.GetDirectoryName(typeof(StarterFunction).Assembly.Location)!, HostJson.FileName);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(HostJson.LockDefaults(hostJson)).Build();
        var options = configuration.GetSection(ExclusiveOperations.Locking.LockOptions.Section).Get<ExclusiveOperations.Locking.LockOptions>()!;

        Assert.Equal(HostJson.MaxQueuePollingInterval(hostJson), options.MaxQueuePollingInterval);
        Assert.NotEqual(HostJson.DefaultMaxQueuePollingInterval, options.MaxQueuePollingInterval); // host.json sets its own
        options.Validate();
    }

    [Fact]
    public void The_host_exports_through_OpenTelemetry_so_the_worker_s_spans_join_the_request_s_trace()
    {
        // docs/tracing.md: the Functions host continues the request's traceparent and exports with OpenTelemetry semantics.
        var hostJson = Path.Combine(Path.GetDirectoryName(typeof(StarterFunction).Assembly.Location)!, HostJson.FileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(hostJson))!;

        Assert.Equal("OpenTelemetry", json["telemetryMode"]!.GetValue<string>());
    }

    [Fact]
    public void Function_names_are_unique_across_the_app()
    {
        var names = FunctionClasses.SelectMany(t => t.GetMethods()).Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>().ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
