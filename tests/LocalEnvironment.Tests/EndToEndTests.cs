using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using ContentionReports;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;
using ExclusiveOperations.Locking;
using LocalTooling;

namespace LocalEnvironment.Tests;

/// <summary>
/// Real Azurite, real local host processes, the generated pipeline JSON run by the local runner on real time. Each test
/// has a local stack of its own (xunit makes a class instance per test), so the test classes run in parallel.
/// </summary>
public abstract class EndToEndTestBase : IAsyncLifetime
{
    internal static readonly string PipelinePath = Path.Combine(AppContext.BaseDirectory, "generated", "RunExclusiveOperation.json");
    private protected LocalStack _stack = null!;
    private protected readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private protected static Pipeline Pipeline => PipelineJson.Deserialize(File.ReadAllText(PipelinePath), PipelinePath);

    internal static Pipeline PipelineForTracing => Pipeline;

    // compact may name 'no-such-container' (allowed, never created), so that its activity fails.
    public async Task InitializeAsync() => _stack = await LocalStack.StartAsync(new LocalStackOptions
    {
        TaskHub = "EndToEnd" + Guid.NewGuid().ToString("N")[..8],
        Settings = new Dictionary<string, string> { [ExclusiveOperations.Operations.DataContainers.Setting] = "no-such-container" },
    });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    /// <summary>The stack's host (stopped with the stack).</summary>
    private protected LocalHostProcess Host => _stack.Host;

    /// <summary>The factory's managed identity, locally: the token the host's ARM-shaped routes accept.</summary>
    private protected string ManagementToken => _stack.ManagementToken;

    private protected LocalFunctionApp App(Uri host) => new(host, ManagementToken);

    private protected PipelineRunner Runner() => new(_http, TimeProvider.System, new RunnerOptions { ManagedIdentityToken = (_, _) => ValueTask.FromResult(ManagementToken) });

    private protected Dictionary<string, JsonNode?> Parameters(Uri host, string operation, string lockKey, JsonObject input, int maxAttempts = 50) => new(App(host).PipelineParameters())
    {
        ["operation"] = operation,
        ["lockKey"] = lockKey,
        ["input"] = input,
        ["retryIntervalSeconds"] = 1,
        ["useRetryHint"] = true,
        ["maxAttempts"] = maxAttempts,
    };
}

