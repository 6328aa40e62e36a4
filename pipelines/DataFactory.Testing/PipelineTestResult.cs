using System.Text;
using System.Text.Json.Nodes;
using DataFactory.Runner.Run;

namespace DataFactory.Testing;

/// <summary>What a pipeline test's run did, to assert on. Times are on the test's virtual clock.</summary>
public sealed class PipelineTestResult(PipelineRun run, IReadOnlyDictionary<string, JsonNode?> variables,
    IReadOnlyList<ActivityCall> calls, IReadOnlyList<ExpressionEvaluation> trace)
{
    /// <summary>The runner's record, shaped like Data Factory's monitoring (child pipelines' activity runs included, their scope prefixed).</summary>
    public PipelineRun Run => run;

    public RunState Status => run.Status;

    /// <summary>The error that failed the run (the first failed leaf's), null when it succeeded.</summary>
    public RunError? Error => run.Error;

    /// <summary>The pipeline's return value (SetVariable pipelineReturnValue), null when it sets none.</summary>
    public JsonObject? ReturnValue => run.Output;

    /// <summary>The pipeline's variables after the run.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Variables => variables;

    /// <summary>Every activity run in the order they started (a retry is another run; skipped activities are listed as Skipped).</summary>
    public IReadOnlyList<ActivityRun> ActivityRuns { get; } = [.. run.ActivityRuns.OrderBy(a => a.ActivityRunStart)];

    /// <summary>Every call of a stubbed activity, in order (a Web activity's status polls are calls too).</summary>
    public IReadOnlyList<ActivityCall> Calls => calls;

    /// <summary>Every expression the run evaluated, in order, with its value or error.</summary>
    public IReadOnlyList<ExpressionEvaluation> Trace => trace;

    public DateTimeOffset Start => run.RunStart;

    public DateTimeOffset End => run.RunEnd ?? run.RunStart;

    /// <summary>How long the run took in virtual time.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>The runs of one activity, in order (one per attempt and per loop iteration).</summary>
    public IReadOnlyList<ActivityRun> RunsOf(string activityName) => [.. ActivityRuns.Where(a => a.ActivityName == activityName)];

    /// <summary>The one run of an activity; throws, listing what ran, when it ran never or more than once.</summary>
    public ActivityRun SingleRun(string activityName)
    {
        var runs = RunsOf(activityName);
        return runs.Count == 1
            ? runs[0]
            : throw new PipelineTestException($"Activity '{activityName}' ran {runs.Count} time(s), not once.\n{Describe()}");
    }

    /// <summary>The stub calls of one activity, in order.</summary>
    public IReadOnlyList<ActivityCall> CallsTo(string activityName) => [.. calls.Where(c => c.ActivityName == activityName)];

    /// <summary>Throws with <see cref="Describe"/> unless the run succeeded.</summary>
    public PipelineTestResult EnsureSucceeded() =>
        Status == RunState.Succeeded ? this : throw new PipelineTestException($"The run of '{run.PipelineName}' ended {Status}.\n{Describe()}");

    /// <summary>
    /// The run for a failure message: its status and error, each activity run with its virtual times, and the expressions of
    /// the activities that failed (the ones that failed first).
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"Pipeline '{run.PipelineName}': {Status} after {Duration} (virtual){(run.Message is { } m ? ": " + m : "")}");
        foreach (var activity in ActivityRuns)
        {
            var iteration = activity.Iteration is { } i ? $" #{i}" : "";
            var attempt = activity.Attempt > 1 ? $" attempt {activity.Attempt}" : "";
            text.AppendLine($"  +{activity.ActivityRunStart - Start} {activity.Scope}{activity.ActivityName}{iteration}{attempt}: {activity.Status}" +
                (activity.Error is { } e ? $" [{e.ErrorCode}] {e.Message}" : ""));
        }
        var failedNames = ActivityRuns.Where(a => a.Status == RunState.Failed).Select(a => a.ActivityName).ToHashSet();
        var relevant = trace.Where(t => t.Error is not null || (t.ActivityName is { } name && failedNames.Contains(name))).ToList();
        if (relevant.Count > 0)
        {
            text.AppendLine("Expressions of the failed activities:");
            foreach (var evaluation in relevant.OrderBy(t => t.Error is null))
                text.AppendLine($"  {evaluation.ActivityName}: {evaluation.Expression} => {(evaluation.Error is { } error ? "ERROR " + error : evaluation.Value?.ToJsonString() ?? "null")}");
        }
        return text.ToString();
    }

    public override string ToString() => Describe();
}
