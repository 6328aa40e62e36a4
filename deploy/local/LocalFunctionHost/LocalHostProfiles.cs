using System.Globalization;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;
using Microsoft.Extensions.Configuration.Memory;

namespace LocalFunctionHost;

/// <summary>
/// Named timing profiles of the local host (<c>--LocalHost:Profile=azure</c>): a set of defaults that any explicit
/// setting still overrides. <c>fast</c> (the default) polls twice a second so local runs and tests are quick;
/// <c>azure</c> uses the timings this Function App has in Azure (Azure's defaults and what its host.json sets), so the
/// lock is tried against the delays it meets in the cloud.
/// </summary>
public static class LocalHostProfiles
{
    public const string Setting = LocalHostOptions.Section + ":Profile";

    /// <summary>The Function App's host.json, copied beside the host (LocalFunctionHost.csproj).</summary>
    public static string AppHostJson => Path.Combine(AppContext.BaseDirectory, "functionapp.host.json");

    /// <summary>
    /// What an Azure Functions app has: its host.json's maxQueuePollingInterval (Azure's default 30 s when it sets none),
    /// control/work-item queue visibility timeouts of 5 min (learn.microsoft.com, durable-functions-host-json-settings),
    /// and the Durable Task Framework's partition lease interval of 30 s (AzureStorageOrchestrationServiceSettings.LeaseInterval).
    /// </summary>
    private static Dictionary<string, string?> Azure()
    {
        var polling = HostJson.MaxQueuePollingInterval(AppHostJson)
            ?? throw new InvalidOperationException($"The azure profile reads the Function App's host.json, which is not at {AppHostJson}: rebuild LocalFunctionHost.");
        return new()
        {
            [$"{LocalHostOptions.Section}:MaxQueuePollingInterval"] = polling.ToString("c", CultureInfo.InvariantCulture),
            [$"{LocalHostOptions.Section}:PartitionLeaseInterval"] = "00:00:30",
            [$"{LocalHostOptions.Section}:MessageVisibilityTimeout"] = "00:05:00",
        };
    }

    /// <summary>
    /// Puts the chosen profile's values below every explicit source (settings file excepted), and makes the lock's
    /// <c>MaxQueuePollingInterval</c> and <c>PartitionLeaseInterval</c> follow the host's, as host.json and the app
    /// settings must agree in Azure.
    /// </summary>
    public static void Apply(ConfigurationManager configuration)
    {
        var profile = configuration[Setting];
        var values = profile switch
        {
            null or "" or "fast" => new Dictionary<string, string?>(),
            "azure" => Azure(),
            _ => throw new InvalidOperationException($"{Setting} '{profile}' is not a profile; use 'fast' (the default) or 'azure'."),
        };
        var defaults = new LocalHostOptions();
        foreach (var (name, fallback) in new[]
        {
            (nameof(LocalHostOptions.MaxQueuePollingInterval), defaults.MaxQueuePollingInterval),
            (nameof(LocalHostOptions.PartitionLeaseInterval), defaults.PartitionLeaseInterval),
        })
        {
            values[$"{LockOptions.Section}:{name}"] = configuration[$"{LocalHostOptions.Section}:{name}"]
                ?? values.GetValueOrDefault($"{LocalHostOptions.Section}:{name}")
                ?? fallback.ToString();
        }
        // Index 1: above localhost.settings.json (index 0), below the environment and the command line.
        ((IConfigurationBuilder)configuration).Sources.Insert(1, new MemoryConfigurationSource { InitialData = values });
    }
}
