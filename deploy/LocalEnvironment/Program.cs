using System.CommandLine;
using ExclusiveOperations.LocalEnvironment;

var runs = new Option<int>("--runs") { Description = "Callers that start at once.", DefaultValueFactory = _ => 8 };
var keys = new Option<int>("--keys") { Description = "Lock keys they are spread over.", DefaultValueFactory = _ => 2 };
var seconds = new Option<double>("--seconds") { Description = "How long each operation holds its lock.", DefaultValueFactory = _ => 2 };
var strategy = new Option<RetryStrategy>("--strategy") { Description = "After a Conflict: wait the function's hint, or a fixed time.", DefaultValueFactory = _ => RetryStrategy.Hint };
var waitSeconds = new Option<double>("--wait-seconds") { Description = "The fixed wait after a Conflict (--strategy fixed).", DefaultValueFactory = _ => 5 };
var maxAttempts = new Option<int>("--max-attempts") { Description = "A caller gives up after this many attempts.", DefaultValueFactory = _ => 50 };

var command = new RootCommand(
    "The local environment: starts Azurite and the local function host, then many callers that ask for the same " +
    "exclusive operation at once and retry after each Conflict until they get OK. Checks that no two OK operations " +
    "on one key overlapped. Everything it starts is stopped at the end, on failure and on Ctrl+C.")
{
    runs, keys, seconds, strategy, waitSeconds, maxAttempts,
};
command.SetAction(async (parse, cancellationToken) =>
{
    var options = new ScenarioOptions(
        parse.GetValue(runs), parse.GetValue(keys), parse.GetValue(seconds), parse.GetValue(strategy),
        parse.GetValue(waitSeconds), parse.GetValue(maxAttempts));
    var problems = options.Problems();
    foreach (var problem in problems)
        Console.Error.WriteLine(problem);
    return problems.Count > 0 ? 2 : await LocalRun.RunAsync(options, cancellationToken);
});
return await command.Parse(args).InvokeAsync();
