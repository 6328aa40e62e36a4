using Azure.Storage.Blobs;
using LocalTooling;

namespace ExclusiveOperations.Tests;

/// <summary>
/// A real Azurite (started with the product's own launcher), one per collection below: the collections run in parallel,
/// the classes in one collection one after another.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not started.");

    public BlobServiceClient Blobs => new(Server.ConnectionString);

    /// <summary>A fresh container per test, so tests never see each other's locks or blobs.</summary>
    public BlobContainerClient NewContainer(string prefix = "t")
    {
        var container = Blobs.GetBlobContainerClient($"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)]);
        container.CreateIfNotExists();
        return container;
    }

    public async Task InitializeAsync() => _server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>The in-process orchestration tests of the queue mode: the longest class, in parallel with the others.</summary>
[CollectionDefinition(Name)]
public sealed class QueueOrchestrationCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (queue orchestrations)";
}

/// <summary>The in-process orchestration tests of the conflict mode and the compaction activity, in parallel with the others.</summary>
[CollectionDefinition(Name)]
public sealed class OrchestrationCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (orchestrations)";
}

/// <summary>The tracing tests: orchestrations on the in-process host with an in-memory exporter, in parallel with the others.</summary>
[CollectionDefinition(Name)]
public sealed class TracingCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (tracing)";
}
