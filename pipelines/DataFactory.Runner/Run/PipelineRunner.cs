using System.Globalization;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;
using ActivityContext = System.Diagnostics.ActivityContext;
using ActivityKind = System.Diagnostics.ActivityKind;
using ActivityLink = System.Diagnostics.ActivityLink;
using ActivityStatusCode = System.Diagnostics.ActivityStatusCode;

namespace DataFactory.Runner.Run;

/// <summary>
/// Executes pipeline JSON (through the model) the way Data Factory does: activities start when their
/// dependencies allow, containers run their children, Web activities make real HTTP calls and follow 202
/// polling, waits and polling run on the injected <see cref="TimeProvider"/>. The pipeline's status follows
/// Data Factory's rule: every leaf activity (or, if skipped, its parents) must have succeeded.
/// </summary>
public sealed class PipelineRunner(HttpClient http, TimeProvider time, RunnerOptions? options = null)
{
    private readonly RunnerOptions _options = options ?? new RunnerOptions();
    private readonly WebCall _web = new(http, time, options ?? new RunnerOptions());

    /// <summary>On each request a Web activity sends: its activity run (a handler can answer by activity, as a test's stub does).</summary>
    public static readonly HttpRequestOptionsKey<ActivityRun> ActivityRunOption = new("DataFactory.Runner.ActivityRun");

    /// <param name="parameters">Values for the pipeline's parameters (typed JSON); missing ones take their defaults.</param>
    /// <param name="runId">The run's id; a new GUID when null (callers that follow progress choose it).</param>
    public async Task<PipelineRun> RunAsync(Pipeline pipeline, IReadOnlyDictionary<string, JsonNode?>? parameters = null,
        string? parentRunId = null, string? runId = null, CancellationToken cancellationToken = default)
    {
        runId ??= Guid.NewGuid().ToString();
        var start = time.GetUtcNow();
        var record = new PipelineRun { RunId = runId, PipelineName = pipeline.Name, ParentRunId = parentRunId, RunStart = start };
        PipelineRunState? state = null;
        // The run's own trace (RunnerTelemetry.ContextOf); a child pipeline's run links to the activity that started it.
        var caller = System.Diagnostics.Activity.Current;
        using var span = RunnerTelemetry.Source.StartActivity($"pipeline run {pipeline.Name}", ActivityKind.Internal,
            RunnerTelemetry.ContextOf(runId) ?? caller?.Context ?? default,
            [new(RunnerTelemetry.PipelineName, pipeline.Name), new(RunnerTelemetry.PipelineRunId, runId), new(RunnerTelemetry.ParentRunId, parentRunId)],
            caller is null || RunnerTelemetry.ContextOf(runId) is null ? null : [new ActivityLink(caller.Context)], start);
        try
        {
            var bound = RunParameters.Bind(pipeline, parameters ?? new Dictionary<string, JsonNode?>());
            foreach (var (name, value) in bound)
                record.Parameters[name] = pipeline.Parameters[name].Type == ParameterType.SecureString ? "***" : value?.DeepClone();

            var pipelineObject = new JsonObject
            {
                ["parameters"] = bound.DeepClone(),
                ["globalParameters"] = new JsonObject(_options.GlobalParameters.Select(g => KeyValuePair.Create(g.Key, g.Value?.DeepClone()))),
                ["RunId"] = runId,
                ["Pipeline"] = pipeline.Name,
                ["DataFactory"] = "local",
                ["TriggerTime"] = start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
                ["TriggerType"] = "Manual",
                ["TriggerName"] = "Manual",
                ["TriggerId"] = runId,
                ["GroupId"] = parentRunId ?? runId,
            };
            state = new PipelineRunState(pipeline, record, pipelineObject, time) { ExpressionEvaluated = _options.ExpressionEvaluated };
            foreach (var (name, variable) in pipeline.Variables)
                state.Variables[name] = variable.DefaultValue?.DeepClone() ?? DefaultOf(variable.Type);

            var scope = new RunScope(state, null, "", null, false, null);
            var result = await RunActivitiesAsync(pipeline.Activities, scope, cancellationToken);
            record.Status = result.Succeeded ? RunState.Succeeded : RunState.Failed;
            if (result.Error is { } error)
            {
                record.Error = error;
                record.Message = $"Operation on target {error.Target} failed: {error.Message}";
            }
            if (state.ReturnValue.Count > 0)
                record.Output = (JsonObject)state.ReturnValue.DeepClone();
        }
        catch (RunParameters.ParameterException e)
        {
            record.Status = RunState.Failed;
            record.Error = new RunError("BadRequest", e.Message, "UserError", pipeline.Name);
            record.Message = e.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            record.Status = RunState.Cancelled;
            record.Message = "The run was cancelled.";
        }
        record.RunEnd = time.GetUtcNow();
        record.DurationInMs = (long)(record.RunEnd.Value - start).TotalMilliseconds;
        span?.SetTag(RunnerTelemetry.PipelineStatus, record.Status.ToString());
        if (record.Status != RunState.Succeeded)
            span?.SetStatus(ActivityStatusCode.Error, record.Error?.ErrorCode ?? record.Status.ToString());
        RunnerTelemetry.End(span, time);
        _options.PipelineRunEnded?.Invoke(record, state?.Variables.ToDictionary(v => v.Key, v => v.Value?.DeepClone()) ?? []);
        return record;
    }

