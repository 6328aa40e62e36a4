using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Orchestration;
using ExclusiveOperations.Starter;
using ExclusiveOperations.Status;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Options;

namespace LocalFunctionHost;

/// <summary>
/// The Durable Task Framework with its Azure Storage backend (queues, tables and blobs in Azurite, as
/// Azure Functions keeps them in the app's storage account). The Function App's class-based orchestrator
/// and activities run through the SDK's public shims, under the same names as in the Functions app.
/// State lives in storage, so a restarted host resumes every orchestration, and several hosts can share
/// one task hub.
/// </summary>
public sealed class DurableTaskBackend : IHostedService, IOrchestrationScheduler, IRunInstanceReader, ILockHandover
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubWorker _worker;
    private readonly ILogger _logger;

    public DurableTaskBackend(IServiceProvider services, StorageConnection storage, IOptions<LocalHostOptions> options, RunCommits commits, ILoggerFactory loggerFactory)
    {
        var settings = options.Value;
        _logger = loggerFactory.CreateLogger<DurableTaskBackend>();
        _service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(storage.ConnectionString),
            TaskHubName = settings.TaskHubName,
            MaxQueuePollingInterval = settings.MaxQueuePollingInterval,
            LeaseInterval = settings.PartitionLeaseInterval,
            LeaseRenewInterval = settings.PartitionLeaseInterval / 3,
            LeaseAcquireInterval = settings.PartitionLeaseInterval / 3,
            ControlQueueVisibilityTimeout = settings.MessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = settings.MessageVisibilityTimeout,
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}",
            LoggerFactory = loggerFactory,
        });

        var shims = new DurableTaskShimFactory(new Microsoft.DurableTask.Worker.DurableTaskWorkerOptions(), loggerFactory);
        _worker = new TaskHubWorker(new CommitAnnouncingService(_service, commits), loggerFactory);
        _worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(FunctionNames.Orchestrator,
            () => shims.CreateOrchestration(FunctionNames.Orchestrator, services.GetRequiredService<ExclusiveOperationOrchestrator>())));
        foreach (var (name, type) in FunctionNames.Activities)
        {
            _worker.AddTaskActivities(new Creator<TaskActivity>(name,
                () => shims.CreateActivity(name, (ITaskActivity)services.GetRequiredService(type))));
        }

        // Inputs and outputs go through the SDK's System.Text.Json converter, exactly as in the Functions worker.
        Client = new TaskHubClient(_service, new SdkDataConverter(JsonDataConverter.Default), loggerFactory);
    }

    public TaskHubClient Client { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _service.CreateIfNotExistsAsync();
        await _worker.StartAsync();
    }

    /// <summary>
    /// Stops taking work and gives up partition leases, so another host takes over at once. Bounded: if storage
    /// is already gone, the framework would retry forever; state is durable, so nothing is lost by giving up.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _worker.StopAsync(isForced: true).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("The Durable Task worker did not stop within 10 s (is storage still up?); exiting anyway.");
        }
    }

    /// <summary>Every status is a dedupe status: an instance id that exists in any state is never started again.</summary>
    private static readonly OrchestrationStatus[] AnyStatus = Enum.GetValues<OrchestrationStatus>();

    public async Task ScheduleIfNewAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Client.CreateOrchestrationInstanceAsync(orchestratorName, version: "", instanceId, request, tags: null, dedupeStatuses: AnyStatus);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Started by an earlier request with the same id: the caller gets that instance.
        }
    }

    /// <summary>The release activity's Durable client, as in the Function App: the event goes straight to the next holder.</summary>
    public async Task<bool> TellAsync(LockHolder next, CancellationToken cancellationToken)
    {
        await Client.RaiseEventAsync(new OrchestrationInstance { InstanceId = next.HolderId }, FunctionNames.LockGrantedEvent, next);
        return true;
    }

    public async Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var state = await Client.GetOrchestrationStateAsync(instanceId);
        return state is null ? null : StatusResponse.Instance(state);
    }

    /// <summary>A new shim per work item: orchestration shims keep per-execution state.</summary>
    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = "";
            _create = create;
        }

        public override T Create() => _create();
    }
}

/// <summary>Lets the framework's client serialize with the SDK's converter (the shims' own adapter is internal).</summary>
internal sealed class SdkDataConverter(DataConverter converter) : DurableTask.Core.Serializing.DataConverter
{
    public override string? Serialize(object value) => converter.Serialize(value);

    public override string? Serialize(object value, bool formatted) => converter.Serialize(value);

    public override object? Deserialize(string data, Type objectType) => converter.Deserialize(data, objectType);
}

/// <summary>The storage the host uses: the configured <c>AzureWebJobsStorage</c> or a private Azurite's.</summary>
public sealed record StorageConnection(string ConnectionString);
