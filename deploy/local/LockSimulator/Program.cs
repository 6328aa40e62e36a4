using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContentionReports;
using LockSimulator;
using ScenarioMode = ContentionReports.LockMode;

var runs = new Option<int>("--runs") { Description = "Pipeline runs.", DefaultValueFactory = _ => 8 };
var keys = new Option<int>("--keys") { Description = "Lock keys the runs are spread over (run i uses key i mod K).", DefaultValueFactory = _ => 2 };
var seconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 2 };
var mode = new Option<ScenarioMode>("--mode") { Description = "conflict (RunExclusiveOperation) or queue (RunExclusiveOperationQueued).", DefaultValueFactory = _ => ScenarioMode.Conflict };
var strategy = new Option<RetryStrategy>("--strategy") { Description = "Conflict mode, after a Conflict: hint or fixed.", DefaultValueFactory = _ => RetryStrategy.Hint };
var waitSeconds = new Option<int>("--wait-seconds") { Description = "The fixed wait after a Conflict.", DefaultValueFactory = _ => 5 };
var jitterSeconds = new Option<int?>("--jitter-seconds") { Description = "Fixed strategy: up to this many whole seconds added at random (default 5, the pipeline's)." };
var maxAttempts = new Option<int>("--max-attempts") { Description = "The pipeline's bound on attempts per run.", DefaultValueFactory = _ => 100 };
var report = new Option<string>("--report") { Description = "Folder for report.json (and report.html up to 500 runs).", DefaultValueFactory = _ => Path.Combine("out", "simulate") };
var profile = new Option<Profile>("--profile") { Description = "The platform's timings: local (as measured) or azure (host.json's polling, Data Factory's latency).", DefaultValueFactory = _ => Profile.Local };
var set = new Option<string[]>("--set") { Description = "Overrides a model parameter: name=seconds (repeatable; --model lists them).", AllowMultipleArgumentsPerToken = true };
var showModel = new Option<bool>("--model") { Description = "Prints the latency model's parameters, values and sources, and exits." };
var rate = new Option<double?>("--rate") { Description = "Arrivals as a Poisson process of this many runs per second (default: all at once)." };
var scheduleFile = new Option<string?>("--schedule") { Description = "Arrivals from a file: one start instant in seconds per line." };
var prices = new Option<string?>("--prices") { Description = "A prices JSON file instead of the one shipped (prices.json)." };
var queueTimeout = new Option<double?>("--queue-timeout") { Description = "Queue mode: each run's queueTimeout in seconds (default: the app's DefaultQueueTimeout, 1 h)." };
var seed = new Option<int>("--seed") { Description = "The random seed (latencies, jitter, arrivals).", DefaultValueFactory = _ => 1 };
var seeds = new Option<int>("--seeds")
{
    Description = "Also runs the scenario with the next seeds, this many in all, and prints the mean and range of its figures (the reports are the first seed's).",
    DefaultValueFactory = _ => 1,
};

var root = new RootCommand(
    "The lock simulator: the lock's own decisions (LockProtocol) on virtual time, with a latency model of Data Factory, Durable Functions " +
    "(Azure Storage backend) and storage; the same summary and report.json as ./build.sh local, plus billable counts and their cost.")
{
    runs, keys, seconds, mode, strategy, waitSeconds, jitterSeconds, maxAttempts, report, profile, set, showModel, rate, scheduleFile, prices, queueTimeout, seed, seeds,
};
root.SetAction(parse =>
{
    PlatformModel model;
    try
    {
        model = PlatformModel.For(parse.GetValue(profile)).With(parse.GetValue(set) ?? []);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    if (parse.GetValue(showModel))
    {
        foreach (var p in model.Parameters)
            Console.WriteLine($"{p.Name} = {p.Seconds.ToString(CultureInfo.InvariantCulture)} s: {p.Meaning} [{p.Source}]");
        return 0;
    }
    var options = new ScenarioOptions(parse.GetValue(runs), parse.GetValue(keys), parse.GetValue(seconds), parse.GetValue(strategy),
        parse.GetValue(waitSeconds), parse.GetValue(maxAttempts), parse.GetValue(mode), parse.GetValue(jitterSeconds));
    var problems = options.Problems(maxRuns: 1_000_000);
    Arrivals arrivals;
    try
    {
        arrivals = parse.GetValue(scheduleFile) is { } file
            ? new Arrivals(Schedule: [.. File.ReadAllLines(file).Where(l => l.Trim().Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture))])
            : new Arrivals(parse.GetValue(rate));
    }
    catch (Exception e) when (e is IOException or FormatException)
    {
        problems.Add($"--schedule: {e.Message}");
        arrivals = new Arrivals();
    }
    if (parse.GetValue(rate) is <= 0) problems.Add("--rate must be positive.");
    if (parse.GetValue(queueTimeout) is < 1) problems.Add("--queue-timeout must be at least 1 second.");
    if (parse.GetValue(seeds) < 1) problems.Add("--seeds must be at least 1.");
    if (problems.Count > 0)
    {
        problems.ForEach(Console.Error.WriteLine);
        return 2;
    }
    var priceList = PriceList.Load(parse.GetValue(prices) ?? Path.Combine(AppContext.BaseDirectory, "prices.json"));

    var clock = Stopwatch.StartNew();
    TimeSpan? timeout = parse.GetValue(queueTimeout) is { } limit ? TimeSpan.FromSeconds(limit) : null;
    var simulation = new Simulation(options, model, parse.GetValue(seed), timeout);
    var result = simulation.Run(arrivals);
    var cost = CostReport.From(result, simulation.Billable, model, priceList);
    clock.Stop();

    var folder = parse.GetValue(report)!;
    Directory.CreateDirectory(folder);
    var json = new JsonSerializerOptions { WriteIndented = true };
    File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(result, json));
    File.WriteAllText(Path.Combine(folder, "cost.json"), JsonSerializer.Serialize(cost, json));
    if (options.Runs <= 500)
        File.WriteAllText(Path.Combine(folder, "report.html"), TimelineHtml.Render(result));
    Console.WriteLine($"Simulated {options.Runs} runs on {options.Keys} key(s), operation 'wait' {options.Seconds} s, {parse.GetValue(profile).ToString().ToLowerInvariant()} profile, " +
        (options.Mode == ScenarioMode.Queue ? "queue mode" : $"strategy {options.Label}") + $", in {clock.Elapsed.TotalSeconds:0.0} s of wall time (virtual time, lock lifetime {simulation.Lifetime.TotalSeconds:0} s)");
    if (options.Runs <= 50)
        ReportConsole.PrintSummary(result);
    else
        ReportConsole.PrintTotals(result);
    CostReport.Print(cost);
    if (parse.GetValue(seeds) > 1)
        Console.WriteLine(SeedSpread.Run(options, model, arrivals, parse.GetValue(seed), parse.GetValue(seeds), timeout));
    Console.WriteLine($"Reports: {Path.Combine(folder, "report.json")}, {Path.Combine(folder, "cost.json")}");
    return result.Totals.Overlaps == 0 ? 0 : 1;
});
return root.Parse(args).Invoke();
