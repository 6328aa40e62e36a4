using Azure.Storage.Blobs;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using ExclusiveOperations.Starter;
using ExclusiveOperations.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ExclusiveOperations.Hosting;

public static class ExclusiveOperationsServices
{
    /// <summary>The Functions host's storage setting; the lock lives in the app's own storage account.</summary>
    public const string StorageSetting = HostStorageConnection.Setting;

    /// <summary>
    /// Registers the lock, the starter logic, the status endpoint's logic, the orchestrator, the activities and the built-in
    /// operations (<c>wait</c>, <c>compact</c>, <c>append</c>). Both hosts call this, so they run the same code.
    /// </summary>
    public static IServiceCollection AddExclusiveOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LockOptions>().Bind(configuration.GetSection(LockOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => CreateBlobServiceClient(configuration));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LockOptions>>().Value;
            options.Validate();
            return options;
        });
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<QueueOptions>>().Value;
            options.Validate();
            return options;
        });
        services.TryAddSingleton(sp => new RunPolls(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<LockOptions>().Container)));
        services.TryAddSingleton(sp => new StorageLock(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<LockOptions>().Container),
            sp.GetRequiredService<LockOptions>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<StorageLock>>(),
            sp.GetRequiredService<QueueOptions>(),
            sp.GetRequiredService<RunPolls>()));

        services.AddOptions<DataContainers>().Bind(configuration.GetSection(DataContainers.Section));
        services.TryAddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<IOptions<DataContainers>>().Value;
            containers.Validate(sp.GetRequiredService<LockOptions>());
            return containers;
        });

        services.AddExclusiveOperation<WaitOperation>();
        services.AddExclusiveOperation<CompactOperation>();
        services.AddExclusiveOperation<AppendOperation>();
        services.TryAddSingleton<OperationCatalog>();
        services.TryAddSingleton<StartRequestParser>();
        services.TryAddSingleton<OperationStarter>();

        services.AddOptions<RunStatusOptions>().Bind(configuration.GetSection(RunStatusOptions.Section));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RunStatusOptions>>().Value;
            options.Validate();
            return options;
        });
        // Conflict mode records nothing per poll; a mode that does (queue) registers its own hook in place of this one.
        services.TryAddSingleton<IRunPollHook, QueuePollHook>();
        services.TryAddSingleton<IStatusTokens>(sp => new StatusTokenKey(
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<LockOptions>().Container)));
        // A host that commits the runs' state itself registers RunCommits(announced: true) first.
        services.TryAddSingleton(new RunCommits(announced: false));
        services.TryAddSingleton<RunStatus>();

        services.TryAddSingleton<ExclusiveOperationOrchestrator>();
        services.TryAddSingleton<TryAcquireLockActivity>();
        services.TryAddSingleton<RenewLockActivity>();
        services.TryAddSingleton<ILockHandover, OrchestrationSendsHandover>();
        services.TryAddSingleton<ReleaseLockActivity>();
        services.TryAddSingleton<JoinQueueActivity>();
        services.TryAddSingleton<CheckTurnActivity>();
        services.TryAddSingleton<CompactBlobsActivity>();
        services.TryAddSingleton<AppendEntriesActivity>();
        services.TryAddSingleton<WaitRemainderActivity>();
        return services;
    }

    /// <summary>Adds a pluggable operation; its name becomes a starter route.</summary>
    public static IServiceCollection AddExclusiveOperation<T>(this IServiceCollection services) where T : class, IExclusiveOperation
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExclusiveOperation, T>());
        return services;
    }

    /// <summary>The lock's blob client, from the host's storage setting (see <see cref="HostStorageConnection"/>).</summary>
    public static BlobServiceClient CreateBlobServiceClient(IConfiguration configuration) =>
        HostStorageConnection.From(configuration).CreateBlobServiceClient();
}
