using ExclusiveOperations.LocalHost;
using Spectre.Console;

namespace ExclusiveOperations.LocalEnvironment;

/// <summary>Starts the local environment, runs the contention scenario, prints what happened, stops everything.</summary>
public static class LocalRun
{
    public static async Task<int> RunAsync(ScenarioOptions options, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLine($"[bold]Local environment[/]: {options.Runs} callers, {options.Keys} key(s), operation 'wait' {options.Seconds} s, " +
            $"retry strategy {options.Strategy.ToString().ToLowerInvariant()}");

        AzuriteServer? azurite = null;
        LocalHostProcess? host = null;
        try
        {
            azurite = await AzuriteServer.StartAsync(cancellationToken: cancellationToken);
            AnsiConsole.MarkupLine($"Azurite on 127.0.0.1:{azurite.BlobPort}/{azurite.QueuePort}/{azurite.TablePort} ([grey]{azurite.Location}[/])");
            host = await LocalHostProcess.StartAsync(azurite.ConnectionString, "LocalEnvironment", cancellationToken: cancellationToken);
            AnsiConsole.MarkupLine($"Local function host on {host.BaseUrl} (Durable Task, Azure Storage backend)");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var scenario = new ContentionScenario(new DurableHttpClient(http), host.BaseUrl, options);
            var began = DateTimeOffset.UtcNow;
            scenario.AttemptFinished += (caller, attempt) => AnsiConsole.MarkupLine(Describe(caller, attempt, began));
            var results = await scenario.RunAsync(cancellationToken);
            var makespan = DateTimeOffset.UtcNow - began;

            return Summarize(results, options, began, makespan);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
                Directory.Delete(azurite.Location, recursive: true);
            }
            AnsiConsole.MarkupLine("[grey]Stopped the local function host and Azurite.[/]");
        }
    }

    private static string Describe(CallerResult caller, Attempt attempt, DateTimeOffset began)
    {
        var at = $"{(attempt.EndedAt - began).TotalSeconds,6:0.0}s";
        var who = $"run {caller.RunNumber,3} {caller.LockKey} attempt {attempt.Number}";
        var run = attempt.Run;
        return run.OutcomeStatus switch
        {
            "OK" => $"{at}  {who}: [green]OK[/] (held the lock {Seconds(run.LockAcquiredAt, began)} - {Seconds(run.LockReleasedAt, began)})",
            "Conflict" => $"{at}  {who}: [yellow]Conflict[/] (held by {Short(run.HolderId)}, retry after {run.RetryAfterSeconds} s)",
            _ => $"{at}  {who}: [red]{Markup.Escape(run.RuntimeStatus)}[/] {Markup.Escape(run.Status["output"]?.ToJsonString() ?? "")}",
        };
    }

    private static int Summarize(IReadOnlyList<CallerResult> results, ScenarioOptions options, DateTimeOffset began, TimeSpan makespan)
    {
        var table = new Table().AddColumns("run", "key", "attempts", "result", "lock held", "finished");
        foreach (var caller in results)
        {
            var last = caller.Attempts[^1];
            table.AddRow(
                caller.RunNumber.ToString(), caller.LockKey, caller.Attempts.Count.ToString(),
                caller.Succeeded ? "[green]OK[/]" : $"[red]{Markup.Escape(last.Run.OutcomeStatus ?? last.Run.RuntimeStatus)}[/]",
                caller.Succeeded ? $"{Seconds(last.Run.LockAcquiredAt, began)} - {Seconds(last.Run.LockReleasedAt, began)}" : "",
                $"{(last.EndedAt - began).TotalSeconds:0.0}s");
        }
        AnsiConsole.Write(table);

        var overlaps = LockIntervals.Overlaps(results.Where(r => r.Succeeded).Select(r => r.Winning!.Run));
        var succeeded = results.Count(r => r.Succeeded);
        var conflicts = results.Sum(r => r.Attempts.Count(a => a.Run.OutcomeStatus == "Conflict"));
        var ideal = results.GroupBy(r => r.LockKey).Max(g => g.Count()) * options.Seconds;
        AnsiConsole.MarkupLine(
            $"[bold]{succeeded}/{results.Count} runs OK[/], {conflicts} conflicts, {results.Sum(r => r.Attempts.Count)} function starts, " +
            $"overlaps {overlaps.Count}, makespan {makespan.TotalSeconds:0.0} s (ideal {ideal:0.0} s, ratio {(ideal > 0 ? makespan.TotalSeconds / ideal : 0):0.00})");
        foreach (var overlap in overlaps)
            AnsiConsole.MarkupLine($"[red]OVERLAP[/] {Markup.Escape(overlap)}");
        return succeeded == results.Count && overlaps.Count == 0 ? 0 : 1;
    }

    private static string Seconds(DateTimeOffset? at, DateTimeOffset began) => at is { } t ? $"{(t - began).TotalSeconds:0.0}s" : "?";

    private static string Short(string? id) => id is null ? "?" : id[..Math.Min(8, id.Length)];
}
