using System.Text.Json.Nodes;

namespace DataFactory.Testing;

/// <summary>
/// One call of a stubbed activity, as the stub sees it and the result lists it. For a Web activity every request is
/// a call: the first, then each status poll after a 202.
/// </summary>
public sealed record ActivityCall
{
    public required string ActivityName { get; init; }

    /// <summary>The activity's JSON type: WebActivity, Copy, Lookup, AzureFunctionActivity, ...</summary>
    public required string ActivityType { get; init; }

    /// <summary>
    /// What the pipeline sends, evaluated. A Web activity: <c>{ method, url, headers, body }</c> of the request (body parsed
    /// when it is JSON; headers include Authorization when the activity uses the managed identity). Any other
    /// activity: its typeProperties with every expression evaluated.
    /// </summary>
    public required JsonNode? Input { get; init; }

    /// <summary>1 for the first call of this activity in the run, 2 for the next (retries, loop iterations and polls count).</summary>
    public required int CallNumber { get; init; }

    /// <summary>The activity run's attempt (its retry policy): 1, 2, ...</summary>
    public required int Attempt { get; init; }

    /// <summary>
    /// The containers above the activity in its own pipeline, e.g. <c>Until OK[2]/</c>; "" at its top level. (The result's
    /// activity runs of a child pipeline carry the full path: <c>Run Child&gt;Child/Until OK[2]/</c>.)
    /// </summary>
    public required string Scope { get; init; }

    /// <summary>The innermost Until iteration (from 1) or ForEach item index (from 0), if any.</summary>
    public int? Iteration { get; init; }

    /// <summary>A Web activity's GET of the Location a 202 named (not its first request).</summary>
    public bool IsStatusPoll { get; init; }

    /// <summary>When the call was made, on the test's virtual clock.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The request's URL (Web activities), for short assertions.</summary>
    public string? Url => Input?["url"] is JsonValue url && url.TryGetValue<string>(out var text) ? text : null;
}
