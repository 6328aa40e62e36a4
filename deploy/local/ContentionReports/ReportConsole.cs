using Spectre.Console;

namespace ContentionReports;

/// <summary>The console summary of a contention report: one row per run, the totals, where the makespan went.</summary>
public static class ReportConsole
{
    public static void PrintSummary(ContentionReport report)
    {
        var table = new Table().AddColumns("run", "key", "status", "attempts", "polls", "lock held (s from start)", "ended");
        var start = report.Runs.Min(r => r.StartedAt);
        foreach (var run in report.Runs)
        {
            var ok = run.Operations.FirstOrDefault(o => o.Status == "OK");
            table.AddRow(run.Number.ToString(), run.LockKey,
                run.Status == "Succeeded" ? "[green]Succeeded[/]" : $"[red]{Markup.Escape(run.Status)} {Markup.Escape(run.Error?.ErrorCode ?? "")}[/]",
                run.Attempts.ToString(), run.Polls.ToString(),
                ok is { LockAcquiredAt: { } a, LockReleasedAt: { } r } ? $"{(a - start).TotalSeconds:0.0} - {(r - start).TotalSeconds:0.0}" : "",
                run.EndedAt is { } e ? $"{(e - start).TotalSeconds:0.0}s" : "");
        }
        AnsiConsole.Write(table);
        PrintTotals(report);
    }

    /// <summary>The totals and where the makespan went, without a row per run (for thousands of runs).</summary>
    public static void PrintTotals(ContentionReport report)
    {
        var t = report.Totals;
        AnsiConsole.MarkupLine($"[bold]{t.Succeeded}/{t.Runs} runs succeeded[/], {t.Conflicts} conflicts, {t.FunctionStarts} function starts " +
            $"({t.StartsPerSuccess} per success), {t.Polls} status polls ({t.PollsPerSuccess} per success), overlaps {(t.Overlaps == 0 ? "[green]0[/]" : $"[red]{t.Overlaps}[/]")}, " +
            $"makespan {t.MakespanSeconds} s (ideal {t.IdealSeconds} s, ratio {t.MakespanRatio})");
        if (report.Makespan is { } b)
        {
            AnsiConsole.MarkupLine($"Makespan on key {Markup.Escape(b.LockKey)}: start {b.StartSeconds} s + holds {b.HoldSeconds} s (avg {b.AverageHoldSeconds} s) " +
                $"+ idle lock {b.IdleSeconds} s (avg {b.AverageHandoverSeconds} s per handover) + end {b.EndSeconds} s; " +
                $"{b.RepeatConflicts} conflicts after a run's first" + (b.AverageReturnDelaySeconds is { } d ? $", runs called again {d} s after retryAt on average" : "") +
                (b.QueueOrderInversions is { } n ? (n == 0 ? ", queued runs got the lock in the order they joined the line" : $", [red]{n} pairs of queued runs got the lock out of join order[/]") : ""));
        }
        if (report.Longest is { } line)
            AnsiConsole.MarkupLine($"At most {report.RunsWaiting.Max(w => w.Runs)} runs waited for a lock at once; the longest line: " +
                $"{line.Runs} on key {Markup.Escape(line.LockKey)}, {(line.At - report.Runs.Min(r => r.StartedAt)).TotalSeconds:0.0} s from the start");
        var failed = report.Runs.Where(r => r.Error is not null).ToList();
        // Thousands of simulated failures say one thing: the first few and how many.
        foreach (var run in failed.Take(10))
            AnsiConsole.MarkupLine($"[red]run {run.Number}[/]: {Markup.Escape(run.Error!.ErrorCode)}: {Markup.Escape(run.Error.Message)}");
        if (failed.Count > 10)
            AnsiConsole.MarkupLine($"[red]... and {failed.Count - 10} more failed runs[/] ({Markup.Escape(string.Join(", ", failed.GroupBy(r => r.Error!.ErrorCode).Select(g => $"{g.Count()} {g.Key}")))})");
        foreach (var overlap in report.OverlapDetails)
            AnsiConsole.MarkupLine($"[red]OVERLAP[/] {Markup.Escape(overlap)}");
    }
}
