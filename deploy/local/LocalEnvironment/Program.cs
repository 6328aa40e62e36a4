using System.CommandLine;
using ContentionReports;
using LocalEnvironment;
using LocalTooling.Tracing;
using Smoke;
using Spectre.Console;

// Ctrl+C and SIGTERM cancel the run; the children (host, Azurite) then need several seconds to stop in order,
// so the process waits for that rather than System.CommandLine's default 2 s (after which it would exit, orphaning them).
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };

// ./build.sh smoke --local: the Smoke command (deploy/azure/Smoke) against the local factory, with its options, output and exit codes.
if (args is ["smoke", .. var smokeArgs])
    return await SmokeCommand.Create(Console.Out, LocalFactory.StartForSmokeAsync)
        .Parse(smokeArgs.Contains("--local") ? smokeArgs : ["--local", .. smokeArgs]).InvokeAsync(invocation);

var runs = new Option<int>("--runs") { Description = "Pipeline runs started at once.", DefaultValueFactory = _ => 8 };
var keys = new Option<int>("--keys") { Description = "Lock keys the runs are spread over.", DefaultValueFactory = _ => 2 };
var seconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 2 };
var mode = new Option<LockMode>("--mode")
{
    Description = "conflict: RunExclusiveOperation (a held lock answers Conflict, the pipeline calls again); queue: RunExclusiveOperationQueued (one call, the run waits in the lock's line).",
    DefaultValueFactory = _ => LockMode.Conflict,
};
var strategy = new Option<RetryStrategy>("--strategy") { Description = "Conflict mode, after a Conflict: hint = the function's retryAfterSeconds, fixed = --wait-seconds.", DefaultValueFactory = _ => RetryStrategy.Hint };
var waitSeconds = new Option<int>("--wait-seconds") { Description = "The fixed wait after a Conflict (and the hint's fallback).", DefaultValueFactory = _ => 5 };
var jitterSeconds = new Option<int?>("--jitter-seconds") { Description = "Fixed strategy: up to this many seconds added at random to each wait (the pipeline's retryJitterSeconds; default: the pipeline's default)." };
var maxAttempts = new Option<int>("--max-attempts") { Description = "The pipeline's bound on attempts per run.", DefaultValueFactory = _ => 100 };
var report = new Option<string>("--report") { Description = "Folder for report.json and report.html.", DefaultValueFactory = _ => Path.Combine("out", "local") };
var pipeline = new Option<string?>("--pipeline") { Description = "The pipeline JSON to run (default: the generated pipeline of the mode)." };
var trace = new Option<bool>("--trace")
{
    Description = "Also start the Aspire dashboard (a local OTLP viewer, no Docker; Aspire.Cli from .config/dotnet-tools.json), print its URL and send " +
        "the runner's and the host's spans and metrics to it; it stops with everything else (after Ctrl+C when run in a terminal).",
};
var profile = new Option<HostProfile>("--profile")
{
    Description = "The local host's timings: fast (short queue polling) or azure (the app's timings in Azure: host.json's queue polling, Azure's leases).",
    DefaultValueFactory = _ => HostProfile.Fast,
};

var root = new RootCommand(
    "The local environment: Azurite + the local function host + many runs of the generated RunExclusiveOperation (or, --mode queue, RunExclusiveOperationQueued) pipeline " +
    "at once, executed by the local pipeline runner. Checks that every run succeeds and no two operations on a key overlapped.")
{
    runs, keys, seconds, mode, strategy, waitSeconds, jitterSeconds, maxAttempts, report, pipeline, profile, trace,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new ScenarioOptions(parse.GetValue(runs), parse.GetValue(keys), parse.GetValue(seconds), parse.GetValue(strategy),
        parse.GetValue(waitSeconds), parse.GetValue(maxAttempts), parse.GetValue(mode), parse.GetValue(jitterSeconds), parse.GetValue(profile));
    if (Invalid(options)) return 2;
    if (!parse.GetValue(trace))
        return (await LocalRun.RunAsync(options, parse.GetValue(pipeline) ?? options.DefaultPipelinePath, parse.GetValue(report)!, cancellationToken)).ExitCode;

    await using var dashboard = await AspireDashboard.StartAsync(Directory.GetCurrentDirectory(), cancellationToken);
    // This process's exporters and the host's (which inherits the environment) send OTLP to the dashboard.
    Environment.SetEnvironmentVariable(LocalTelemetry.OtlpEndpointVariable, dashboard.OtlpGrpcUrl.ToString());
    AnsiConsole.MarkupLine($"[bold]Aspire dashboard[/] (traces, metrics): {dashboard.FrontendUrl}");
    var code = (await LocalRun.RunAsync(options, parse.GetValue(pipeline) ?? options.DefaultPipelinePath, parse.GetValue(report)!, cancellationToken)).ExitCode;
    if (!Console.IsInputRedirected && !cancellationToken.IsCancellationRequested)
    {
        AnsiConsole.MarkupLine($"Traces in the dashboard: {dashboard.FrontendUrl} (Ctrl+C stops it).");
        await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
    AnsiConsole.MarkupLine("[grey]Stopped the Aspire dashboard.[/]");
    return code;
});

