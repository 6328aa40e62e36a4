using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;

namespace DataFactory.Runner.Run;

/// <summary>What an activity ended as, as <c>activity('name')</c> sees it.</summary>
public sealed record ActivityOutcome(RunState Status, JsonNode? Output, RunError? Error)
{
    public JsonObject ToJson() => new()
    {
        ["status"] = Status.ToString(),
        ["output"] = Output?.DeepClone(),
        ["error"] = Error is null ? null : new JsonObject { ["errorCode"] = Error.ErrorCode, ["message"] = Error.Message, ["failureType"] = Error.FailureType, ["target"] = Error.Target },
    };
}

/// <summary>The state of one pipeline run: parameters, variables, return value, and the record being written.</summary>
public sealed class PipelineRunState(Pipeline pipeline, PipelineRun record, JsonObject pipelineObject, TimeProvider time)
{
    public Pipeline Pipeline => pipeline;
    public PipelineRun Record => record;
    public JsonObject PipelineObject => pipelineObject;
    public TimeProvider Time => time;
    public ConcurrentDictionary<string, JsonNode?> Variables { get; } = new();
    public JsonObject ReturnValue { get; } = [];
    public object Gate { get; } = new();

    /// <summary><see cref="RunnerOptions.ExpressionEvaluated"/>, for the expressions of this run.</summary>
    public Action<ExpressionEvaluation>? ExpressionEvaluated { get; init; }
}

/// <summary>
/// One list of activities being run: the pipeline's, a branch's, or one loop iteration's. Outcomes are looked
/// up here first, then in enclosing scopes, so activity('x') inside an iteration sees that iteration's x.
/// </summary>
public sealed class RunScope(PipelineRunState state, RunScope? parent, string path, JsonNode? item, bool hasItem, int? iteration) : IExpressionContext
{
    private readonly ConcurrentDictionary<string, ActivityOutcome> _outcomes = new();

    public PipelineRunState State => state;
    public string Path => path;
    public int? Iteration => iteration ?? parent?.Iteration;

    public RunScope Child(string childPath, int? childIteration = null) => new(state, this, childPath, null, false, childIteration);

    public RunScope ForItem(string childPath, JsonNode? childItem, int index) => new(state, this, childPath, childItem, true, index);

    public void Record(string activity, ActivityOutcome outcome) => _outcomes[activity] = outcome;

    public ActivityOutcome? OutcomeOf(string activity) =>
        _outcomes.TryGetValue(activity, out var outcome) ? outcome : parent?.OutcomeOf(activity);

    public JsonObject Pipeline => state.PipelineObject;

    public DateTimeOffset UtcNow => state.Time.GetUtcNow();

    public JsonNode? Variable(string name) =>
        state.Variables.TryGetValue(name, out var value)
            ? value?.DeepClone()
            : throw new KeyNotFoundException($"The pipeline has no variable '{name}'");

    public JsonNode? Activity(string name) =>
        OutcomeOf(name)?.ToJson() ?? throw new KeyNotFoundException($"Activity '{name}' has not run (yet) in this scope");

    public JsonNode? Item() =>
        hasItem ? item?.DeepClone() : parent is not null ? parent.Item() : throw new KeyNotFoundException("item() is only available inside a ForEach");
}
