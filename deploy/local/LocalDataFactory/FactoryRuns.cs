using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace LocalDataFactory;

/// <summary>
/// The pipeline runs of a Data Factory on this machine: runs started by createRun are executed by the local pipeline runner
/// (real Web activities, real Until/Wait) in the background and kept, with their activity runs, for the
/// monitoring operations. Runs live as long as the host process.
/// </summary>
public sealed class FactoryRuns : IDisposable
{
    private readonly LocalDataFactoryOptions _options;
    private readonly DirectoryInfo _folder;
    private readonly PipelineRunner _runner;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<string, FactoryRun> _runs = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;

    /// <param name="managementToken">The token the host's management routes accept: the local stand-in for the token of the
    /// factory's managed identity, which Web activities with MSI authentication send (e.g. to list a function key).</param>
    public FactoryRuns(LocalDataFactoryOptions options, string? managementToken, TimeProvider time)
    {
        _options = options;
        _time = time;
        _folder = new DirectoryInfo(Path.GetFullPath(options.PipelineFolder));
        _runner = new PipelineRunner(_http, time, new RunnerOptions
        {
            PipelineResolver = PipelineFolder.Resolver(_folder),
            ManagedIdentityToken = string.IsNullOrEmpty(managementToken) ? null : (_, _) => ValueTask.FromResult(managementToken),
            ActivityRunEnded = (record, run) =>
            {
                // Child pipelines (ExecutePipeline) report with their own run id; their activity runs are
                // folded into the parent's record when they end.
                if (_runs.TryGetValue(record.RunId, out var factoryRun))
                    factoryRun.Ended(run);
            },
        });
    }

    public LocalDataFactoryOptions Options => _options;

    public DirectoryInfo Folder => _folder;

    public abstract record StartResult
    {
        public sealed record Started(string RunId) : StartResult;
        public sealed record PipelineMissing(string Message) : StartResult;
        public sealed record InvalidParameters(string Message) : StartResult;
        public sealed record PipelineInvalid(string Message) : StartResult;
    }

    /// <summary>Validates the pipeline and its parameters at once (as createRun does), then runs it in the background.</summary>
    public StartResult Start(string pipelineName, IReadOnlyDictionary<string, JsonNode?> values)
    {
        var file = new FileInfo(Path.Combine(_folder.FullName, pipelineName + ".json"));
        if (!file.Exists)
            return new StartResult.PipelineMissing($"Pipeline '{pipelineName}' does not exist in factory '{_options.FactoryName}' (no {file.FullName}).");
        Pipeline pipeline;
        try
        {
            pipeline = PipelineJson.Deserialize(File.ReadAllText(file.FullName), file.FullName);
        }
        catch (PipelineFormatException e)
        {
            return new StartResult.PipelineInvalid($"Pipeline '{pipelineName}' of factory '{_options.FactoryName}' cannot be read: {e.Message}");
        }

        Dictionary<string, JsonNode?> merged;
        JsonObject bound;
        try
        {
            // Configuration keys ignore case (environment variables keep it, JSON files may not): match names the same way.
            merged = RunParameters.FromText(pipeline, _options.ParameterDefaults
                .Select(d => (Name: pipeline.Parameters.Keys.FirstOrDefault(k => string.Equals(k, d.Key, StringComparison.OrdinalIgnoreCase)), d.Value))
                .Where(d => d.Name is not null)
                .Select(d => $"{d.Name}={d.Value}"));
            foreach (var (name, value) in values)
                merged[name] = value?.DeepClone();
            bound = RunParameters.Bind(pipeline, merged);
        }
        catch (RunParameters.ParameterException e)
        {
            return new StartResult.InvalidParameters(e.Message);
        }

        var runId = Guid.NewGuid().ToString();
        var run = new FactoryRun(runId, pipeline.Name, _time.GetUtcNow(), MaskedText(pipeline, bound), CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        _runs[runId] = run;
        run.Completion = Task.Run(async () =>
        {
            var record = await _runner.RunAsync(pipeline, merged, runId: runId, cancellationToken: run.Cancellation.Token);
            run.Finish(record);
        });
        return new StartResult.Started(runId);
    }

    public FactoryRun? Find(string runId) => _runs.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Data Factory shows parameter values as text; secure strings are never shown.</summary>
    private static JsonObject MaskedText(Pipeline pipeline, JsonObject bound)
    {
        var shown = new JsonObject();
        foreach (var (name, value) in bound)
        {
            shown[name] = pipeline.Parameters[name].Type == ParameterType.SecureString ? "***"
                : value is JsonValue v && v.TryGetValue<string>(out var text) ? text
                : value?.ToJsonString() ?? "";
        }
        return shown;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _http.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>One pipeline run of the local factory: in progress (activity runs as they end) or finished (the runner's record).</summary>
public sealed class FactoryRun(string runId, string pipelineName, DateTimeOffset runStart, JsonObject parameters, CancellationTokenSource cancellation)
{
    private readonly object _gate = new();
    private readonly List<ActivityRun> _ended = [];

    public string RunId { get; } = runId;
    public string PipelineName { get; } = pipelineName;
    public DateTimeOffset RunStart { get; } = runStart;

    /// <summary>Parameter values as Data Factory shows them (text, secure strings masked).</summary>
    public JsonObject Parameters { get; } = parameters;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>The runner's record once the run ended; null while in progress.</summary>
    public PipelineRun? Record { get; private set; }

    public bool CancelRequested { get; private set; }

    internal void Ended(ActivityRun run)
    {
        lock (_gate) _ended.Add(run);
    }

    internal void Finish(PipelineRun record)
    {
        lock (_gate) Record = record;
        Cancellation.Dispose();
    }

    /// <summary>Asks the run to stop (Data Factory: Canceling, then Cancelled); false when it already ended.</summary>
    public bool Cancel()
    {
        lock (_gate)
        {
            if (Record is not null) return false;
            CancelRequested = true;
            Cancellation.Cancel();
            return true;
        }
    }

    /// <summary>The activity runs so far: all of them once the run ended, those that ended while in progress.</summary>
    public IReadOnlyList<ActivityRun> ActivityRuns()
    {
        lock (_gate) return Record is { } record ? [.. record.ActivityRuns] : [.. _ended];
    }
}
