using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Runner.Run;

namespace LocalDataFactory;

/// <summary>
/// The JSON of Data Factory's monitoring operations, api-version 2018-06-01: PipelineRun (Pipeline Runs - Get)
/// and ActivityRun (Activity Runs - Query By Pipeline Run), as documented at
/// learn.microsoft.com/rest/api/datafactory/pipeline-runs/get and .../activity-runs/query-by-pipeline-run.
/// </summary>
public static class ArmShapes
{
    public static JsonObject PipelineRun(FactoryRun run, DateTimeOffset now)
    {
        var record = run.Record;
        // Statuses: Queued, InProgress, Succeeded, Failed, Canceling, Cancelled.
        var status = record?.Status.ToString() ?? (run.CancelRequested ? "Canceling" : RunState.InProgress.ToString());
        return new JsonObject
        {
            ["runId"] = run.RunId,
            ["runGroupId"] = run.RunId,
            ["isLatest"] = true,
            ["pipelineName"] = run.PipelineName,
            ["parameters"] = run.Parameters.DeepClone(),
            ["runDimensions"] = new JsonObject(),
            ["invokedBy"] = new JsonObject { ["name"] = "Manual", ["id"] = run.RunId, ["invokedByType"] = "Manual" },
            ["lastUpdated"] = Time(record?.RunEnd ?? now),
            ["runStart"] = Time(run.RunStart),
            ["runEnd"] = record?.RunEnd is { } end ? Time(end) : null,
            ["durationInMs"] = record?.DurationInMs,
            ["status"] = status,
            ["message"] = record?.Message ?? "",
        };
    }

    public static JsonObject ActivityRun(FactoryRun run, ActivityRun activity)
    {
        // An activity still running when its pipeline was cancelled never ends on its own: Data Factory shows it Cancelled.
        var status = activity.Status == RunState.InProgress && run.Record?.Status == RunState.Cancelled ? RunState.Cancelled : activity.Status;
        var shape = new JsonObject
        {
            ["pipelineName"] = run.PipelineName,
            ["pipelineRunId"] = run.RunId,
            ["activityName"] = activity.ActivityName,
            ["activityType"] = activity.ActivityType,
            ["activityRunId"] = activity.ActivityRunId,
            ["linkedServiceName"] = "",
            ["status"] = status.ToString(),
            ["activityRunStart"] = Time(activity.ActivityRunStart),
            ["activityRunEnd"] = activity.ActivityRunEnd is { } end ? Time(end) : null,
            ["durationInMs"] = activity.DurationInMs,
            ["input"] = activity.Input?.DeepClone() ?? new JsonObject(),
            ["output"] = activity.Output?.DeepClone(),
            ["error"] = new JsonObject
            {
                ["errorCode"] = activity.Error?.ErrorCode ?? "",
                ["message"] = activity.Error?.Message ?? "",
                ["failureType"] = activity.Error?.FailureType ?? "",
                ["target"] = activity.Error?.Target ?? activity.ActivityName,
                ["details"] = "",
            },
            ["retryAttempt"] = activity.Attempt > 1 ? activity.Attempt - 1 : null,
            ["userProperties"] = new JsonObject(),
        };
        // The runner's own record of a Web activity's call and status polls (Data Factory shows none): kept here so
        // the smoke run and other API clients see the polls too.
        if (activity.ExecutionDetails is { } details)
            shape["executionDetails"] = JsonSerializer.SerializeToNode(details);
        return shape;
    }

    public static DateTimeOffset LastUpdated(ActivityRun activity) => activity.ActivityRunEnd ?? activity.ActivityRunStart;

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
