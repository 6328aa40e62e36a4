using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ExclusiveOperations.Tests;

/// <summary>Queue mode of the orchestrator on the in-process Durable Task host, with the real storage lock in Azurite.</summary>
[Trait("Needs", "Processes")]
[Collection(QueueOrchestrationCollection.Name)]
public sealed class QueueOrchestrationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Long enough that the gated holder (which does not renew) outlives a slow test step on a loaded machine.</summary>
    private const int HostTtlSeconds = 8;
    private static readonly TimeSpan CallerGoneAfter = TimeSpan.FromSeconds(6);

    private static readonly LockTimings Timings = InProcessOrchestrationHost.Timings(HostTtlSeconds);
    private readonly string _lockContainer = $"locks-{Guid.NewGuid():N}";
    private DurableTaskTestHost _host = null!;

    private DurableTaskClient Client => _host.Client;
    private StorageLock Locks => _host.Services.GetRequiredService<StorageLock>();

    public async Task InitializeAsync() =>
        _host = await InProcessOrchestrationHost.StartAsync(azurite, _lockContainer, HostTtlSeconds, [new WaitOperation(), new GatedOperation()],
            new Dictionary<string, string?> { [$"{QueueOptions.Section}:CallerGoneAfter"] = CallerGoneAfter.ToString() });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<string> StartAsync(string operation, string lockKey, JsonObject input, string? mode = LockMode.Queue, TimeSpan? queueTimeout = null) =>
        Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator, new OperationRequest(operation, lockKey, input, LockTimings: Timings,
            Mode: mode, QueueTimeout: mode == LockMode.Queue ? queueTimeout ?? TimeSpan.FromMinutes(5) : null));

    private async Task<OperationOutcome> OutcomeAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var metadata = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instanceId}: {metadata.RuntimeStatus} {metadata.FailureDetails?.ErrorMessage}");
        return metadata.ReadOutputAs<OperationOutcome>()!;
    }

    [Fact]
    public async Task A_queued_run_gets_the_lock_from_the_releasing_run_through_the_event()
    {
        // A conflict-mode holder: its release hands over like any other.
        var holderId = await StartAsync(GatedOperation.OperationName, "handover-key", [], mode: null);
        await Eventually.TrueAsync(async () => await Locks.PeekAsync("handover-key") is not null, "the holder's lock");
        var queuedId = await StartAsync("wait", "handover-key", new JsonObject { ["seconds"] = 0.2 });
        // Its caller polls, as a Web activity would: on a slow machine the test's steps can outlast CallerGoneAfter.
        await using var caller = KeepPolling(queuedId);
        OperationOutcome? status = null;
        await Eventually.TrueAsync(async () =>
        {
            status = (await Client.GetInstanceAsync(queuedId, getInputsAndOutputs: true))?.ReadCustomStatusAs<OperationOutcome>();
            return status is not null;
        }, "the queued run's status");
        Assert.Equal((OperationStatus.Queued, 1), (status!.Status, status.Position));
        Assert.Equal([queuedId], (await Locks.QueueAsync("handover-key")).Select(r => r.InstanceId));

        await Client.RaiseEventAsync(holderId, GatedOperation.OpenEvent);
        var first = await OutcomeAsync(holderId);
        var second = await OutcomeAsync(queuedId);

        Assert.Equal(OperationStatus.Ok, first.Status);
        Assert.Equal(OperationStatus.Ok, second.Status);
        // Handed over in the release's own write: the next interval starts where the last ended, one generation on.
        Assert.Equal(first.LockReleasedAt, second.LockAcquiredAt);
        Assert.Equal(first.Holder!.Generation + 1, second.Holder!.Generation);
        Assert.NotNull(second.QueuedAt);
        Assert.InRange(second.QueuedSeconds!.Value, 0.001, HostTtlSeconds);
        Assert.Null(await Locks.PeekAsync("handover-key"));
    }

    [Fact]
    public async Task A_queued_run_not_given_the_lock_within_its_queueTimeout_finishes_TimedOut()
    {
        var outside = new StorageLock(azurite.Blobs.GetBlobContainerClient(_lockContainer), new LockOptions { TimeToLive = TimeSpan.FromMinutes(10) }, TimeProvider.System);
        await outside.TryAcquireAsync("timeout-key", "someone-else", "wait", TimeSpan.FromMinutes(5));

        var outcome = await OutcomeAsync(await StartAsync("wait", "timeout-key", new JsonObject { ["seconds"] = 0 }, queueTimeout: TimeSpan.FromSeconds(2)));

        Assert.Equal(OperationStatus.TimedOut, outcome.Status);
        Assert.Contains("queueTimeout", outcome.Detail);
        Assert.InRange(outcome.QueuedSeconds!.Value, 2, 2 + HostTtlSeconds);
        Assert.Null(outcome.LockAcquiredAt);
        Assert.Empty(await Locks.QueueAsync("timeout-key"));
        Assert.Equal("someone-else", (await Locks.PeekAsync("timeout-key"))!.HolderId);
    }

    [Fact]
    public async Task A_queued_run_whose_caller_stops_polling_finishes_Abandoned_and_one_that_is_polled_keeps_waiting()
    {
        var outside = new StorageLock(azurite.Blobs.GetBlobContainerClient(_lockContainer), new LockOptions { TimeToLive = TimeSpan.FromMinutes(10) }, TimeProvider.System);
        await outside.TryAcquireAsync("gone-key", "someone-else", "wait", TimeSpan.FromMinutes(5));

        var goneId = await StartAsync("wait", "gone-key", new JsonObject { ["seconds"] = 0 });
        var polledId = await StartAsync("wait", "gone-key", new JsonObject { ["seconds"] = 0 });
        var poller = KeepPolling(polledId);

        var gone = await OutcomeAsync(goneId);
        Assert.Equal(OperationStatus.Abandoned, gone.Status);
        Assert.Contains("nobody polled", gone.Detail);
        Assert.True(gone.QueuedSeconds >= CallerGoneAfter.TotalSeconds, $"abandoned after {gone.QueuedSeconds} s");

        // The polled run still waits, now first in line, and gets the lock when it is freed (this release sends no event:
        // the run finds itself holding the lock at its next check).
        Assert.Equal([polledId], (await Locks.QueueAsync("gone-key")).Select(r => r.InstanceId));
        await outside.ReleaseAsync("gone-key", "someone-else");
        var polled = await OutcomeAsync(polledId);
        await poller.DisposeAsync();
        Assert.Equal(OperationStatus.Ok, polled.Status);
    }

    /// <summary>What the status endpoint records for a caller that keeps polling (once a second, as a Web activity would),
    /// until disposed.</summary>
    private IAsyncDisposable KeepPolling(string instanceId)
    {
        var polls = _host.Services.GetRequiredService<RunPolls>();
        var stop = new CancellationTokenSource();
        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await polls.RecordAsync(instanceId, DateTimeOffset.UtcNow);
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
        return new Poller(stop, poller);
    }

    private sealed class Poller(CancellationTokenSource stop, Task polling) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await polling;
            stop.Dispose();
        }
    }
}