    /// <summary>
    /// A declared variable without a default reads as its type's empty value; for String that is "", not null
    /// (real Data Factory output quoted in microsoft/data-factory-testing-framework pull request 123, and its
    /// functional test variables_default_value).
    /// </summary>
    private static JsonNode DefaultOf(VariableType type) => type switch
    {
        VariableType.Array => new JsonArray(),
        VariableType.Boolean => JsonValue.Create(false),
        VariableType.Integer => JsonValue.Create(0L),
        _ => JsonValue.Create(""),
    };

    /// <summary>The outcome of a list of activities: Data Factory's leaf rule, and the error that decided it.</summary>
    internal sealed record ScopeResult(bool Succeeded, RunError? Error);

    internal async Task<ScopeResult> RunActivitiesAsync(IReadOnlyList<Activity> activities, RunScope scope, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, ActivityOutcome>();
        var pending = activities.ToList();
        var running = new Dictionary<Task<ActivityOutcome>, Activity>();
        while (pending.Count > 0 || running.Count > 0)
        {
            foreach (var activity in pending.ToList())
            {
                if (!activity.DependsOn.All(d => outcomes.ContainsKey(d.Activity)))
                    continue;
                pending.Remove(activity);
                if (activity.DependsOn.All(d => Satisfied(d, outcomes[d.Activity].Status)))
                {
                    running[RunWithPolicyAsync(activity, scope, cancellationToken)] = activity;
                }
                else
                {
                    var skipped = new ActivityOutcome(RunState.Skipped, null, null);
                    outcomes[activity.Name] = skipped;
                    scope.Record(activity.Name, skipped);
                    RecordSkipped(activity, scope);
                }
            }
            if (running.Count == 0)
            {
                if (pending.Count == 0) break;
                // Only a dependency cycle or a dependency on a missing activity gets here (validation reports both).
                var stuck = pending[0];
                var error = new RunError("InvalidDependency", $"Activity '{stuck.Name}' depends on activities that can never complete: {string.Join(", ", stuck.DependsOn.Select(d => d.Activity))}.", "UserError", stuck.Name);
                return new ScopeResult(false, error);
            }
            var done = await Task.WhenAny(running.Keys);
            var finished = running[done];
            running.Remove(done);
            var outcome = await done;
            outcomes[finished.Name] = outcome;
            scope.Record(finished.Name, outcome);
        }
        return Evaluate(activities, outcomes);
    }

    private static bool Satisfied(Dependency dependency, RunState status) => dependency.Conditions.Any(c => c switch
    {
        DependencyCondition.Succeeded => status == RunState.Succeeded,
        DependencyCondition.Failed => status == RunState.Failed,
        DependencyCondition.Skipped => status == RunState.Skipped,
        DependencyCondition.Completed => status is RunState.Succeeded or RunState.Failed,
        _ => false,
    });

