using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DataFactory.Runner.Run;

namespace ContentionReports;

/// <summary>report.json: what happened in a contention run, computed from the pipeline run records alone.</summary>
public sealed class ContentionReport
{
    /// <summary>The pipelines' activity that calls the function: its runs are the report's operations.</summary>
    public const string CallActivity = "Call Durable Azure Function";

    public sealed record Summary(
        [property: JsonPropertyName("runs")] int Runs,
        [property: JsonPropertyName("succeeded")] int Succeeded,
        [property: JsonPropertyName("failed")] int Failed,
        [property: JsonPropertyName("conflicts")] int Conflicts,
        [property: JsonPropertyName("functionStarts")] int FunctionStarts,
        [property: JsonPropertyName("overlaps")] int Overlaps,
        [property: JsonPropertyName("makespanSeconds")] double MakespanSeconds,
        [property: JsonPropertyName("idealSeconds")] double IdealSeconds,
        [property: JsonPropertyName("makespanRatio")] double MakespanRatio,
        [property: JsonPropertyName("startsPerSuccess")] double StartsPerSuccess,
        [property: JsonPropertyName("polls")] int Polls,
        [property: JsonPropertyName("pollsPerSuccess")] double PollsPerSuccess,
        [property: JsonPropertyName("strategy")] string Strategy,
        [property: JsonPropertyName("operationSeconds")] double OperationSeconds);

    /// <summary>
    /// Where the makespan went, on the key with the most runs whose last run ended last (its runs take the lock one after another):
    /// start (first call to first lock) + holds + idle lock time between holders + end (last release to the
    /// last run's end) = makespan. Idle time is what the retry strategy controls; holds and the ends are the
    /// host's and the pipeline's own latency.
    /// </summary>
    public sealed record Breakdown(
        [property: JsonPropertyName("lockKey")] string LockKey,
        [property: JsonPropertyName("startSeconds")] double StartSeconds,
        [property: JsonPropertyName("holdSeconds")] double HoldSeconds,
        [property: JsonPropertyName("averageHoldSeconds")] double AverageHoldSeconds,
        [property: JsonPropertyName("idleSeconds")] double IdleSeconds,
        [property: JsonPropertyName("averageHandoverSeconds")] double AverageHandoverSeconds,
        [property: JsonPropertyName("endSeconds")] double EndSeconds,
        [property: JsonPropertyName("repeatConflicts")] int RepeatConflicts,
        [property: JsonPropertyName("averageReturnDelaySeconds")] double? AverageReturnDelaySeconds,
        [property: JsonPropertyName("queueOrderInversions")] int? QueueOrderInversions);

