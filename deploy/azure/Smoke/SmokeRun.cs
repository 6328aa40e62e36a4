using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure;

namespace Smoke;

/// <summary>What to run: N runs of one pipeline at once on one lock key, and how to follow them.</summary>
public sealed record SmokeOptions(
    string Pipeline, int Runs, string LockKey, string Operation, JsonObject Input, int? MaxAttempts,
    TimeSpan PollInterval, TimeSpan Timeout, string? SummaryFile)
{
    public IEnumerable<string> Problems()
    {
        if (Runs < 1) yield return $"--runs must be at least 1 (got {Runs}).";
        if (string.IsNullOrWhiteSpace(LockKey)) yield return "--lock-key must not be empty.";
        if (MaxAttempts is < 1) yield return $"--max-attempts must be at least 1 (got {MaxAttempts}).";
        if (PollInterval <= TimeSpan.Zero) yield return "--poll-seconds must be positive.";
        if (Timeout <= TimeSpan.Zero) yield return "--timeout-minutes must be positive.";
    }
}

/// <summary>
/// The smoke run: starts the runs at once (so the lock's conflict path runs too), follows each until it ends,
/// reads its activity runs, prints one summary line per run and says which activity failed and why.
/// Exit code 0 only when every run succeeded.
/// </summary>
public sealed class SmokeRun(DataFactoryRuns factory, SmokeOptions options, TextWriter output, TimeProvider time)
{
    private static readonly HashSet<string> Ended = ["Succeeded", "Failed", "Cancelled"];

    public async Task<(int ExitCode, IReadOnlyList<RunSummary> Runs)> RunAsync(CancellationToken cancellationToken)
    {
        var parameters = new JsonObject
        {
            ["operation"] = options.Operation,
            ["lockKey"] = options.LockKey,
            ["input"] = options.Input.DeepClone(),
        };
        if (options.MaxAttempts is { } maxAttempts)
            parameters["maxAttempts"] = maxAttempts;
        output.WriteLine($"Smoke: {options.Runs} run(s) of {options.Pipeline} at once on lock key '{options.LockKey}', " +
            $"operation '{options.Operation}' {options.Input.ToJsonString()} ({factory.Id})");

        var started = time.GetUtcNow();
        var runIds = await Task.WhenAll(Enumerable.Range(1, options.Runs).Select(async number =>
        {
            var runId = await factory.CreateRunAsync(options.Pipeline, (JsonObject)parameters.DeepClone(), cancellationToken);
            output.WriteLine($"run {number}: started {runId}");
            return runId;
        }));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var summaries = await Task.WhenAll(runIds.Select((runId, index) => FollowAsync(index + 1, runId, started, deadline.Token, cancellationToken)));

        Print(summaries);
        if (options.SummaryFile is { } file)
            await File.WriteAllTextAsync(file, Markdown(summaries), cancellationToken);
        return (summaries.All(s => s.Succeeded) ? 0 : 1, summaries);
    }

    private async Task<RunSummary> FollowAsync(int number, string runId, DateTimeOffset started, CancellationToken deadline, CancellationToken cancellationToken)
    {
        JsonObject run;
        while (true)
        {
            run = await factory.GetRunAsync(runId, cancellationToken);
            var status = run["status"]?.GetValue<string>() ?? "";
            if (Ended.Contains(status))
                break;
            try
            {
                await Task.Delay(options.PollInterval, time, deadline);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var activities = await factory.QueryActivityRunsAsync(runId, started.AddMinutes(-5), time.GetUtcNow().AddMinutes(5), cancellationToken);
                var open = RunSummary.From(number, run, activities);
                output.WriteLine($"run {number}: still {status} after {options.Timeout.TotalMinutes:0.#} min; giving up on it (it keeps running in the factory)");
                return open with { Status = "TimedOut", Error = $"still {status} after {options.Timeout.TotalMinutes:0.#} min (--timeout-minutes)" };
            }
        }
        // Activity runs are indexed by when they were last updated: a window around the whole run.
        var activityRuns = await factory.QueryActivityRunsAsync(runId, started.AddMinutes(-5), time.GetUtcNow().AddMinutes(5), cancellationToken);
        var summary = RunSummary.From(number, run, activityRuns);
        output.WriteLine($"run {number}: {summary.Status}");
        return summary;
    }

    private void Print(IReadOnlyList<RunSummary> runs)
    {
        output.WriteLine();
        output.WriteLine($"{"run",-4} {"status",-10} {"attempts",8} {"conflicts",9} {"waited s",8} {"took s",7}  outcome");
        foreach (var r in runs)
        {
            output.WriteLine($"{r.Number,-4} {r.Status,-10} {r.Attempts,8} {r.Conflicts,9} {F(r.WaitSeconds),8} {F(r.DurationSeconds),7}  {Outcome(r)}");
        }
        var succeeded = runs.Count(r => r.Succeeded);
        output.WriteLine($"{succeeded}/{runs.Count} runs succeeded, {runs.Sum(r => r.Conflicts)} conflicts, {runs.Sum(r => r.Attempts)} attempts, waited {F(runs.Sum(r => r.WaitSeconds))} s in all");
        foreach (var r in runs.Where(r => !r.Succeeded))
            output.WriteLine(FailureLine(r));
    }

    public static string FailureLine(RunSummary r) =>
        $"FAILED run {r.Number} ({r.RunId}) {r.Status}: " +
        (r.FailedActivity is { } activity ? $"activity '{activity}' failed: {r.Error}" : r.Error);

    private static string Outcome(RunSummary r) => r.Succeeded ? $"OK, instance {r.InstanceId}" : r.FailedActivity is { } a ? $"'{a}': {r.Error}" : r.Error ?? "";

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>The same table in Markdown, for a pull request comment or the job summary.</summary>
    private string Markdown(IReadOnlyList<RunSummary> runs)
    {
        var text = new StringBuilder();
        text.AppendLine($"{runs.Count(r => r.Succeeded)}/{runs.Count} runs of `{options.Pipeline}` succeeded (lock key `{options.LockKey}`, operation `{options.Operation}`).");
        text.AppendLine();
        text.AppendLine("| run | status | attempts | conflicts | waited s | took s | outcome |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in runs)
            text.AppendLine($"| {r.Number} | {r.Status} | {r.Attempts} | {r.Conflicts} | {F(r.WaitSeconds)} | {F(r.DurationSeconds)} | {Outcome(r).Replace("|", "\\|")} |");
        return text.ToString();
    }

    /// <summary>A refused request, said plainly: status, ARM error code and message.</summary>
    public static string Describe(RequestFailedException e) =>
        $"The Data Factory API answered {e.Status}{(string.IsNullOrEmpty(e.ErrorCode) ? "" : $" {e.ErrorCode}")}: {e.Message.Split('\n')[0]}";
}