    /// <summary>Leaves must succeed; a skipped leaf is judged by the activities it depends on (tutorial-pipeline-failure-error-handling).</summary>
    private static ScopeResult Evaluate(IReadOnlyList<Activity> activities, Dictionary<string, ActivityOutcome> outcomes)
    {
        var byName = activities.ToDictionary(a => a.Name);
        var leaves = activities.Where(a => !activities.Any(other => other.DependsOn.Any(d => d.Activity == a.Name)));
        RunError? firstError = null;
        bool Succeeded(Activity activity)
        {
            var outcome = outcomes[activity.Name];
            if (outcome.Status == RunState.Skipped)
                return activity.DependsOn.All(d => byName.TryGetValue(d.Activity, out var parent) && Succeeded(parent));
            if (outcome.Status != RunState.Succeeded)
                firstError ??= outcome.Error;
            return outcome.Status == RunState.Succeeded;
        }
        var succeeded = leaves.Select(Succeeded).ToList().All(s => s);
        return new ScopeResult(succeeded, succeeded ? null : firstError);
    }

    private void RecordSkipped(Activity activity, RunScope scope)
    {
        var now = time.GetUtcNow();
        AddRun(scope, new ActivityRun
        {
            ActivityRunId = Guid.NewGuid().ToString(),
            ActivityName = activity.Name,
            ActivityType = activity.Type,
            Scope = scope.Path,
            Iteration = scope.Iteration,
            Status = RunState.Skipped,
            ActivityRunStart = now,
            ActivityRunEnd = now,
            DurationInMs = 0,
        });
    }

    private static void AddRun(RunScope scope, ActivityRun run)
    {
        lock (scope.State.Gate)
            scope.State.Record.ActivityRuns.Add(run);
    }

    /// <summary>Runs one activity with its policy: timeout per attempt, then retries after the retry interval.</summary>
    private async Task<ActivityOutcome> RunWithPolicyAsync(Activity activity, RunScope scope, CancellationToken cancellationToken)
    {
        await Task.Yield();
        // Flows into this activity's evaluations only: an async method's changes do not flow back to its caller.
        CurrentActivity.Value = activity;
        var policy = activity.Policy;
        int retries;
        TimeSpan timeout;
        try
        {
            retries = policy?.Retry is { } retry ? (int)Values.AsLong(EvaluateValue(retry, scope)) : 0;
            timeout = policy?.Timeout is { } t ? ParseTimeSpan(Values.ToText(EvaluateValue(t, scope)), "policy.timeout") : _options.DefaultActivityTimeout;
        }
        catch (Exception e) when (e is ExpressionException or FormatException or InvalidCastException)
        {
            var error = new RunError("InvalidTemplate", $"The activity policy is invalid: {e.Message}", "UserError", activity.Name);
            return new ActivityOutcome(RunState.Failed, null, error);
        }
        var interval = TimeSpan.FromSeconds(policy?.RetryIntervalInSeconds ?? 30);

        for (var attempt = 1; ; attempt++)
        {
            var run = new ActivityRun
            {
                ActivityRunId = Guid.NewGuid().ToString(),
                ActivityName = activity.Name,
                ActivityType = activity.Type,
                Scope = scope.Path,
                Iteration = scope.Iteration,
                Attempt = attempt,
                ActivityRunStart = time.GetUtcNow(),
            };
            AddRun(scope, run);
            var span = RunnerTelemetry.Source.StartActivity($"activity {activity.Name}", ActivityKind.Internal, default(ActivityContext),
                [new(RunnerTelemetry.ActivityName, activity.Name), new(RunnerTelemetry.ActivityType, activity.Type), new(RunnerTelemetry.ActivityRunId, run.ActivityRunId),
                    new(RunnerTelemetry.ActivityAttempt, attempt), new(RunnerTelemetry.ActivityScope, scope.Path)], startTime: run.ActivityRunStart);
            ActivityOutcome outcome;
            using var timeoutSource = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            try
            {
                var output = await ExecuteAsync(activity, scope, run, linked.Token);
                outcome = new ActivityOutcome(RunState.Succeeded, output, null);
            }
            catch (ActivityFailedException e)
            {
                outcome = new ActivityOutcome(RunState.Failed, null, e.Error);
            }
            catch (Exception e) when (e is ExpressionException or FormatException)
            {
                outcome = new ActivityOutcome(RunState.Failed, null, new RunError("InvalidTemplate", e.Message, "UserError", activity.Name));
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                outcome = new ActivityOutcome(RunState.Failed, null,
                    new RunError("ActivityTimedOut", $"Activity '{activity.Name}' timed out after {timeout} (policy.timeout).", "UserError", activity.Name));
            }
            run.Status = outcome.Status;
            run.Output = policy?.SecureOutput == true && outcome.Output is not null ? JsonValue.Create("***") : outcome.Output?.DeepClone();
            run.Error = outcome.Error;
            run.ActivityRunEnd = time.GetUtcNow();
            run.DurationInMs = (long)(run.ActivityRunEnd.Value - run.ActivityRunStart).TotalMilliseconds;
            _options.ActivityRunEnded?.Invoke(scope.State.Record, run);
            span?.SetTag(RunnerTelemetry.ActivityStatus, outcome.Status.ToString());
            if (outcome.Error is { } failure)
                span?.SetStatus(ActivityStatusCode.Error, failure.ErrorCode);
            RunnerTelemetry.End(span, time);
            if (outcome.Status == RunState.Succeeded || attempt > retries)
                return outcome;
            await Task.Delay(interval, time, cancellationToken);
        }
    }

