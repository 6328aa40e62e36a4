using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using LocalTooling;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ExclusiveOperations.Tests;

/// <summary>
/// The orchestrator and its activities on the in-process Durable Task test host, with the real storage lock in Azurite.
/// The host polls in well under 0.5 s and has one worker (no partitions to move), so a lifetime of a few seconds is
/// renewed in time (see LockTimings).
/// </summary>
internal static class InProcessOrchestrationHost
{
    public static LockTimings Timings(int lifetimeSeconds) =>
        LockTimings.For(TimeSpan.FromSeconds(0.5), TimeSpan.Zero, TimeSpan.FromSeconds(lifetimeSeconds));

    /// <param name="settings">More configuration, applied over the lock's.</param>
    /// <param name="services">More services (an operation's activity).</param>
    public static async Task<DurableTaskTestHost> StartAsync(
        AzuriteFixture azurite, string lockContainer, int lifetimeSeconds, IEnumerable<IExclusiveOperation> operations,
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?>
        {
            [ExclusiveOperationsServices.StorageSetting] = azurite.Server.ConnectionString,
            [$"{LockOptions.Section}:Container"] = lockContainer,
            [$"{LockOptions.Section}:TimeToLive"] = TimeSpan.FromSeconds(lifetimeSeconds).ToString(),
            [$"{LockOptions.Section}:MaxQueuePollingInterval"] = TimeSpan.FromSeconds(0.5).ToString(),
            [$"{LockOptions.Section}:PartitionLeaseInterval"] = TimeSpan.Zero.ToString(),
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
            values[name] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var orchestrator = new ExclusiveOperationOrchestrator(new OperationCatalog(operations));
        // The test host's gRPC sidecar takes a random port in 30000-40000 unless told one, unchecked: with the test
        // classes and projects running in parallel it met taken ports. A port the system says is free, and another
        // one if it was taken before the host bound it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(
                    registry => registry.AddExclusiveOperationFunctions(orchestrator),
                    new DurableTaskTestHostOptions
                    {
                        Port = LocalProcesses.FreePort(),
                        ConfigureServices = collection =>
                        {
                            collection.AddExclusiveOperations(configuration);
                            services?.Invoke(collection);
                        },
                    });
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }
}
