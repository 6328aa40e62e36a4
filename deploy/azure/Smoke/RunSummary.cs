using System.Text.Json.Nodes;

namespace Smoke;

/// <summary>
/// What one run of RunExclusiveOperation or RunExclusiveOperationQueued did, read from its activity runs (Data Factory's
/// pipeline run does not carry the pipeline's return value): attempts, conflicts, time waited for the lock (Waits after
/// conflicts, or time in the lock's line), outcome, and for a run that did not succeed the activity that failed and its error.
/// </summary>
public sealed record RunSummary(
    int Number, string RunId, string Status, int Attempts, int Conflicts, double WaitSeconds, double DurationSeconds,
    string? InstanceId, string? FailedActivity, string? Error)
{
    // Activity names of pipelines/generated/pipeline/RunExclusiveOperation.json (the queued pipeline has only the call).
    public const string CountAttempt = "Count Attempt";
    public const string CallFunction = "Call Durable Azure Function";
    public const string WaitBeforeRetry = "Wait Before Retry";

    private static readonly HashSet<string> Containers = new(StringComparer.OrdinalIgnoreCase) { "Until", "IfCondition", "ForEach", "Switch", "ExecutePipeline" };

    public bool Succeeded => Status == "Succeeded";

    public static RunSummary From(int number, JsonObject pipelineRun, IReadOnlyList<JsonObject> activityRuns)
    {
        string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        IEnumerable<JsonObject> Named(string name) => activityRuns.Where(a => Text(a["activityName"]) == name);
        var calls = Named(CallFunction).Where(a => Text(a["status"]) == "Succeeded").Select(a => a["output"]?["output"]).ToList();

        string? failedActivity = null, error = null;
        var status = Text(pipelineRun["status"]) ?? "Unknown";
        if (status != "Succeeded")
        {
            // The innermost failed activity says why; containers only repeat their child's error.
            var failed = activityRuns
                .Where(a => Text(a["status"]) == "Failed")
                .OrderBy(a => Containers.Contains(Text(a["activityType"]) ?? "") ? 1 : 0)
                .ThenByDescending(a => Text(a["activityRunEnd"]) ?? "")
                .FirstOrDefault();
            failedActivity = failed is null ? null : Text(failed["activityName"]);
            var code = Text(failed?["error"]?["errorCode"]);
            var message = Text(failed?["error"]?["message"]);
            error = failed is not null && !string.IsNullOrEmpty(message) ? (string.IsNullOrEmpty(code) ? message : $"{code}: {message}")
                : status == "Cancelled" || status == "Canceling" ? "the run was cancelled"
                : Text(pipelineRun["message"]) is { Length: > 0 } pipelineMessage ? pipelineMessage : $"the run ended {status}";
        }

        return new RunSummary(
            number,
            Text(pipelineRun["runId"]) ?? "",
            status,
            // The queued pipeline calls once and counts nothing: its attempts are its calls.
            Math.Max(Named(CountAttempt).Count(a => Text(a["status"]) == "Succeeded"), Named(CallFunction).Count()),
            calls.Count(o => Text(o?["status"]) == "Conflict"),
            Named(WaitBeforeRetry).Sum(a => a["durationInMs"] is JsonValue d ? d.GetValue<double>() : 0) / 1000
                + calls.Sum(o => o?["queuedSeconds"] is JsonValue q && q.TryGetValue<double>(out var queued) ? queued : 0),
            pipelineRun["durationInMs"] is JsonValue duration ? duration.GetValue<double>() / 1000 : 0,
            calls.Where(o => Text(o?["status"]) == "OK").Select(o => Text(o?["instanceId"])).LastOrDefault(),
            failedActivity,
            error);
    }
}