    private async Task<JsonNode?> ExecuteAsync(Activity activity, RunScope scope, ActivityRun run, CancellationToken cancellationToken)
    {
        void Input(JsonNode? input) => run.Input = activity.Policy?.SecureInput == true ? JsonValue.Create("***") : input;

        switch (activity)
        {
            case WaitActivity wait:
                {
                    var seconds = EvaluateValue(wait.WaitTimeInSeconds, scope);
                    if (!Values.IsNumber(seconds) || Values.AsDouble(seconds) < 0)
                        throw Fail(activity, "InvalidTemplate", $"waitTimeInSeconds must be a non-negative number, but is {Values.Describe(seconds)}.");
                    Input(new JsonObject { ["waitTimeInSeconds"] = seconds });
                    await Task.Delay(TimeSpan.FromSeconds(Values.AsDouble(seconds)), time, cancellationToken);
                    return new JsonObject { ["waitTimeInSeconds"] = seconds?.DeepClone() };
                }
            case SetVariableActivity { ReturnValues: { } returns }:
                {
                    var values = new JsonObject();
                    foreach (var (key, value) in returns)
                        values[key] = EvaluateValue(value, scope);
                    Input(values.DeepClone());
                    lock (scope.State.Gate)
                    {
                        foreach (var (key, value) in values)
                            scope.State.ReturnValue[key] = value?.DeepClone();
                    }
                    return new JsonObject { ["name"] = SetVariableActivity.PipelineReturnValue, ["value"] = values };
                }
            case SetVariableActivity set:
                {
                    var value = set.Value is null ? null : EvaluateValue(set.Value, scope);
                    Input(new JsonObject { ["variableName"] = set.VariableName, ["value"] = value?.DeepClone() });
                    Assign(activity, scope, set.VariableName, value);
                    return new JsonObject { ["name"] = set.VariableName, ["value"] = value?.DeepClone() };
                }
            case AppendVariableActivity append:
                {
                    var value = append.Value is null ? null : EvaluateValue(append.Value, scope);
                    Input(new JsonObject { ["variableName"] = append.VariableName, ["value"] = value?.DeepClone() });
                    lock (scope.State.Gate)
                    {
                        if (!scope.State.Variables.TryGetValue(append.VariableName, out var current) || current is not JsonArray array)
                            throw Fail(activity, "InvalidVariable", $"AppendVariable needs an Array variable '{append.VariableName}'.");
                        array.Add(value?.DeepClone());
                    }
                    return null;
                }
            case FailActivity fail:
                {
                    var message = Values.ToText(EvaluateValue(fail.Message, scope));
                    var code = Values.ToText(EvaluateValue(fail.ErrorCode, scope));
                    Input(new JsonObject { ["message"] = message, ["errorCode"] = code });
                    throw new ActivityFailedException(new RunError(code, message, "UserError", activity.Name));
                }
            case IfConditionActivity condition:
                {
                    var value = Evaluate(condition.Expression, scope);
                    if (Values.KindOf(value) != Values.Kind.Boolean)
                        throw Fail(activity, "InvalidTemplate", $"The IfCondition expression must be a boolean, but is {Values.Describe(value)}.");
                    var branch = value!.GetValue<bool>();
                    Input(new JsonObject { ["expression"] = branch });
                    var result = await RunActivitiesAsync(branch ? condition.IfTrueActivities : condition.IfFalseActivities,
                        scope.Child($"{scope.Path}{activity.Name}/{(branch ? "ifTrue" : "ifFalse")}/"), cancellationToken);
                    if (!result.Succeeded)
                        throw new ActivityFailedException(result.Error ?? new RunError("ActivityFailed", "An activity in the branch failed.", "UserError", activity.Name));
                    return new JsonObject { ["ifExpressionResult"] = branch };
                }
            case SwitchActivity @switch:
                {
                    var on = Evaluate(@switch.On, scope);
                    if (Values.KindOf(on) != Values.Kind.String)
                        throw Fail(activity, "InvalidTemplate", $"The Switch expression 'on' must give a string (case values are strings), but gives {Values.Describe(on)}; wrap it in string().");
                    var value = on!.GetValue<string>();
                    Input(new JsonObject { ["on"] = value });
                    var matched = @switch.Cases.FirstOrDefault(c => c.Value == value);
                    var result = await RunActivitiesAsync(matched?.Activities ?? @switch.DefaultActivities,
                        scope.Child($"{scope.Path}{activity.Name}/{(matched is null ? "default" : $"case '{matched.Value}'")}/"), cancellationToken);
                    if (!result.Succeeded)
                        throw new ActivityFailedException(result.Error ?? new RunError("ActivityFailed", "An activity in the case failed.", "UserError", activity.Name));
                    return new JsonObject();
                }
            case FilterActivity filter:
                {
                    var items = Evaluate(filter.Items, scope) as JsonArray
                        ?? throw Fail(activity, "InvalidTemplate", "The Filter items expression must give an array.");
                    Input(new JsonObject { ["items"] = items.DeepClone(), ["condition"] = filter.Condition.Value });
                    var kept = new JsonArray();
                    foreach (var (item, index) in items.Select((item, index) => (item, index)))
                    {
                        var keep = Evaluate(filter.Condition, scope.ForItem(scope.Path, item, index));
                        if (Values.KindOf(keep) != Values.Kind.Boolean)
                            throw Fail(activity, "InvalidTemplate", $"The Filter condition must give a boolean, but gives {Values.Describe(keep)} for item {index}.");
                        if (keep!.GetValue<bool>())
                            kept.Add(item?.DeepClone());
                    }
                    // Expressions read output.value (control-flow-filter-activity); the counts are what Data Factory's
                    // monitoring shows beside it.
                    return new JsonObject { ["ItemsCount"] = items.Count, ["FilteredItemsCount"] = kept.Count, ["Value"] = kept };
                }
            case UntilActivity until:
                return await RunUntilAsync(until, scope, Input, cancellationToken);
            case ForEachActivity forEach:
                return await RunForEachAsync(forEach, scope, Input, cancellationToken);
            case ExecutePipelineActivity execute:
                return await RunChildPipelineAsync(execute, scope, Input, cancellationToken);
            case WebActivity web:
                run.ExecutionDetails = new WebExecutionDetails();
                return await _web.RunAsync(web, scope, Input, run, cancellationToken);
            case UnknownActivity when _options.ExternalActivity is { } external:
                {
                    var input = EvaluateProperties(activity.ExtraTypeProperties, scope);
                    Input(input?.DeepClone());
                    return await external(new ExternalActivityCall(activity, run, input), cancellationToken);
                }
            default:
                throw Fail(activity, "ActivityTypeNotSupported",
                    $"Activity '{activity.Name}' is of type '{activity.Type}', which the local runner does not execute. " +
                    "Supported: WebActivity, Until, ForEach, IfCondition, Switch, Filter, Wait, SetVariable, AppendVariable, Fail, ExecutePipeline.");
        }
    }

