using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;

namespace ExclusiveOperationPipelines;

/// <summary>
/// What <see cref="RunExclusiveOperation"/> and <see cref="RunExclusiveOperationQueued"/> share: the operation's
/// parameters, reading the function key, the call of the starter, the outcome check's failure names and the
/// pipeline's return value.
/// </summary>
public static class OperationActivities
{
    public const string GetKey = "Get Function Key";
    public const string Call = "Call Durable Azure Function";
    public const string CallOutput = $"activity('{Call}').output";
    public const string CheckOutcome = "Check Outcome";
    public const string NotCompleted = "Operation Not Completed";
    public const string ReturnOutput = "Get Function App Output";

    /// <summary>The starter function whose key the pipelines read (its name in the Function App).</summary>
    public const string StarterFunction = "StartOperation";

    /// <summary>Azure Resource Manager's api-version of Microsoft.Web used for listkeys.</summary>
    public const string WebApiVersion = "2024-04-01";

    /// <summary>Error codes of the Fail activity (the values of the pipeline's status that lead to each are in <see cref="ErrorCode"/>).</summary>
    public const string OperationFailed = "OperationFailed";
    public const string FunctionCallFailed = "FunctionCallFailed";
    public const string LockNotAcquired = "LockNotAcquired";

    /// <summary>
    /// How long one call may wait for the operation itself once it holds the lock (d.hh:mm:ss): the conflict pipeline's
    /// bound of one attempt, and the part of the queued call's bound that follows its wait in line.
    /// </summary>
    public const string OperationAllowance = "0.12:00:00";
    public const int OperationAllowanceSeconds = 12 * 60 * 60;

    /// <summary>The parameters every operation pipeline has, then the pipeline's own.</summary>
    public static Dictionary<string, Parameter> Parameters(params (string Name, Parameter Parameter)[] own)
    {
        var parameters = new Dictionary<string, Parameter>
        {
            ["functionBaseUrl"] = new(ParameterType.String),
            ["functionAppResourceId"] = new(ParameterType.String),
            ["managementEndpoint"] = new(ParameterType.String, "https://management.azure.com"),
            ["operation"] = new(ParameterType.String, "wait"),
            ["lockKey"] = new(ParameterType.String, ""),
            ["input"] = new(ParameterType.Object, new JsonObject()),
        };
        foreach (var (name, parameter) in own)
            parameters.Add(name, parameter);
        return parameters;
    }

    /// <summary>
    /// listkeys of the starter function (Web Apps - List Function Keys): the factory's identity holds a role with only
    /// Microsoft.Web/sites/functions/listkeys/action on the app. Secure output: the key never reaches the run record.
    /// </summary>
    public static WebActivity GetFunctionKey(params Dependency[] dependsOn) => new(GetKey)
    {
        DependsOn = [.. dependsOn],
        Policy = new() { Timeout = "0.00:10:00", Retry = 2, RetryIntervalInSeconds = 30, SecureInput = false, SecureOutput = true },
        Method = "POST",
        Url = new Expression("@concat(pipeline().parameters.managementEndpoint, pipeline().parameters.functionAppResourceId, " +
            $"'/functions/{StarterFunction}/listkeys?api-version={WebApiVersion}')"),
        Body = new Expression("@json('{}')"),
        Authentication = new JsonObject { ["type"] = "MSI", ["resource"] = "https://management.azure.com/" },
        HttpRequestTimeout = "00:01:00",
    };

    /// <summary>
    /// The starter's URL: <c>{functionBaseUrl}/api/operations/{operation}?[lockKey=...&amp;]</c> followed by
    /// <paramref name="query"/>, an expression fragment (the arguments of the enclosing concat) for the rest of the query.
    /// </summary>
    public static Expression StarterUrl(string query) =>
        new("@concat(pipeline().parameters.functionBaseUrl, '/api/operations/', pipeline().parameters.operation, '?', " +
            "if(empty(pipeline().parameters.lockKey), '', concat('lockKey=', uriComponent(pipeline().parameters.lockKey), '&')), " +
            query + ")");

