using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ExclusiveOperations.Tests;

/// <summary>The orchestrator on the in-process Durable Task host, with the real storage lock in Azurite.</summary>
[Trait("Needs", "Processes")]
[Collection(OrchestrationCollection.Name)]
public sealed class OrchestrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int HostTtlSeconds = 4;

    private static readonly LockTimings Timings = InProcessOrchestrationHost.Timings(HostTtlSeconds);
    private readonly string _lockContainer = $"locks-{Guid.NewGuid():N}";
    private readonly Azure.Storage.Blobs.BlobContainerClient _data = azurite.NewContainer("data");
    private DurableTaskTestHost _host = null!;

    private DurableTaskClient Client => _host.Client;
    private StorageLock Locks => _host.Services.GetRequiredService<StorageLock>();

    public async Task InitializeAsync() =>
        _host = await InProcessOrchestrationHost.StartAsync(azurite, _lockContainer, HostTtlSeconds,
            [new WaitOperation(), new CompactOperation(new DataContainers { Containers = _data.Name }), new ExplodingOperation(), new GatedOperation()],
            services: services => services.AddExclusiveOperation<ExplodingOperation>());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(OrchestrationMetadata Metadata, OperationOutcome? Outcome)> RunAsync(string operation, string lockKey, JsonObject input)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator, new OperationRequest(operation, lockKey, input, LockTimings: Timings));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        return (metadata, metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? metadata.ReadOutputAs<OperationOutcome>() : null);
    }

    [Fact]
    public async Task A_free_lock_runs_the_operation_and_finishes_OK_with_the_result()
    {
        var (metadata, outcome) = await RunAsync("wait", "ok-key", new JsonObject { ["seconds"] = 0.2 });

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(OperationStatus.Ok, outcome!.Status);
        Assert.Equal(metadata.InstanceId, outcome.InstanceId);
        Assert.Equal(metadata.InstanceId, outcome.Holder!.HolderId);
        Assert.Equal(0.2, outcome.Result!["waitedSeconds"]!.GetValue<double>());
        Assert.True(outcome.LockReleasedAt - outcome.LockAcquiredAt >= TimeSpan.FromSeconds(0.2));
        Assert.Null(outcome.RetryAfterSeconds);
        // Custom status carries the same outcome, and the lock is free again.
        Assert.Equal(OperationStatus.Ok, metadata.ReadCustomStatusAs<OperationOutcome>()!.Status);
        Assert.Null(await Locks.PeekAsync("ok-key"));
    }

    [Fact]
    public async Task A_held_lock_finishes_at_once_with_Conflict_naming_the_holder()
    {
        var longLived = new StorageLock(azurite.Blobs.GetBlobContainerClient(_lockContainer), new LockOptions { TimeToLive = TimeSpan.FromMinutes(10) }, TimeProvider.System);
        await longLived.TryAcquireAsync("busy-key", "someone-else", "wait", TimeSpan.FromSeconds(30));

        var (metadata, outcome) = await RunAsync("wait", "busy-key", new JsonObject { ["seconds"] = 600 });

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(OperationStatus.Conflict, outcome!.Status);
        Assert.Equal("someone-else", outcome.Holder!.HolderId);
        Assert.InRange(outcome.RetryAfterSeconds!.Value, 1, 30);
        Assert.Null(outcome.Result);
        // It did not wait for the 600 s operation, and it left the other holder's lock alone.
        Assert.True(metadata.LastUpdatedAt - metadata.CreatedAt < TimeSpan.FromSeconds(30));
        Assert.Equal("someone-else", (await Locks.PeekAsync("busy-key"))!.HolderId);
    }

    [Fact]
    public async Task A_failing_operation_releases_the_lock_and_fails_with_its_error()
    {
        var (metadata, _) = await RunAsync("explode", "fail-key", []);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains(ExplodingOperation.Message, metadata.FailureDetails!.ErrorMessage);
        Assert.Null(await Locks.PeekAsync("fail-key"));

        // The key is usable right after.
        var (_, next) = await RunAsync("wait", "fail-key", new JsonObject { ["seconds"] = 0 });
        Assert.Equal(OperationStatus.Ok, next!.Status);
    }

    [Fact]
    public async Task A_run_whose_expired_lock_was_taken_over_and_released_meanwhile_fails_instead_of_reporting_OK()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator,
            new OperationRequest(GatedOperation.OperationName, "lost-key", [], LockTimings: Timings));
        var holder = await WaitForLockAsync("lost-key");
        Assert.Equal(id, holder.HolderId);

        // Another run, on a clock past the holder's expiry (a holder stalled longer than its lifetime), takes the lock and releases it.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(holder.ExpiresAt + TimeSpan.FromSeconds(1));
        var other = new StorageLock(azurite.Blobs.GetBlobContainerClient(_lockContainer), new LockOptions { TimeToLive = TimeSpan.FromSeconds(HostTtlSeconds) }, later);
        Assert.True((await other.TryAcquireAsync("lost-key", "other-run", "wait", TimeSpan.Zero)).Acquired);
        Assert.Equal(ReleaseOutcome.Released, (await other.ReleaseAsync("lost-key", "other-run")).Outcome);

        await Client.RaiseEventAsync(id, GatedOperation.OpenEvent);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        // The lock was free when this run released it, but the release was not its own: it must not claim an exclusive OK.
        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains("taken over and released by another run meanwhile", metadata.FailureDetails!.ErrorMessage);
    }

    [Fact]
    public async Task A_wait_longer_than_the_lock_ttl_keeps_the_lock_by_renewing_it()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator,
            new OperationRequest("wait", "renew-key", new JsonObject { ["seconds"] = 3 * HostTtlSeconds }, LockTimings: Timings));
        var holder = await WaitForLockAsync("renew-key");
        Assert.Equal(id, holder.HolderId);

        // Durable timers run on real time in this host: wait past the first expiry.
        await Task.Delay(TimeSpan.FromSeconds(1.5 * HostTtlSeconds));
        var competitor = await Locks.TryAcquireAsync("renew-key", "competitor", "wait", TimeSpan.Zero);
        Assert.False(competitor.Acquired);
        Assert.True(competitor.Holder!.ExpiresAt > holder.ExpiresAt);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var outcome = metadata.ReadOutputAs<OperationOutcome>()!;
        Assert.Equal(OperationStatus.Ok, outcome.Status);
        Assert.True(outcome.LockReleasedAt - outcome.LockAcquiredAt >= TimeSpan.FromSeconds(3 * HostTtlSeconds));
    }

    [Fact]
    public async Task Compact_runs_under_its_derived_key_and_stamps_the_target_with_its_lock_generation()
    {
        await _data.GetBlobClient("in/1").UploadAsync(BinaryData.FromString("a;"));
        await _data.GetBlobClient("in/2").UploadAsync(BinaryData.FromString("b;"));
        var key = LockKey.Derived("compact", _data.Name, "in/");

        var (metadata, outcome) = await RunAsync("compact", key, new JsonObject { ["container"] = _data.Name, ["prefix"] = "in/" });

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Equal(OperationStatus.Ok, outcome!.Status);
        Assert.Equal(2, outcome.Result!["mergedParts"]!.GetValue<int>());
        var target = _data.GetBlobClient("in/compacted");
        Assert.Equal("a;b;", (await target.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(outcome.Holder!.Generation, FencedBlobWrites.Generation((await target.GetPropertiesAsync()).Value.Metadata));
        Assert.Null(await Locks.PeekAsync(key));
    }

    [Fact]
    public async Task A_deleted_lock_container_fails_the_run_at_once_with_a_clear_error()
    {
        var (_, first) = await RunAsync("wait", "gone-key", new JsonObject { ["seconds"] = 0 });
        Assert.Equal(OperationStatus.Ok, first!.Status);
        await azurite.Blobs.GetBlobContainerClient(_lockContainer).DeleteAsync();

        var started = DateTime.UtcNow;
        var (metadata, _) = await RunAsync("wait", "gone-key", new JsonObject { ["seconds"] = 0 });

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains($"lock container '{_lockContainer}' does not exist", metadata.FailureDetails!.ErrorMessage);
        // Not retried (the retry policy would take 15 s and more), no spinning on the 404.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), $"took {DateTime.UtcNow - started}");
    }

    [Fact]
    public async Task A_run_started_without_lock_timings_fails_saying_so()
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator, new OperationRequest("wait", "no-timings", new JsonObject { ["seconds"] = 0 }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Contains("no lockTimings", metadata.FailureDetails!.ErrorMessage);
    }

    private async Task<LockHolder> WaitForLockAsync(string lockKey)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await Locks.PeekAsync(lockKey) is { } holder)
                return holder;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Nobody took the lock '{lockKey}' within 30 s.");
    }

    /// <summary>A registered operation whose run fails after it took the lock.</summary>
    private sealed class ExplodingOperation : IExclusiveOperation
    {
        public const string Message = "the external job failed: disk full";

        public string Name => "explode";

        public void Validate(JsonObject input) { }

        public TimeSpan EstimateDuration(JsonObject input) => TimeSpan.FromSeconds(1);

        public async Task<JsonNode?> RunAsync(OperationContext context)
        {
            await context.Orchestration.CreateTimer(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            throw new InvalidOperationException(Message);
        }
    }
}
