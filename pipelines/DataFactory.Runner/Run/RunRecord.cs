using System.Collections.Immutable;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DataFactory.Runner.Run;

/// <summary>Run statuses as Data Factory monitoring shows them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunState>))]
public enum RunState { InProgress, Succeeded, Failed, Skipped, Cancelled }

/// <summary>An error as Data Factory reports it.</summary>
public sealed record RunError(
    [property: JsonPropertyName("errorCode")] string ErrorCode,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("failureType")] string FailureType,
    [property: JsonPropertyName("target")] string Target);

/// <summary>A pipeline run, shaped like Data Factory's monitoring (Pipeline runs - Get) and readable by tools.</summary>
public sealed class PipelineRun
{
    [JsonPropertyName("runId")] public required string RunId { get; init; }
    [JsonPropertyName("pipelineName")] public required string PipelineName { get; init; }
    [JsonPropertyName("parentRunId")] public string? ParentRunId { get; init; }
    [JsonPropertyName("status")] public RunState Status { get; set; } = RunState.InProgress;
    [JsonPropertyName("runStart")] public DateTimeOffset RunStart { get; init; }
    [JsonPropertyName("runEnd")] public DateTimeOffset? RunEnd { get; set; }
    [JsonPropertyName("durationInMs")] public long? DurationInMs { get; set; }
    [JsonPropertyName("parameters")] public JsonObject Parameters { get; init; } = [];
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("error")] public RunError? Error { get; set; }

    /// <summary>The pipelineReturnValue set by SetVariable activities.</summary>
    [JsonPropertyName("output")] public JsonObject? Output { get; set; }

    [JsonPropertyName("activityRuns")] public List<ActivityRun> ActivityRuns { get; init; } = [];
}

/// <summary>One run of one activity (a retry is another run; iterations carry their index).</summary>
public sealed class ActivityRun
{
    [JsonPropertyName("activityRunId")] public required string ActivityRunId { get; init; }
    [JsonPropertyName("activityName")] public required string ActivityName { get; init; }
    [JsonPropertyName("activityType")] public required string ActivityType { get; init; }

    /// <summary>The containers above it: e.g. "Until OK[3]" for the 3rd iteration of that loop.</summary>
    [JsonPropertyName("scope")] public string Scope { get; init; } = "";

    /// <summary>ForEach item index (from 0) or Until iteration (from 1) of the innermost loop, if any.</summary>
    [JsonPropertyName("iteration")] public int? Iteration { get; init; }

    [JsonPropertyName("attempt")] public int Attempt { get; init; } = 1;
    [JsonPropertyName("status")] public RunState Status { get; set; } = RunState.InProgress;
    [JsonPropertyName("activityRunStart")] public DateTimeOffset ActivityRunStart { get; init; }
    [JsonPropertyName("activityRunEnd")] public DateTimeOffset? ActivityRunEnd { get; set; }
    [JsonPropertyName("durationInMs")] public long? DurationInMs { get; set; }
    [JsonPropertyName("input")] public JsonNode? Input { get; set; }
    [JsonPropertyName("output")] public JsonNode? Output { get; set; }
    [JsonPropertyName("error")] public RunError? Error { get; set; }

    /// <summary>Web activities: every request the activity sent, its call and each status poll (null for other activities).</summary>
    [JsonPropertyName("executionDetails")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WebExecutionDetails? ExecutionDetails { get; set; }
}

/// <summary>
/// What a Web activity sent and got back: the call, then each GET of the Location while the answers were 202.
/// Data Factory's monitoring shows none of this; here it is filled as the requests happen, so a run that failed,
/// timed out or is still polling shows its polls so far. URLs have their credentials redacted.
/// </summary>
public sealed class WebExecutionDetails
{
    [JsonPropertyName("call")] public WebRequestRecord? Call { get; set; }

    /// <summary>Replaced, never changed in place: readers of a running activity see a consistent list.</summary>
    [JsonPropertyName("polls")] public ImmutableList<WebRequestRecord> Polls { get; set; } = [];
}

/// <summary>One HTTP request of a Web activity and its answer.</summary>
/// <param name="SentAt">When the request was sent (UTC).</param>
/// <param name="Url">The URL, with the values of credential query parameters (code, token, sig, ...) replaced by ***.</param>
/// <param name="StatusCode">The answer's status; null when none came (timeout, connection failure).</param>
/// <param name="RetryAfterSeconds">The answer's Retry-After in seconds; null when absent (or an HTTP date).</param>
/// <param name="WaitSeconds">How long the activity waited before its next poll; null when this answer ended the polling.</param>
public sealed record WebRequestRecord(
    [property: JsonPropertyName("sentAt")] DateTimeOffset SentAt,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("statusCode")] int? StatusCode,
    [property: JsonPropertyName("retryAfterSeconds")] int? RetryAfterSeconds,
    [property: JsonPropertyName("waitSeconds")] double? WaitSeconds);