// The benchmark's own defaults: N=20 runs, 1 key, 1 s operations (issue 5).
var benchRuns = new Option<int>("--runs") { Description = "Pipeline runs started at once.", DefaultValueFactory = _ => 20 };
var benchKeys = new Option<int>("--keys") { Description = "Lock keys the runs are spread over.", DefaultValueFactory = _ => 1 };
var benchSeconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 1 };
var longSeconds = new Option<double>("--long-seconds")
{
    Description = "Also run every scenario with operations this long (0: skip): the per-handover cost is fixed, so its share falls as operations grow.",
    DefaultValueFactory = _ => 10,
};
var azureRuns = new Option<int>("--azure-runs") { Description = "Runs of the azure-profile scenarios.", DefaultValueFactory = _ => 4 };
var azureSeconds = new Option<double>("--azure-seconds")
{
    Description = "Hint and queue on the azure profile with operations this long (0: skip): long enough for an idle worker's queue polling to back off.",
    DefaultValueFactory = _ => 20,
};
var manyKeysRuns = new Option<int>("--many-keys-runs")
{
    Description = "Hint and queue with this many runs of --seconds spread over --many-keys keys (0: skip): the load of many keys at once.",
    DefaultValueFactory = _ => 60,
};
var manyKeys = new Option<int>("--many-keys") { Description = "Keys of the many-keys scenarios.", DefaultValueFactory = _ => 6 };
var bench = new Command("bench", "The contention benchmark: fixed, hint and queue, one after the other on this machine, with short and then longer operations; " +
    "then hint and queue over many keys, and on Azure's timings.")
{
    benchRuns, benchKeys, benchSeconds, waitSeconds, jitterSeconds, longSeconds, manyKeysRuns, manyKeys, azureRuns, azureSeconds,
};
bench.SetAction(async (parse, cancellationToken) =>
{
    var lengths = parse.GetValue(longSeconds) > 0 ? new[] { parse.GetValue(benchSeconds), parse.GetValue(longSeconds) } : [parse.GetValue(benchSeconds)];
    var scenarios = new List<ScenarioOptions>();
    foreach (var length in lengths)
    {
        var conflict = new ScenarioOptions(parse.GetValue(benchRuns), parse.GetValue(benchKeys), length, RetryStrategy.Fixed, parse.GetValue(waitSeconds), 1000, JitterSeconds: parse.GetValue(jitterSeconds));
        scenarios.Add(conflict);
        scenarios.Add(conflict with { Strategy = RetryStrategy.Hint });
        scenarios.Add(conflict with { Mode = LockMode.Queue });
    }
    if (parse.GetValue(manyKeysRuns) > 0)
    {
        var many = new ScenarioOptions(parse.GetValue(manyKeysRuns), parse.GetValue(manyKeys), parse.GetValue(benchSeconds), RetryStrategy.Hint, parse.GetValue(waitSeconds), 1000);
        scenarios.Add(many);
        scenarios.Add(many with { Mode = LockMode.Queue });
    }
    if (parse.GetValue(azureSeconds) > 0)
    {
        var azure = new ScenarioOptions(parse.GetValue(azureRuns), 1, parse.GetValue(azureSeconds), RetryStrategy.Hint, parse.GetValue(waitSeconds), 1000,
            Profile: HostProfile.Azure);
        scenarios.Add(azure);
        scenarios.Add(azure with { Mode = LockMode.Queue });
    }
    if (scenarios.Any(Invalid)) return 2;

    var results = new List<ContentionReport>();
    foreach (var options in scenarios)
    {
        var folder = Path.Combine("out", "bench", $"{options.Name}-{options.Seconds}s");
        var (code, result) = await LocalRun.RunAsync(options, options.DefaultPipelinePath, folder, cancellationToken);
        if (result is null || code != 0) return code == 0 ? 1 : code;
        results.Add(result);
    }
    // One column per scenario: fits the 80 columns of logs and CI.
    var table = new Table().AddColumn("").AddColumns(scenarios.Zip(results, (s, r) => $"{s.Name}, {r.Totals.OperationSeconds} s").ToArray());
    void Row(string name, Func<ContentionReport, string> value) => table.AddRow([name, .. results.Select(value)]);
    Row("makespan s (ideal)", r => $"{r.Totals.MakespanSeconds:0.0} ({r.Totals.IdealSeconds})");
    Row("ratio (target queue <= 1.15 at 1 s, 1.05 at 10 s, 1.3 on many keys)", r => $"{r.Totals.MakespanRatio:0.000}");
    Row("function starts per success (queue: 1.0)", r => $"{r.Totals.StartsPerSuccess:0.00}");
    Row("status polls per success", r => $"{r.Totals.PollsPerSuccess:0.00}");
    Row("conflicts (after a run's first)", r => $"{r.Totals.Conflicts} ({r.Makespan?.RepeatConflicts})");
    Row("avg hold s", r => $"{r.Makespan?.AverageHoldSeconds:0.000}");
    Row("avg idle lock per handover s", r => $"{r.Makespan?.AverageHandoverSeconds:0.000}");
    Row("start + end s", r => $"{r.Makespan?.StartSeconds:0.00} + {r.Makespan?.EndSeconds:0.00}");
    Row("overlaps", r => $"{r.Totals.Overlaps}");
    Row("queue: lock order != join order (pairs)", r => r.Makespan?.QueueOrderInversions is { } n ? $"{n}" : "-");
    AnsiConsole.Write(table);
    AnsiConsole.MarkupLine("Conflict mode: a waiting run can only come back in whole seconds (a Data Factory Wait), so each handover costs up to a " +
        "second of idle lock plus the hold's own overrun, whatever the operation's length. Queue mode: the releasing run hands the lock to the next " +
        "in line itself. The Nkeys columns spread the runs over N keys; the azure columns run the host on the app's timings in Azure (host.json's queue " +
        "polling). Start + end: on the slowest key. Reports: out/bench/<scenario>-<seconds>s/.");
    return 0;
});
root.Subcommands.Add(bench);

return await root.Parse(args).InvokeAsync(invocation);

static bool Invalid(ScenarioOptions options)
{
    foreach (var problem in options.Problems())
        Console.Error.WriteLine(problem);
    return options.Problems().Count > 0;
}
