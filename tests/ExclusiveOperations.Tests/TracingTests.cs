using System.Diagnostics;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using ExclusiveOperations.Telemetry;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ExclusiveOperations.Tests;

/// <summary>
/// The app's spans, collected with the in-memory exporter: each run's trace continues the context in its input (as the
/// starter puts it there), and shows the lock's story: a conflict with who held it, a wait in line and the handover.
/// Each run has a trace of its own, so the spans of other tests running at once are told apart by trace id.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(TracingCollection.Name)]
public sealed class TracingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int HostTtlSeconds = 8;
    private const string InputMarker = "input-that-must-not-be-traced";
    private static readonly LockTimings Timings = InProcessOrchestrationHost.Timings(HostTtlSeconds);
    private readonly List<Activity> _spans = [];
    private TracerProvider _tracing = null!;
    private DurableTaskTestHost _host = null!;

    private DurableTaskClient Client => _host.Client;
    private StorageLock Locks => _host.Services.GetRequiredService<StorageLock>();

    public async Task InitializeAsync()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(AppTelemetry.SourceName).AddInMemoryExporter(_spans).Build();
        _host = await InProcessOrchestrationHost.StartAsync(azurite, $"locks-{Guid.NewGuid():N}", HostTtlSeconds, [new WaitOperation(), new GatedOperation()]);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _tracing.Dispose();
    }

    /// <summary>A run's trace context, as the starter would put it in the input (a span of the caller's trace).</summary>
    private static ActivityContext NewTrace() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private static string TraceParent(ActivityContext context) => $"00-{context.TraceId}-{context.SpanId}-01";

    private Task<string> StartAsync(string operation, string lockKey, ActivityContext trace, string? mode = null, double seconds = 0.2) =>
        Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator, new OperationRequest(operation, lockKey,
            new JsonObject { ["seconds"] = seconds, ["note"] = InputMarker }, CallerId: "caller-" + trace.TraceId, LockTimings: Timings, Mode: mode,
            QueueTimeout: mode == LockMode.Queue ? TimeSpan.FromMinutes(5) : null, TraceParent: TraceParent(trace)));

    private async Task<OperationOutcome> OutcomeAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var metadata = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instanceId}: {metadata.RuntimeStatus} {metadata.FailureDetails?.ErrorMessage}");
        return metadata.ReadOutputAs<OperationOutcome>()!;
    }

    /// <summary>The trace's spans; each is a child of the run's context (one tree under the starter's span).</summary>
    private List<Activity> Trace(ActivityContext trace)
    {
        List<Activity> spans;
        lock (_spans)
            spans = [.. _spans.Where(s => s.TraceId == trace.TraceId)];
        Assert.All(spans, s => Assert.Equal(trace.SpanId, s.ParentSpanId));
        Assert.All(spans.SelectMany(s => s.TagObjects), tag => Assert.DoesNotContain(InputMarker, $"{tag.Value}", StringComparison.Ordinal));
        return spans;
    }

    private static Activity Only(List<Activity> spans, string name) => Assert.Single(spans, s => s.DisplayName == name);

    [Fact]
    public async Task A_conflict_run_s_trace_shows_the_refused_attempt_with_the_holder_and_the_retry_hint()
    {
        var (holderTrace, conflictTrace) = (NewTrace(), NewTrace());
        var holderId = await StartAsync(GatedOperation.OperationName, "traced-conflict", holderTrace);
        await Eventually.TrueAsync(async () => await Locks.PeekAsync("traced-conflict") is not null, "the holder's lock");
        var refusedId = await StartAsync("wait", "traced-conflict", conflictTrace);
        Assert.Equal(OperationStatus.Conflict, (await OutcomeAsync(refusedId)).Status);
        await Client.RaiseEventAsync(holderId, GatedOperation.OpenEvent);
        var holder = await OutcomeAsync(holderId);

        var refused = Trace(conflictTrace);
        var attempt = Only(refused, "lock acquire");
        Assert.Equal(("conflict", "traced-conflict", holderId, holder.Holder!.Generation),
            (attempt.GetTagItem(AppTelemetry.Outcome), attempt.GetTagItem(AppTelemetry.LockKey), attempt.GetTagItem(AppTelemetry.Holder),
                attempt.GetTagItem(AppTelemetry.Generation)));
        Assert.NotNull(attempt.GetTagItem(AppTelemetry.RetryAfter));
        Assert.Equal(OperationStatus.Conflict, Only(refused, "orchestration ExclusiveOperation").GetTagItem(AppTelemetry.Outcome));
        Assert.DoesNotContain(refused, s => s.DisplayName.StartsWith("operation", StringComparison.Ordinal));

        var held = Trace(holderTrace);
        Assert.Equal("acquired", Only(held, "lock acquire").GetTagItem(AppTelemetry.Outcome));
        Assert.Equal("ok", Only(held, "operation gated").GetTagItem(AppTelemetry.Outcome));
        Assert.Equal(nameof(ReleaseOutcome.Released), Only(held, "lock release").GetTagItem(AppTelemetry.Outcome));
    }

    [Fact]
    public async Task A_queued_run_s_trace_shows_its_place_in_line_its_wait_and_the_handover()
    {
        var (holderTrace, queuedTrace) = (NewTrace(), NewTrace());
        var holderId = await StartAsync(GatedOperation.OperationName, "traced-queue", holderTrace);
        await Eventually.TrueAsync(async () => await Locks.PeekAsync("traced-queue") is not null, "the holder's lock");
        var queuedId = await StartAsync("wait", "traced-queue", queuedTrace, LockMode.Queue);
        await Eventually.TrueAsync(async () => (await Locks.QueueAsync("traced-queue")).Count == 1, "the queued run in line");
        await Client.RaiseEventAsync(holderId, GatedOperation.OpenEvent);
        await OutcomeAsync(holderId);
        var queued = await OutcomeAsync(queuedId);
        Assert.Equal(OperationStatus.Ok, queued.Status);

        var spans = Trace(queuedTrace);
        var join = Only(spans, "lock join");
        Assert.Equal((nameof(TurnOutcome.Queued), 1), (join.GetTagItem(AppTelemetry.Outcome), join.GetTagItem(AppTelemetry.Position)));
        var wait = Only(spans, "lock queue wait");
        Assert.Equal(("handed over", queued.Holder!.Generation), (wait.GetTagItem(AppTelemetry.Outcome), wait.GetTagItem(AppTelemetry.Generation)));
        var handover = Only(spans, "lock handover");
        Assert.Equal(queued.Holder.Generation, handover.GetTagItem(AppTelemetry.Generation));
        Assert.True(handover.StartTimeUtc >= wait.StartTimeUtc, "the handover ends the wait in line");
        Assert.True(Only(spans, "operation wait").StartTimeUtc >= handover.StartTimeUtc, "the operation runs after the handover");
        Assert.Equal(OperationStatus.Ok, Only(spans, "orchestration ExclusiveOperation").GetTagItem(AppTelemetry.Outcome));
        // The holder's release names the run it handed the lock to.
        Assert.Equal(queuedId, Only(Trace(holderTrace), "lock release").GetTagItem(AppTelemetry.HandedTo));
    }
}
