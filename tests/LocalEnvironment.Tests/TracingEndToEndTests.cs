using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContentionReports;
using DataFactory.Runner.Run;
using LocalTooling;
using LocalTooling.Tracing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LocalEnvironment.Tests;

/// <summary>
/// One trace per pipeline run, end to end: the generated pipeline run by the runner (its spans with the in-memory exporter)
/// against a local host process (its spans in its trace file), three runs on one key so that runs meet Conflicts.
/// </summary>
public sealed partial class TracingEndToEndTests : IAsyncLifetime
{
    private readonly string _traceFile = Path.Combine(Directory.CreateTempSubdirectory("traces-").FullName, "spans.app.jsonl");
    private readonly List<Activity> _runnerSpans = [];
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private TracerProvider _tracing = null!;
    private LocalStack _stack = null!;

    public async Task InitializeAsync()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(RunnerTelemetry.SourceName).AddInMemoryExporter(_runnerSpans).Build();
        _stack = await LocalStack.StartAsync(new LocalStackOptions
        {
            TaskHub = "Tracing" + Guid.NewGuid().ToString("N")[..8],
            Settings = new Dictionary<string, string> { ["LocalHost:TraceFile"] = _traceFile },
        });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
        _tracing.Dispose();
        Directory.Delete(Path.GetDirectoryName(_traceFile)!, recursive: true);
    }

    [Fact]
    public async Task Each_run_is_one_tree_from_its_run_id_through_the_runner_the_starter_the_lock_and_the_operation_without_secrets()
    {
        var options = new ScenarioOptions(Runs: 3, Keys: 1, Seconds: 1, RetryStrategy.Hint, WaitSeconds: 1, MaxAttempts: 50);
        var runs = await new PipelineContention(_http, EndToEndTestBase.PipelineForTracing, new LocalFunctionApp(_stack.Host.BaseUrl, _stack.ManagementToken), options)
            .RunAsync(CancellationToken.None);
        Assert.All(runs, r => Assert.True(r.Record.Status == RunState.Succeeded, $"run {r.Run}: {r.Record.Message}"));

        List<JsonObject> spans;
        lock (_runnerSpans)
            spans = [.. _runnerSpans.Select(s => SpanFile.ToJson(s, "runner"))];
        var app = SpanFile.Merge([_traceFile], Path.ChangeExtension(_traceFile, ".json"));
        spans.AddRange(app);
        foreach (var (_, _, record) in runs)
        {
            var trace = RunnerTelemetry.ContextOf(record.RunId)!.Value;
            var mine = spans.Where(s => (string?)s["traceId"] == trace.TraceId.ToHexString()).ToList();
            // One tree: every span's parent is in the trace, but for the root, the span id the run id names (Data Factory's run).
            var ids = mine.Select(s => (string?)s["spanId"]).ToHashSet();
            Assert.All(mine, s => Assert.True(ids.Contains((string?)s["parentSpanId"]) || (string?)s["parentSpanId"] == trace.SpanId.ToHexString(),
                $"{s["name"]} has a parent outside the trace"));
            Assert.Contains(mine, s => (string?)s["service"] == "runner" && (string?)s["name"] == "pipeline run RunExclusiveOperation");
            Assert.Contains(mine, s => (string?)s["name"] == "POST /api/operations/{operation}" && (string?)s["parentSpanId"] == trace.SpanId.ToHexString());
            // Each attempt is a POST and a lock acquisition; each Conflict is followed by a wait in the pipeline.
            var attempts = record.ActivityRuns.Count(a => a.ActivityName == PipelineContention.CallActivity);
            var acquisitions = mine.Where(s => (string?)s["name"] == "lock acquire").ToList();
            Assert.Equal(attempts, acquisitions.Count);
            Assert.All(acquisitions, s => Assert.Equal("key-1", (string?)s["attributes"]![ExclusiveOperations.Telemetry.AppTelemetry.LockKey]));
            Assert.Equal(attempts - 1, acquisitions.Count(s => (string?)s["attributes"]![ExclusiveOperations.Telemetry.AppTelemetry.Outcome] == "conflict"));
            Assert.Equal(attempts - 1, mine.Count(s => (string?)s["name"] == "activity Wait Before Retry"));
            Assert.Single(mine, s => (string?)s["name"] == "operation wait");
            Assert.Contains(mine, s => (string?)s["name"] == "GET (poll)");
            Assert.Contains(mine, s => (string?)s["name"] == "GET /api/runs/{instanceId}");
        }
        // No function key, system key or status token in any attribute: a traced call of its own, whose status URL's token is known.
        var traced = await StartTracedAsync();
        spans.AddRange(SpanFile.Merge([_traceFile], Path.ChangeExtension(_traceFile, ".json")).Where(s => (string?)s["traceId"] == traced.TraceId));
        Assert.Contains(spans, s => (string?)s["traceId"] == traced.TraceId && (string?)s["name"] == "GET /api/runs/{instanceId}");
        var text = JsonSerializer.Serialize(spans);
        foreach (var secret in new[] { traced.Token, _stack.Keys.FunctionKey, _stack.Keys.SystemKey })
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }

    /// <summary>Starts an operation with a traceparent, polls its status URL until it is done; returns the trace id and the URL's token.</summary>
    private async Task<(string TraceId, string Token)> StartTracedAsync()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var start = new HttpRequestMessage(HttpMethod.Post, new Uri(_stack.Host.BaseUrl, "api/operations/wait?lockKey=traced-secrets"))
        {
            Content = new StringContent("""{"seconds":0}""", System.Text.Encoding.UTF8, "application/json"),
        };
        start.Headers.Add("x-functions-key", _stack.Keys.FunctionKey);
        start.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var accepted = await _http.SendAsync(start);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!;
        var token = StatusToken().Match(location.Query).Groups[1].Value;
        Assert.NotEmpty(token);
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            using var poll = await _http.GetAsync(location);
            if (poll.StatusCode != System.Net.HttpStatusCode.Accepted)
                break;
            Assert.True(DateTime.UtcNow < deadline, "the traced call did not finish within a minute");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        return (traceId, token);
    }

    [GeneratedRegex("token=([^&]+)")]
    private static partial Regex StatusToken();
}