    private async Task<JsonNode?> RunUntilAsync(UntilActivity until, RunScope scope, Action<JsonNode?> input, CancellationToken cancellationToken)
    {
        var timeout = until.Timeout is null ? _options.DefaultUntilTimeout : ParseTimeSpan(Values.ToText(EvaluateValue(until.Timeout, scope)), "timeout");
        input(new JsonObject { ["expression"] = until.Expression.Value, ["timeout"] = timeout.ToString() });
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var iteration = 0;
        try
        {
            while (true)
            {
                iteration++;
                // Inner failures do not stop the loop (control-flow-until-activity); the last iteration's outcome is the loop's.
                var result = await RunActivitiesAsync(until.Activities, scope.Child($"{scope.Path}{until.Name}[{iteration}]/", iteration), linked.Token);
                var done = Evaluate(until.Expression, scope);
                if (Values.KindOf(done) != Values.Kind.Boolean)
                    throw Fail(until, "InvalidTemplate", $"The Until expression must be a boolean, but is {Values.Describe(done)}.");
                if (done!.GetValue<bool>())
                {
                    if (!result.Succeeded)
                        throw new ActivityFailedException(result.Error ?? new RunError("ActivityFailed", "An activity in the last iteration failed.", "UserError", until.Name));
                    return new JsonObject { ["iterations"] = iteration };
                }
                linked.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Fail(until, "ActivityTimedOut", $"The Until loop '{until.Name}' did not end within its timeout {timeout} ({iteration} iteration(s)).");
        }
    }

    private async Task<JsonNode?> RunForEachAsync(ForEachActivity forEach, RunScope scope, Action<JsonNode?> input, CancellationToken cancellationToken)
    {
        var items = Evaluate(forEach.Items, scope) as JsonArray
            ?? throw Fail(forEach, "InvalidTemplate", "The ForEach items expression must give an array.");
        input(new JsonObject { ["items"] = items.DeepClone(), ["isSequential"] = forEach.IsSequential ?? false });
        var parallel = forEach.IsSequential == true ? 1 : Math.Clamp(forEach.BatchCount ?? _options.DefaultBatchCount, 1, 50);
        // batchCount workers, each taking the next item when its last one ends: items start in order, and nothing waits
        // outside the run's own flow (a semaphore's waiters resume on the thread pool, where a test's clock cannot see them).
        var results = new ScopeResult[items.Count];
        var next = -1;
        async Task Worker()
        {
            for (int index; (index = Interlocked.Increment(ref next)) < items.Count;)
                results[index] = await RunActivitiesAsync(forEach.Activities, scope.ForItem($"{scope.Path}{forEach.Name}[{index}]/", items[index], index), cancellationToken);
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Min(parallel, items.Count)).Select(_ => Worker()));
        var failed = results.Where(r => !r.Succeeded).ToList();
        if (failed.Count > 0)
            throw new ActivityFailedException(failed[0].Error ?? new RunError("ActivityFailed", $"{failed.Count} iteration(s) failed.", "UserError", forEach.Name));
        return new JsonObject { ["iterations"] = items.Count };
    }