    /// <summary>One call of the function: the orchestration it started and how it ended.</summary>
    public sealed record Operation(
        [property: JsonPropertyName("instanceId")] string InstanceId,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("calledAt")] DateTimeOffset CalledAt,
        [property: JsonPropertyName("answeredAt")] DateTimeOffset? AnsweredAt,
        [property: JsonPropertyName("lockAcquiredAt")] DateTimeOffset? LockAcquiredAt,
        [property: JsonPropertyName("lockReleasedAt")] DateTimeOffset? LockReleasedAt,
        [property: JsonPropertyName("retryAfterSeconds")] int? RetryAfterSeconds,
        [property: JsonPropertyName("retryAt")] DateTimeOffset? RetryAt,
        [property: JsonPropertyName("polls")] IReadOnlyList<Poll> Polls,
        [property: JsonPropertyName("queuedAt")] DateTimeOffset? QueuedAt = null);

    /// <summary>One GET of the call's status URL by the Web activity (from its executionDetails).</summary>
    public sealed record Poll(
        [property: JsonPropertyName("sentAt")] DateTimeOffset SentAt,
        [property: JsonPropertyName("statusCode")] int? StatusCode,
        [property: JsonPropertyName("retryAfterSeconds")] int? RetryAfterSeconds);

    public sealed record Run(
        [property: JsonPropertyName("runId")] string RunId,
        [property: JsonPropertyName("run")] int Number,
        [property: JsonPropertyName("lockKey")] string LockKey,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("error")] RunError? Error,
        [property: JsonPropertyName("attempts")] int Attempts,
        [property: JsonPropertyName("polls")] int Polls,
        [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
        [property: JsonPropertyName("endedAt")] DateTimeOffset? EndedAt,
        [property: JsonPropertyName("operations")] IReadOnlyList<Operation> Operations,
        [property: JsonPropertyName("waits")] IReadOnlyList<Wait> Waits,
        [property: JsonPropertyName("traceId")] string? TraceId = null);

    /// <summary>A Wait Before Retry after a Conflict.</summary>
    public sealed record Wait([property: JsonPropertyName("from")] DateTimeOffset From, [property: JsonPropertyName("to")] DateTimeOffset To);

    /// <summary>How many runs waited for a lock at an instant, from then on: a run waits from its start until its call that
    /// got the lock acquired it, or until it ended without (queue mode: its time in line; conflict mode: its
    /// conflicts and the waits between them).</summary>
    public sealed record Waiting([property: JsonPropertyName("at")] DateTimeOffset At, [property: JsonPropertyName("runs")] int Runs);

    /// <summary>The most runs that waited for one key's lock at once, and when.</summary>
    public sealed record LongestLine(
        [property: JsonPropertyName("lockKey")] string LockKey,
        [property: JsonPropertyName("runs")] int Runs,
        [property: JsonPropertyName("at")] DateTimeOffset At);

    [JsonPropertyName("summary")] public required Summary Totals { get; init; }
    [JsonPropertyName("breakdown")] public required Breakdown? Makespan { get; init; }
    [JsonPropertyName("runs")] public required IReadOnlyList<Run> Runs { get; init; }
    [JsonPropertyName("overlapDetails")] public required IReadOnlyList<string> OverlapDetails { get; init; }

    /// <summary>Runs waiting for a lock over time, all keys together: one point per change.</summary>
    [JsonPropertyName("waiting")] public required IReadOnlyList<Waiting> RunsWaiting { get; init; }

    [JsonPropertyName("longestLine")] public required LongestLine? Longest { get; init; }

    public static ContentionReport From(IReadOnlyList<(int Run, string LockKey, PipelineRun Record)> runs, ScenarioOptions options) =>
        FromRuns([.. runs.OrderBy(r => r.Run).Select(r => ToRun(r.Run, r.LockKey, r.Record))], options);

    /// <summary>The report of runs already in the report's shape (the simulator's, which has no pipeline run records).</summary>
    public static ContentionReport FromRuns(IReadOnlyList<Run> reportRuns, ScenarioOptions options)
    {
        var operations = reportRuns.SelectMany(r => r.Operations.Select(o => (r.LockKey, Operation: o))).ToList();
        var overlaps = Overlaps(operations);
        var start = reportRuns.Min(r => r.StartedAt);
        var end = reportRuns.Max(r => r.EndedAt ?? r.StartedAt);
        var makespan = (end - start).TotalSeconds;
        var ideal = reportRuns.GroupBy(r => r.LockKey).Max(g => g.Count()) * options.Seconds;
        var succeeded = reportRuns.Count(r => r.Status == nameof(RunState.Succeeded));
        var polls = reportRuns.Sum(r => r.Polls);
        return new ContentionReport
        {
            Totals = new Summary(
                reportRuns.Count, succeeded, reportRuns.Count - succeeded,
                operations.Count(o => o.Operation.Status == "Conflict"),
                operations.Count, overlaps.Count,
                Math.Round(makespan, 3), ideal, ideal > 0 ? Math.Round(makespan / ideal, 3) : 0,
                succeeded > 0 ? Math.Round((double)operations.Count / succeeded, 3) : 0,
                polls, succeeded > 0 ? Math.Round((double)polls / succeeded, 3) : 0,
                options.Label, options.Seconds),
            Makespan = BreakdownOf(reportRuns, start, end),
            Runs = reportRuns,
            OverlapDetails = overlaps,
            RunsWaiting = WaitingOverTime(reportRuns),
            Longest = reportRuns.GroupBy(r => r.LockKey)
                .Select(key => WaitingOverTime([.. key]).MaxBy(w => w.Runs) is { Runs: > 0 } most ? new LongestLine(key.Key, most.Runs, most.At) : null)
                .OfType<LongestLine>().OrderByDescending(l => l.Runs).ThenBy(l => l.At).FirstOrDefault(),
        };
    }

    private static List<Waiting> WaitingOverTime(IReadOnlyList<Run> runs)
    {
        var changes = runs.SelectMany(r => new[]
        {
            (At: r.StartedAt, Change: 1),
            (At: r.Operations.FirstOrDefault(o => o.Status == "OK")?.LockAcquiredAt ?? r.EndedAt ?? r.StartedAt, Change: -1),
        });
        var waiting = new List<Waiting>();
        var count = 0;
        foreach (var instant in changes.GroupBy(c => c.At).OrderBy(g => g.Key))
        {
            count += instant.Sum(c => c.Change);
            waiting.Add(new Waiting(instant.Key, count));
        }
        return waiting;
    }

    private static Breakdown? BreakdownOf(IReadOnlyList<Run> runs, DateTimeOffset start, DateTimeOffset end)
    {
        // The key that set the makespan: of the keys with the most runs, the one whose last run ended last.
        var busiest = runs.GroupBy(r => r.LockKey).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Max(r => r.EndedAt ?? r.StartedAt)).First();
        var holds = busiest.SelectMany(r => r.Operations)
            .Where(o => o is { Status: "OK", LockAcquiredAt: not null, LockReleasedAt: not null })
            .Select(o => (From: o.LockAcquiredAt!.Value, To: o.LockReleasedAt!.Value)).OrderBy(h => h.From).ToList();
        if (holds.Count == 0) return null;
        var handovers = holds.Zip(holds.Skip(1), (before, after) => (after.From - before.To).TotalSeconds).ToList();
        // How long after the retryAt of a Conflict its run called again.
        var returns = busiest.SelectMany(r => r.Operations.Zip(r.Operations.Skip(1), (before, after) => before.RetryAt is { } at ? (after.CalledAt - at).TotalSeconds : (double?)null))
            .OfType<double>().ToList();
        var conflicts = busiest.Sum(r => r.Operations.Count(o => o.Status == "Conflict"));
        return new Breakdown(
            busiest.Key,
            Math.Round((holds[0].From - start).TotalSeconds, 3),
            Math.Round(holds.Sum(h => (h.To - h.From).TotalSeconds), 3),
            Math.Round(holds.Average(h => (h.To - h.From).TotalSeconds), 3),
            Math.Round(handovers.Sum(), 3),
            handovers.Count == 0 ? 0 : Math.Round(handovers.Average(), 3),
            Math.Round((end - holds[^1].To).TotalSeconds, 3),
            conflicts - busiest.Count(r => r.Operations.Any(o => o.Status == "Conflict")),
            returns.Count == 0 ? null : Math.Round(returns.Average(), 3),
            QueueOrderInversions(busiest.SelectMany(r => r.Operations)));
    }

    /// <summary>
    /// Queue mode's first-come-first-served check: pairs of queued runs that got the lock in the other order than they
    /// joined the line (0 when the line was kept); null when no run was queued.
    /// </summary>
    private static int? QueueOrderInversions(IEnumerable<Operation> operations)
    {
        var queued = operations.Where(o => o is { Status: "OK", QueuedAt: not null, LockAcquiredAt: not null }).OrderBy(o => o.LockAcquiredAt).ToList();
        if (queued.Count == 0) return null;
        var inversions = 0;
        for (var i = 0; i < queued.Count; i++)
        {
            for (var j = i + 1; j < queued.Count; j++)
                inversions += queued[j].QueuedAt < queued[i].QueuedAt ? 1 : 0;
        }
        return inversions;
    }

    private static Run ToRun(int number, string lockKey, PipelineRun record)
    {
        var calls = record.ActivityRuns.Where(a => a.ActivityName == CallActivity).OrderBy(a => a.ActivityRunStart).ToList();
        var operations = calls.Select(call =>
        {
            var output = call.Output?["output"] as JsonObject;
            return new Operation(
                call.Output?["instanceId"]?.GetValue<string>() ?? output?["instanceId"]?.GetValue<string>() ?? "",
                output?["status"]?.GetValue<string>() ?? call.Output?["runtimeStatus"]?.GetValue<string>() ?? call.Status.ToString(),
                call.ActivityRunStart, call.ActivityRunEnd,
                output?["lockAcquiredAt"]?.GetValue<DateTimeOffset?>(),
                output?["lockReleasedAt"]?.GetValue<DateTimeOffset?>(),
                output?["retryAfterSeconds"]?.GetValue<int?>(),
                output?["retryAt"]?.GetValue<DateTimeOffset?>(),
                [.. (call.ExecutionDetails?.Polls ?? []).Select(p => new Poll(p.SentAt, p.StatusCode, p.RetryAfterSeconds))],
                output?["queuedAt"]?.GetValue<DateTimeOffset?>());
        }).ToList();
        var waits = record.ActivityRuns.Where(a => a.ActivityName == "Wait Before Retry" && a.ActivityRunEnd is not null)
            .Select(a => new Wait(a.ActivityRunStart, a.ActivityRunEnd!.Value)).OrderBy(w => w.From).ToList();
        return new Run(record.RunId, number, lockKey, record.Status.ToString(), record.Error, calls.Count, operations.Sum(o => o.Polls.Count),
            record.RunStart, record.RunEnd, operations, waits, DataFactory.Runner.Run.RunnerTelemetry.TraceIdOf(record.RunId));
    }

    /// <summary>Pairs of OK operations on one key whose lock intervals intersect; the lock promises there are none.</summary>
    private static List<string> Overlaps(List<(string LockKey, Operation Operation)> operations)
    {
        var overlaps = new List<string>();
        foreach (var key in operations.Where(o => o.Operation.Status == "OK").GroupBy(o => o.LockKey))
        {
            var held = key.Select(k => k.Operation).OrderBy(o => o.LockAcquiredAt).ToList();
            for (var i = 0; i < held.Count; i++)
            {
                for (var j = i + 1; j < held.Count && held[j].LockAcquiredAt < held[i].LockReleasedAt; j++)
                    overlaps.Add($"{key.Key}: {held[i].InstanceId} and {held[j].InstanceId}");
            }
        }
        return overlaps;
    }
}
