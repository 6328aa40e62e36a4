using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ContentionReports;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace LocalEnvironment;

/// <summary>Where one pipeline run is, for the live table.</summary>
public sealed record RunProgress(int Run, string LockKey, int Attempt, string State, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>
/// Many runs of a generated pipeline (RunExclusiveOperation or RunExclusiveOperationQueued) at once, executed by the local pipeline runner
/// against the local function host: the product's whole loop (pipeline -> HTTP -> durable function -> lock).
/// </summary>
public sealed class PipelineContention(HttpClient http, Pipeline pipeline, LocalFunctionApp app, ScenarioOptions options)
{
    public const string CallActivity = ContentionReport.CallActivity;

    public ConcurrentDictionary<int, RunProgress> Progress { get; } = new();

    public async Task<IReadOnlyList<(int Run, string LockKey, PipelineRun Record)>> RunAsync(CancellationToken cancellationToken)
    {
        // Run ids are GUIDs, as Data Factory's are: each names its run's trace (RunnerTelemetry.ContextOf).
        var runNumbers = Enumerable.Range(1, options.Runs).ToDictionary(_ => Guid.NewGuid().ToString(), run => run);
        var runIds = runNumbers.ToDictionary(p => p.Value, p => p.Key);
        var runner = new PipelineRunner(http, TimeProvider.System, new RunnerOptions
        {
            ManagedIdentityToken = app.ManagedIdentityToken,
            ActivityRunEnded = (record, activity) =>
            {
                if (!runNumbers.TryGetValue(record.RunId, out var run) || activity.ActivityName != CallActivity) return;
                var status = activity.Output?["output"]?["status"]?.GetValue<string>() ?? activity.Output?["runtimeStatus"]?.GetValue<string>() ?? activity.Status.ToString();
                Progress.AddOrUpdate(run, _ => throw new InvalidOperationException(), (_, p) => p with
                {
                    Attempt = p.Attempt + 1,
                    State = status == "Conflict" ? $"Conflict, retry in {activity.Output?["output"]?["retryAfterSeconds"]} s" : status,
                });
            },
        });

        var tasks = Enumerable.Range(1, options.Runs).Select(run => Task.Run(async () =>
        {
            var key = options.KeyOf(run);
            Progress[run] = new RunProgress(run, key, 0, "starting", DateTimeOffset.UtcNow, null);
            var parameters = new Dictionary<string, JsonNode?>(app.PipelineParameters())
            {
                ["operation"] = "wait",
                ["lockKey"] = key,
                ["input"] = new JsonObject { ["seconds"] = options.Seconds },
            };
            if (options.Mode == LockMode.Conflict)
            {
                parameters["retryIntervalSeconds"] = options.WaitSeconds;
                parameters["useRetryHint"] = options.Strategy == RetryStrategy.Hint;
                parameters["maxAttempts"] = options.MaxAttempts;
                if (options.JitterSeconds is { } jitter) parameters["retryJitterSeconds"] = jitter;
            }
            var record = await runner.RunAsync(pipeline, parameters, runId: runIds[run], cancellationToken: cancellationToken);
            Progress[run] = Progress[run] with { State = record.Status == RunState.Succeeded ? "Succeeded" : $"{record.Status}: {record.Error?.ErrorCode}", EndedAt = DateTimeOffset.UtcNow };
            return (run, key, record);
        }, cancellationToken));
        return await Task.WhenAll(tasks);
    }
}
