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
}