    private async Task<JsonNode?> RunChildPipelineAsync(ExecutePipelineActivity execute, RunScope scope, Action<JsonNode?> input, CancellationToken cancellationToken)
    {
        var child = _options.PipelineResolver?.Invoke(execute.PipelineName)
            ?? throw Fail(execute, "PipelineNotFound", $"Pipeline '{execute.PipelineName}' was not found (give the runner the folder of the factory's pipelines).");
        var parameters = execute.Parameters.ToDictionary(p => p.Key, p => EvaluateValue(p.Value, scope));
        input(new JsonObject { ["pipeline"] = execute.PipelineName, ["parameters"] = new JsonObject(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))) });
        var runTask = RunAsync(child, parameters, scope.State.Record.RunId, cancellationToken: cancellationToken);
        if (execute.WaitOnCompletion == false)
        {
            _ = runTask;
            return new JsonObject { ["pipelineName"] = execute.PipelineName };
        }
        var childRun = await runTask;
        lock (scope.State.Gate)
        {
            foreach (var activityRun in childRun.ActivityRuns)
                scope.State.Record.ActivityRuns.Add(WithScope(activityRun, $"{scope.Path}{execute.Name}>{child.Name}/"));
        }
        var output = new JsonObject
        {
            ["pipelineName"] = execute.PipelineName,
            ["pipelineRunId"] = childRun.RunId,
            ["pipelineReturnValue"] = childRun.Output?.DeepClone(),
        };
        if (childRun.Status != RunState.Succeeded)
            throw new ActivityFailedException(childRun.Error ?? new RunError("PipelineFailed", $"Pipeline '{child.Name}' ended {childRun.Status}.", "UserError", execute.Name));
        return output;
    }

    private static ActivityRun WithScope(ActivityRun run, string prefix) => new()
    {
        ActivityRunId = run.ActivityRunId,
        ActivityName = run.ActivityName,
        ActivityType = run.ActivityType,
        Scope = prefix + run.Scope,
        Iteration = run.Iteration,
        Attempt = run.Attempt,
        Status = run.Status,
        ActivityRunStart = run.ActivityRunStart,
        ActivityRunEnd = run.ActivityRunEnd,
        DurationInMs = run.DurationInMs,
        Input = run.Input,
        Output = run.Output,
        Error = run.Error,
        ExecutionDetails = run.ExecutionDetails,
    };

    private static void Assign(Activity activity, RunScope scope, string name, JsonNode? value)
    {
        if (!scope.State.Pipeline.Variables.TryGetValue(name, out var variable))
            throw Fail(activity, "InvalidVariable", $"The pipeline has no variable '{name}'.");
        var kind = Values.KindOf(value);
        var fits = variable.Type switch
        {
            VariableType.String => kind is Values.Kind.String or Values.Kind.Null,
            VariableType.Boolean => kind == Values.Kind.Boolean,
            VariableType.Array => kind == Values.Kind.Array,
            VariableType.Integer => kind == Values.Kind.Integer,
            _ => true,
        };
        if (!fits)
            throw Fail(activity, "InvalidVariableType", $"The variable '{name}' of type '{variable.Type}' cannot be set to {Values.Describe(value)}.");
        scope.State.Variables[name] = value?.DeepClone();
    }

    internal static JsonNode? Evaluate(Expression expression, IExpressionContext context) => EvaluateText(expression.Value, context);

    internal static JsonNode? EvaluateValue(DfValue value, IExpressionContext context) => value switch
    {
        Expression expression => Evaluate(expression, context),
        Literal literal => literal.Node is JsonValue v && v.TryGetValue<string>(out var text)
            ? (text.StartsWith('@') || text.Contains("@{", StringComparison.Ordinal) ? EvaluateText(text, context) : JsonValue.Create(text))
            : literal.Node?.DeepClone(),
        _ => null,
    };

    /// <summary>
    /// JSON properties as Data Factory evaluates them: '@' strings, <c>{ "value": "@...", "type": "Expression" }</c>
    /// objects, and objects and arrays member by member.
    /// </summary>
    internal static JsonNode? EvaluateProperties(JsonNode? node, IExpressionContext context) => node switch
    {
        JsonObject { Count: 2 } expression when expression["type"] is JsonValue type && type.TryGetValue<string>(out var t) && t == "Expression"
            && expression["value"] is JsonValue value && value.TryGetValue<string>(out var text) => EvaluateText(text, context),
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, EvaluateProperties(p.Value, context)))),
        JsonArray array => new JsonArray([.. array.Select(v => EvaluateProperties(v, context))]),
        JsonValue v when v.TryGetValue<string>(out var text) && (text.StartsWith('@') || text.Contains("@{", StringComparison.Ordinal)) => EvaluateText(text, context),
        _ => node?.DeepClone(),
    };

    /// <summary>The activity whose properties are being evaluated, for the expression trace.</summary>
    private static readonly AsyncLocal<Activity?> CurrentActivity = new();

    /// <summary>Every expression of a run is evaluated here, so that a run with a trace reports each one.</summary>
    internal static JsonNode? EvaluateText(string text, IExpressionContext context)
    {
        if (context is not RunScope { State.ExpressionEvaluated: { } report } scope)
            return Template.EvaluateString(text, context);
        var activity = CurrentActivity.Value;
        void Report(JsonNode? value, string? error) => report(new ExpressionEvaluation(scope.State.Record.RunId, scope.State.Pipeline.Name,
            activity?.Name, scope.Path, text, activity?.Policy?.SecureInput == true && value is not null ? JsonValue.Create("***") : value?.DeepClone(), error, scope.UtcNow));
        JsonNode? result;
        try
        {
            result = Template.EvaluateString(text, context);
        }
        catch (Exception e)
        {
            Report(null, e.Message);
            throw;
        }
        Report(result, null);
        return result;
    }

    internal static TimeSpan ParseTimeSpan(string text, string what) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new FormatException($"{what} '{text}' is not a positive d.hh:mm:ss time span");

    internal static ActivityFailedException Fail(Activity activity, string code, string message) =>
        new(new RunError(code, message, "UserError", activity.Name));
}
