namespace DataFactory.Runner.Run;

/// <summary>Knobs of the runner that Data Factory fixes or does not document.</summary>
public sealed record RunnerOptions
{
    /// <summary>Activity timeout when the policy gives none (Data Factory: 12 hours).</summary>
    public TimeSpan DefaultActivityTimeout { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Until timeout when none is given (Data Factory documents 7 days).</summary>
    public TimeSpan DefaultUntilTimeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Web activity: poll interval after a 202 without Retry-After (Data Factory does not document its own).</summary>
    public TimeSpan DefaultPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Web activity: one request's limit when httpRequestTimeout is not set (Data Factory: 1 minute).</summary>
    public TimeSpan DefaultHttpRequestTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>ForEach: parallel iterations when batchCount is not set (Data Factory: 20).</summary>
    public int DefaultBatchCount { get; init; } = 20;

    /// <summary>Called when an activity run ends (any status), with the pipeline run it belongs to: live progress for tools.</summary>
    public Action<PipelineRun, ActivityRun>? ActivityRunEnded { get; init; }

    /// <summary>
    /// Web activities with <c>authentication: { type: MSI, resource }</c>: gives a bearer token for the resource
    /// (Data Factory would use the factory's managed identity). Null: such activities fail, saying how to pass one.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<string>>? ManagedIdentityToken { get; init; }

    /// <summary>The factory's global parameters, as <c>pipeline().globalParameters.name</c> reads them (child pipelines too).</summary>
    public IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> GlobalParameters { get; init; } = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>();

    /// <summary>Resolves ExecutePipeline references by pipeline name; null: ExecutePipeline fails with a clear error.</summary>
    public Func<string, DataFactory.Pipelines.Model.Pipeline?>? PipelineResolver { get; init; }

    /// <summary>
    /// Runs the activities of a type the runner does not execute (Copy, Lookup, Azure Function, ...), e.g. a test's
    /// stub: given the activity run and its typeProperties as evaluated, returns the output or throws
    /// <see cref="ActivityFailedException"/>. Null: such activities fail as not supported.
    /// </summary>
    public Func<ExternalActivityCall, CancellationToken, ValueTask<System.Text.Json.Nodes.JsonNode?>>? ExternalActivity { get; init; }

    /// <summary>Called with each expression a run evaluates (its value or its error): a trace for tests and tools.</summary>
    public Action<ExpressionEvaluation>? ExpressionEvaluated { get; init; }

    /// <summary>Called when a pipeline run (a child one too) ends, with its variables' final values.</summary>
    public Action<PipelineRun, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?>>? PipelineRunEnded { get; init; }
}

/// <summary>An activity handed to <see cref="RunnerOptions.ExternalActivity"/>: its model, its run record, its evaluated typeProperties.</summary>
public sealed record ExternalActivityCall(DataFactory.Pipelines.Model.Activity Activity, ActivityRun Run, System.Text.Json.Nodes.JsonNode? Input);

/// <summary>
/// One evaluated expression: where (run, pipeline, activity, scope), the text, and its value or error. The value of an
/// expression evaluated for an activity with secureInput is "***".
/// </summary>
public sealed record ExpressionEvaluation(string RunId, string PipelineName, string? ActivityName, string Scope, string Expression,
    System.Text.Json.Nodes.JsonNode? Value, string? Error, DateTimeOffset At);