/// <summary>The pipeline against one local host: contention, a failing operation, a lock that never frees.</summary>
public sealed class EndToEndTests : EndToEndTestBase
{
    [Fact]
    public async Task Concurrent_pipelines_all_succeed_one_operation_at_a_time_per_key_and_the_reports_agree()
    {
        var host = Host;
        var options = new ScenarioOptions(Runs: 6, Keys: 2, Seconds: 1, RetryStrategy.Hint, WaitSeconds: 1, MaxAttempts: 50);
        var runs = await new PipelineContention(_http, Pipeline, App(host.BaseUrl), options).RunAsync(CancellationToken.None);
        var report = ContentionReport.From(runs, options);

        Assert.All(runs, r => Assert.True(r.Record.Status == RunState.Succeeded, $"run {r.Run}: {r.Record.Message}"));
        Assert.Equal(0, report.Totals.Overlaps);
        Assert.True(report.Totals.Conflicts > 0, "6 runs on 2 keys must meet held locks");
        Assert.Equal(6, report.Totals.Succeeded);
        // The report is the run records, summed: every run has exactly one OK operation, the last one.
        Assert.All(report.Runs, r => Assert.Equal("OK", Assert.Single(r.Operations, o => o.Status == "OK").Status));
        Assert.Equal(report.Runs.Sum(r => r.Attempts), report.Totals.FunctionStarts);
        Assert.Equal(report.Totals.FunctionStarts - 6, report.Totals.Conflicts);
        // Conflicts mean a run waited while another held the key: at least two of a key's three at once.
        Assert.InRange(report.Longest!.Runs, 2, 3);
        Assert.Equal(0, report.RunsWaiting[^1].Runs);
        Assert.Equal(3, report.Totals.IdealSeconds);
        Assert.All(runs, r => Assert.Equal(r.Record.Output!["instanceId"]!.GetValue<string>(),
            report.Runs.Single(x => x.RunId == r.Record.RunId).Operations.Single(o => o.Status == "OK").InstanceId));

        // The makespan breakdown (busiest key) adds up to the makespan, every part of it measured, none negative.
        var b = report.Makespan!;
        Assert.All(new[] { b.StartSeconds, b.HoldSeconds, b.IdleSeconds, b.EndSeconds }, part => Assert.True(part >= 0, $"{b}"));
        Assert.Equal(report.Totals.MakespanSeconds, b.StartSeconds + b.HoldSeconds + b.IdleSeconds + b.EndSeconds, 0.005);
        Assert.True(b.HoldSeconds >= 3 * 1, $"3 runs of 1 s on {b.LockKey}: {b}");

        // report.html has one timeline row and one lock bar per run; report.json carries the same figures.
        var html = TimelineHtml.Render(report);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Matches(html, ">run \\d+ · key-").Count);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Matches(html, "<title>[0-9a-f]{32} held key-").Count);
        var parsed = JsonNode.Parse(JsonSerializer.Serialize(report))!;
        Assert.Equal(6, parsed["runs"]!.AsArray().Count);
        Assert.Equal(0, parsed["summary"]!["overlaps"]!.GetValue<int>());
        Assert.Equal(report.Totals.Conflicts, parsed["summary"]!["conflicts"]!.GetValue<int>());

        // Every status poll of the run records is in the report: each call answers 202 first, so it polls at least once;
        // the timeline has one poll tick per poll, and report.json the same counts.
        var recordedPolls = runs.Sum(r => r.Record.ActivityRuns.Where(a => a.ActivityName == PipelineContention.CallActivity).Sum(a => a.ExecutionDetails!.Polls.Count));
        Assert.Equal(recordedPolls, report.Totals.Polls);
        Assert.True(report.Totals.Polls >= report.Totals.FunctionStarts, $"{report.Totals.Polls} polls for {report.Totals.FunctionStarts} calls");
        Assert.Equal(Math.Round((double)recordedPolls / 6, 3), report.Totals.PollsPerSuccess);
        Assert.Equal(report.Totals.Polls, System.Text.RegularExpressions.Regex.Matches(html, "<line class=\"poll\"").Count);
        Assert.Equal(report.Totals.Polls, parsed["summary"]!["polls"]!.GetValue<int>());
        Assert.Equal(report.Totals.Polls, parsed["runs"]!.AsArray().Sum(r => r!["polls"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_failing_operation_fails_its_pipeline_with_the_orchestrations_error_and_is_not_retried()
    {
        var host = Host;
        var runner = Runner();

        var run = await runner.RunAsync(Pipeline, Parameters(host.BaseUrl, "compact", "", new JsonObject { ["container"] = "no-such-container", ["prefix"] = "in/" }));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("OperationFailed", run.Error!.ErrorCode);
        Assert.Contains("no-such-container", run.Error.Message);
        Assert.Single(run.ActivityRuns, a => a.ActivityName == PipelineContention.CallActivity);
    }

    [Fact]
    public async Task A_lock_that_never_frees_ends_in_the_bounded_LockNotAcquired_failure()
    {
        var host = Host;
        var locks = new StorageLock(new BlobServiceClient(_stack.Azurite.ConnectionString).GetBlobContainerClient(new LockOptions().Container),
            new LockOptions { TimeToLive = TimeSpan.FromHours(1) }, TimeProvider.System);
        Assert.True((await locks.TryAcquireAsync("stuck-key", "a-run-that-never-ends", "wait", TimeSpan.FromSeconds(1))).Acquired);
        var runner = Runner();

        var run = await runner.RunAsync(Pipeline, Parameters(host.BaseUrl, "wait", "stuck-key", new JsonObject { ["seconds"] = 1 }, maxAttempts: 3));

        Assert.Equal(RunState.Failed, run.Status);
        Assert.Equal("LockNotAcquired", run.Error!.ErrorCode);
        Assert.Contains("a-run-that-never-ends", run.Error.Message);
        Assert.Equal(3, run.ActivityRuns.Count(a => a.ActivityName == PipelineContention.CallActivity));
    }
}

/// <summary>Locks whose holder died: a dead holder's lock after its TTL, a host killed mid-run and restarted.</summary>
public sealed class LockRecoveryTests : EndToEndTestBase
{
    [Fact]
    public async Task A_dead_holders_lock_is_reclaimed_after_its_ttl()
    {
        var host = Host;
        // A holder that took the lock with a 5 s TTL and died: it never renews nor releases.
        var dead = new StorageLock(new BlobServiceClient(_stack.Azurite.ConnectionString).GetBlobContainerClient(new LockOptions().Container),
            new LockOptions { TimeToLive = TimeSpan.FromSeconds(5) }, TimeProvider.System);
        var deadAttempt = await dead.TryAcquireAsync("orphaned-key", "dead-holder", "wait", TimeSpan.FromSeconds(1));
        Assert.True(deadAttempt.Acquired);
        var deadHolder = deadAttempt.Holder!;
        var runner = Runner();

        var run = await runner.RunAsync(Pipeline, Parameters(host.BaseUrl, "wait", "orphaned-key", new JsonObject { ["seconds"] = 0 }, maxAttempts: 30));

        Assert.True(run.Status == RunState.Succeeded, run.Message);
        var outputs = run.ActivityRuns.Where(a => a.ActivityName == PipelineContention.CallActivity).OrderBy(a => a.ActivityRunStart)
            .Select(a => a.Output!["output"]!).ToList();
        // Every call before the OK was refused in the dead holder's name (on a loaded machine the first call may
        // already come after its expiry: then there are none); the OK took the lock over only once it had expired.
        Assert.All(outputs.SkipLast(1), o => Assert.Equal("dead-holder", o["holder"]!["holderId"]!.GetValue<string>()));
        var ok = outputs[^1];
        Assert.Equal("OK", ok["status"]!.GetValue<string>());
        Assert.True(ok["lockAcquiredAt"]!.GetValue<DateTimeOffset>() >= deadHolder.ExpiresAt, $"taken at {ok["lockAcquiredAt"]}, dead holder expired at {deadHolder.ExpiresAt:O}");
        Assert.Equal(deadHolder.Generation + 1, ok["holder"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Killing_the_host_mid_run_loses_no_run_and_no_operations_overlap()
    {
        var host = Host;
        var port = host.BaseUrl.Port;
        var options = new ScenarioOptions(Runs: 4, Keys: 2, Seconds: 3, RetryStrategy.Hint, WaitSeconds: 1, MaxAttempts: 50);
        var contention = new PipelineContention(_http, Pipeline, App(host.BaseUrl), options);
        var running = contention.RunAsync(CancellationToken.None);

        // Kill the host while the first operations hold their locks, then bring it back on the same port and task hub.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await host.KillAsync();
        await using var restarted = await _stack.StartHostAsync(host.TaskHub, port: port);

        var runs = await running.WaitAsync(TimeSpan.FromMinutes(4));
        var report = ContentionReport.From(runs, options);
        Assert.All(runs, r => Assert.True(r.Record.Status == RunState.Succeeded, $"run {r.Run}: {r.Record.Message}"));
        Assert.Equal(0, report.Totals.Overlaps);
    }
}

/// <summary>The local command (./build.sh local): its reports, and its stop on SIGTERM.</summary>
public sealed class LocalCommandTests
{
    [Fact]
    public async Task The_local_command_writes_consistent_reports()
    {
        var folder = Directory.CreateTempSubdirectory("local-report-").FullName;
        var options = new ScenarioOptions(Runs: 3, Keys: 1, Seconds: 1, RetryStrategy.Hint, WaitSeconds: 1, MaxAttempts: 50);

        var (exitCode, report) = await LocalRun.RunAsync(options, EndToEndTestBase.PipelinePath, folder, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "report.json")))!;
        Assert.Equal(3, json["summary"]!["succeeded"]!.GetValue<int>());
        Assert.Equal(0, json["summary"]!["overlaps"]!.GetValue<int>());
        Assert.Equal(report!.Totals.FunctionStarts, json["runs"]!.AsArray().Sum(r => r!["operations"]!.AsArray().Count));
        Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(folder, "report.html")));
        // traces.json: every run's trace (its id in report.json and report.html) has spans of the runner and the app,
        // including a lock span with the lock key.
        var spans = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "traces.json")))!["spans"]!.AsArray();
        foreach (var run in json["runs"]!.AsArray())
        {
            var traceId = run!["traceId"]!.GetValue<string>();
            Assert.Equal(RunnerTelemetry.TraceIdOf(run["runId"]!.GetValue<string>()), traceId);
            Assert.Contains(traceId, await File.ReadAllTextAsync(Path.Combine(folder, "report.html")));
            var mine = spans.Where(s => s!["traceId"]!.GetValue<string>() == traceId).ToList();
            Assert.Equal(["data-factory-runner", "exclusive-operations"], mine.Select(s => s!["service"]!.GetValue<string>()).Distinct().Order());
            Assert.Contains(mine, s => s!["name"]!.GetValue<string>().StartsWith("lock ", StringComparison.Ordinal)
                && s["attributes"]![ExclusiveOperations.Telemetry.AppTelemetry.LockKey]?.GetValue<string>() == "key-1");
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Stopping_the_local_command_with_SIGTERM_mid_run_stops_the_host_and_Azurite_and_frees_their_ports()
    {
        var running = new TaskCompletionSource();
        var (process, output) = LocalProcesses.Start(LocalProcesses.StartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "LocalEnvironment.dll"), "--runs", "4", "--keys", "1", "--seconds", "5",
             "--pipeline", EndToEndTestBase.PipelinePath, "--report", Directory.CreateTempSubdirectory("local-sigterm-").FullName]),
            "the local command", line => { if (line.Contains("function calls so far", StringComparison.Ordinal)) running.TrySetResult(); });
        using var _ = process;
        try
        {
            await running.Task.WaitAsync(TimeSpan.FromMinutes(2)); // the runs are under way (progress is printed every 3 s)
            LocalProcesses.Signal(process.Id, LocalProcesses.SIGTERM);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        var log = string.Join('\n', output);
        Assert.True(process.ExitCode == 130, log);
        Assert.Contains("Stopped the local function host and Azurite.", log);
        var azurite = System.Text.RegularExpressions.Regex.Match(log, @"Azurite on 127\.0\.0\.1:(\d+)/(\d+)/(\d+)");
        var host = System.Text.RegularExpressions.Regex.Match(log, @"Local function host on http://127\.0\.0\.1:(\d+)/");
        Assert.True(azurite.Success && host.Success, log);
        // Nothing listens on them any more. Not "the port can be bound": with other test projects running beside this
        // one, a freed port is soon some other connection's local (ephemeral) port, which makes a bind fail.
        foreach (var port in azurite.Groups.Values.Skip(1).Append(host.Groups[1]).Select(g => int.Parse(g.Value)))
            Assert.False(await LocalProcesses.AcceptsConnectionsAsync(port), $"port {port} still accepts connections");
    }

}