    /// <summary>
    /// The W3C trace context the run id names (docs/tracing.md): a run id is a GUID, its 32 hex digits the trace id,
    /// its last 16 the parent span id; so every call of one run is in one trace, found from the run id alone.
    /// </summary>
    public static Expression TraceParent => new("@concat('00-', toLower(replace(pipeline().RunId, '-', '')), '-', " +
        "toLower(substring(replace(pipeline().RunId, '-', ''), 16, 16)), '-01')");

    /// <summary>
    /// POST the starter with the key from <see cref="GetFunctionKey"/> and the operation's input; the Web activity then
    /// polls the status URL by itself until it stops answering 202. The activity's own retries repeat the POST with
    /// the same requestId, which attaches to the instance the first POST started.
    /// </summary>
    public static WebActivity CallStarter(Expression url, DfValue timeout, params Dependency[] dependsOn) => new(Call)
    {
        DependsOn = [.. dependsOn],
        // The key travels in a header and the activity's input is masked in run records.
        Policy = new() { Timeout = timeout, Retry = 2, RetryIntervalInSeconds = 30, SecureInput = true, SecureOutput = false },
        Method = "POST",
        Url = url,
        Headers =
        {
            ["Content-Type"] = "application/json",
            ["x-functions-key"] = new Expression($"@activity('{GetKey}').output.properties.default"),
            ["traceparent"] = TraceParent,
        },
        Body = new Expression("@pipeline().parameters.input"),
        HttpRequestTimeout = "00:01:00",
    };

    /// <summary>
    /// Sets the status variable from the call's answer: the orchestration's own status when it completed with one of
    /// <paramref name="known"/>, else <c>Failed</c> (a failed or terminated orchestration answers 200 too).
    /// </summary>
    public static SetVariableActivity SetStatus(params string[] known) => new("Set Status")
    {
        DependsOn = { new(Call, DependencyCondition.Succeeded) },
        VariableName = "status",
        Value = new Expression($"@if(and(equals({CallOutput}.runtimeStatus, 'Completed'), contains(createArray({string.Join(", ", known.Select(k => $"'{k}'"))}), string({CallOutput}.output?.status))), " +
            $"string({CallOutput}.output?.status), 'Failed')"),
    };

    /// <summary>Sets the status variable to <c>CallFailed</c> when the call itself failed (after its retries).</summary>
    public static SetVariableActivity RecordCallFailure() => new("Record Call Failure")
    {
        DependsOn = { new(Call, DependencyCondition.Failed) },
        VariableName = "status",
        Value = "CallFailed",
    };

    /// <summary>
    /// The error code for the pipeline's final status (an expression without the leading @): <c>Failed</c> (the
    /// orchestration did not complete, never retried) is <see cref="OperationFailed"/>, <c>CallFailed</c> (the call
    /// itself failed after its retries) <see cref="FunctionCallFailed"/>, anything else (the lock was never taken)
    /// <see cref="LockNotAcquired"/>.
    /// </summary>
    public static string ErrorCode(string status) =>
        $"if(equals({status}, 'Failed'), '{OperationFailed}', if(equals({status}, 'CallFailed'), '{FunctionCallFailed}', '{LockNotAcquired}'))";

    /// <summary>Fails the pipeline with <paramref name="message"/> unless the status variable is OK.</summary>
    public static IfConditionActivity CheckOutcomeOf(Expression message, params Dependency[] dependsOn) => new(CheckOutcome)
    {
        DependsOn = [.. dependsOn],
        Expression = new("@not(equals(variables('status'), 'OK'))"),
        IfTrueActivities =
        {
            new FailActivity(NotCompleted)
            {
                Message = message,
                ErrorCode = new Expression("@" + ErrorCode("variables('status')")),
            },
        },
    };

    /// <summary>The pipeline's return value <c>{ status, attempts, instanceId, result }</c> from the operation's output.</summary>
    public static SetVariableActivity ReturnValue(string attempts, string outcome) => new(ReturnOutput)
    {
        DependsOn = { new(CheckOutcome, DependencyCondition.Succeeded) },
        ReturnValues = new()
        {
            ["status"] = new Expression("@variables('status')"),
            ["attempts"] = new Expression($"@{attempts}"),
            ["instanceId"] = new Expression($"@{outcome}.instanceId"),
            ["result"] = new Expression($"@{outcome}.result"),
        },
    };
}
