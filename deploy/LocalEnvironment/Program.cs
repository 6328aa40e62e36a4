using System.CommandLine;
using ExclusiveOperations.LocalEnvironment;
using Spectre.Console;

var runs = new Option<int>("--runs") { Description = "Pipeline runs started at once.", DefaultValueFactory = _ => 8 };
var keys = new Option<int>("--keys") { Description = "Lock keys the runs are spread over.", DefaultValueFactory = _ => 2 };
var seconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 2 };
var strategy = new Option<RetryStrategy>("--strategy") { Description = "After a Conflict: hint = the function's retryAfterSeconds, fixed = --wait-seconds.", DefaultValueFactory = _ => RetryStrategy.Hint };
var waitSeconds = new Option<int>("--wait-seconds") { Description = "The fixed wait after a Conflict (and the hint's fallback).", DefaultValueFactory = _ => 5 };
var maxAttempts = new Option<int>("--max-attempts") { Description = "The pipeline's bound on attempts per run.", DefaultValueFactory = _ => 100 };
var report = new Option<string>("--report") { Description = "Folder for report.json and report.html.", DefaultValueFactory = _ => Path.Combine("out", "local") };
var pipeline = new Option<string>("--pipeline") { Description = "The pipeline JSON to run.", DefaultValueFactory = _ => Path.Combine("pipelines", "generated", "pipeline", "RunExclusiveOperation.json") };

var root = new RootCommand(
    "The local environment: Azurite + the local function host + many runs of the generated RunExclusiveOperation pipeline " +
    "at once, executed by the local pipeline runner. Checks that every run succeeds and no two operations on a key overlapped.")
{
    runs, keys, seconds, strategy, waitSeconds, maxAttempts, report, pipeline,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new ScenarioOptions(parse.GetValue(runs), parse.GetValue(keys), parse.GetValue(seconds), parse.GetValue(strategy),
        parse.GetValue(waitSeconds), parse.GetValue(maxAttempts));
    if (Invalid(options)) return 2;
    return (await LocalRun.RunAsync(options, parse.GetValue(pipeline)!, parse.GetValue(report)!, cancellationToken)).ExitCode;
});

// The benchmark's own defaults: N=20 runs, 1 key, 1 s operations (issue 5).
var benchRuns = new Option<int>("--runs") { Description = "Pipeline runs started at once.", DefaultValueFactory = _ => 20 };
var benchKeys = new Option<int>("--keys") { Description = "Lock keys the runs are spread over.", DefaultValueFactory = _ => 1 };
var benchSeconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 1 };
var bench = new Command("bench", "The contention benchmark: both strategies, one after the other on this machine.")
{
    benchRuns, benchKeys, benchSeconds, waitSeconds, pipeline,
};
bench.SetAction(async (parse, cancellationToken) =>
{
    var results = new List<ContentionReport>();
    foreach (var chosen in new[] { RetryStrategy.Fixed, RetryStrategy.Hint })
    {
        var options = new ScenarioOptions(parse.GetValue(benchRuns), parse.GetValue(benchKeys), parse.GetValue(benchSeconds), chosen, parse.GetValue(waitSeconds), 1000);
        if (Invalid(options)) return 2;
        var (code, result) = await LocalRun.RunAsync(options, parse.GetValue(pipeline)!, Path.Combine("out", "bench", chosen.ToString().ToLowerInvariant()), cancellationToken);
        if (result is null || code != 0) return code == 0 ? 1 : code;
        results.Add(result);
    }
    var table = new Table().AddColumns("strategy", "makespan s", "ideal s", "ratio (target hint <= 1.15)", "starts per success (target hint <= 2.0)", "conflicts", "overlaps");
    foreach (var r in results.Select(r => r.Totals))
        table.AddRow(r.Strategy, $"{r.MakespanSeconds}", $"{r.IdealSeconds}", $"{r.MakespanRatio}", $"{r.StartsPerSuccess}", $"{r.Conflicts}", $"{r.Overlaps}");
    AnsiConsole.Write(table);
    return 0;
});
root.Subcommands.Add(bench);

return await root.Parse(args).InvokeAsync();

static bool Invalid(ScenarioOptions options)
{
    foreach (var problem in options.Problems())
        Console.Error.WriteLine(problem);
    return options.Problems().Count > 0;
}
