using DataFactory.Runner.Run;

namespace DataFactory.Runner.Cli;

public static class RunReport
{
    /// <summary>One line per activity run, then the pipeline's status and error.</summary>
    public static void Print(PipelineRun run, TextWriter writer)
    {
        foreach (var activity in run.ActivityRuns.OrderBy(a => a.ActivityRunStart))
        {
            var attempt = activity.Attempt > 1 ? $" (attempt {activity.Attempt})" : "";
            var polls = activity.ExecutionDetails is { Polls.Count: > 0 and var count } ? $" ({count} status poll(s))" : "";
            var error = activity.Error is { } e ? $" - {e.ErrorCode}: {e.Message}" : "";
            writer.WriteLine($"  {activity.Status,-9} {activity.DurationInMs,7} ms  {activity.Scope}{activity.ActivityName} [{activity.ActivityType}]{attempt}{polls}{error}");
        }
        writer.WriteLine($"Pipeline {run.PipelineName} {run.Status} in {run.DurationInMs} ms (run {run.RunId})");
        if (run.Error is { } failure)
            writer.WriteLine($"  {failure.ErrorCode}: {failure.Message}");
        if (run.Output is { } output)
            writer.WriteLine($"  output: {output.ToJsonString()}");
    }
}
