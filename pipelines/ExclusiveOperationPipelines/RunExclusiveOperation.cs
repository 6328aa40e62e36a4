using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;

namespace ExclusiveOperationPipelines;

/// <summary>
/// Runs one exclusive operation of the Function App to the end: call the starter (the Web activity polls the
/// status URL by itself); while the answer is Conflict, wait (the function's retry hint, or a fixed interval) and
/// call again, a bounded number of times; stop at once when the orchestration failed (never retry a failure).
/// The function key is read at run time through Azure Resource Manager with the factory's managed identity, so it
/// is never a parameter, a default value or a deployment secret (see README, "The function key").
/// </summary>
public static class RunExclusiveOperation
{
    public const string Name = "RunExclusiveOperation";
    private const string Call = "Call Durable Azure Function";
    private const string CallOutput = $"activity('{Call}').output";
    private const string GetKey = "Get Function Key";

    /// <summary>The starter function whose key the pipeline reads (its name in the Function App).</summary>
    public const string StarterFunction = "StartOperation";

    /// <summary>Azure Resource Manager's api-version of Microsoft.Web used for listkeys.</summary>
    public const string WebApiVersion = "2024-04-01";
    public static Pipeline Define() => new(Name)
    {
        Description = "Runs an exclusive operation of the Function App; retries while another run holds its lock key (status Conflict), fails on a failed orchestration or when the attempts are used up.",
        Folder = "ExclusiveOperations",
        Parameters =
        {
            ["functionBaseUrl"] = new(ParameterType.String),
            ["functionAppResourceId"] = new(ParameterType.String),
            ["managementEndpoint"] = new(ParameterType.String, "https://management.azure.com"),
            ["operation"] = new(ParameterType.String, "wait"),
            ["lockKey"] = new(ParameterType.String, ""),
            ["input"] = new(ParameterType.Object, new JsonObject()),
            ["retryIntervalSeconds"] = new(ParameterType.Int, 30),
            ["useRetryHint"] = new(ParameterType.Bool, true),
            ["maxAttempts"] = new(ParameterType.Int, 20),
            ["untilTimeout"] = new(ParameterType.String, "0.12:00:00"),
        },
        Variables =
        {
            ["status"] = new(VariableType.String, ""),
            ["attempt"] = new(VariableType.String, "0"),
            ["nextAttempt"] = new(VariableType.String, "0"),
            ["outcome"] = new(VariableType.String, "{}"),
        },
        Activities =
        {
            // listkeys of the starter function (Web Apps - List Function Keys): the factory's identity holds a role with only
            // Microsoft.Web/sites/functions/listkeys/action on the app. Secure output: the key never reaches the run record.
            new WebActivity(GetKey)
            {
                Policy = new() { Timeout = "0.00:10:00", Retry = 2, RetryIntervalInSeconds = 30, SecureInput = false, SecureOutput = true },
                Method = "POST",
                Url = new Expression("@concat(pipeline().parameters.managementEndpoint, pipeline().parameters.functionAppResourceId, " +
                    $"'/functions/{StarterFunction}/listkeys?api-version={WebApiVersion}')"),
                Body = new Expression("@json('{}')"),
                Authentication = new JsonObject { ["type"] = "MSI", ["resource"] = "https://management.azure.com/" },
                HttpRequestTimeout = "00:01:00",
            },
            new UntilActivity("Until OK")
            {
                DependsOn = { new(GetKey, DependencyCondition.Succeeded) },
                Expression = new("@or(contains(createArray('OK', 'Failed', 'CallFailed'), variables('status')), greaterOrEquals(int(variables('attempt')), pipeline().parameters.maxAttempts))"),
                Timeout = new Expression("@pipeline().parameters.untilTimeout"),
                Activities =
                {
                    new SetVariableActivity("Count Attempt")
                    {
                        VariableName = "nextAttempt",
                        Value = new Expression("@string(add(int(variables('attempt')), 1))"),
                    },
                    new SetVariableActivity("Store Attempt")
                    {
                        DependsOn = { new("Count Attempt", DependencyCondition.Succeeded) },
                        VariableName = "attempt",
                        Value = new Expression("@variables('nextAttempt')"),
                    },
                    new WebActivity(Call)
                    {
                        DependsOn = { new("Store Attempt", DependencyCondition.Succeeded) },
                        // The key travels in a header and the activity's input is masked in run records.
                        Policy = new() { Timeout = "0.12:00:00", Retry = 2, RetryIntervalInSeconds = 30, SecureInput = true, SecureOutput = false },
                        Method = "POST",
                        // callerId (this run's id, the same on every attempt) puts the run in the lock's wait list; only a run
                        // that follows the hints asks for a place (a kept turn nobody comes back for leaves the lock idle).
                        // requestId (run id and attempt) makes the activity's own retry of a POST whose answer was lost find the
                        // instance the first POST started instead of starting the operation twice.
                        Url = new Expression("@concat(pipeline().parameters.functionBaseUrl, '/api/operations/', pipeline().parameters.operation, '?', " +
                            "if(empty(pipeline().parameters.lockKey), '', concat('lockKey=', uriComponent(pipeline().parameters.lockKey), '&')), " +
                            "if(pipeline().parameters.useRetryHint, concat('callerId=', uriComponent(pipeline().RunId), '&'), ''), " +
                            "'requestId=', uriComponent(concat(pipeline().RunId, '-', variables('attempt'))))"),
                        Headers =
                        {
                            ["Content-Type"] = "application/json",
                            ["x-functions-key"] = new Expression($"@activity('{GetKey}').output.properties.default"),
                        },
                        Body = new Expression("@pipeline().parameters.input"),
                        HttpRequestTimeout = "00:01:00",
                    },
                    // No Fail inside the loop: Data Factory does not stop an Until when an inner activity fails.
                    // A failed orchestration (it answers 200 too) or a failed call ends the loop through 'status'.
                    new SetVariableActivity("Set Status")
                    {
                        DependsOn = { new(Call, DependencyCondition.Succeeded) },
                        VariableName = "status",
                        Value = new Expression($"@if(and(equals({CallOutput}.runtimeStatus, 'Completed'), contains(createArray('OK', 'Conflict'), string({CallOutput}.output?.status))), " +
                            $"string({CallOutput}.output?.status), 'Failed')"),
                    },
                    new SetVariableActivity("Store Outcome")
                    {
                        DependsOn = { new(Call, DependencyCondition.Succeeded) },
                        VariableName = "outcome",
                        Value = new Expression($"@string(coalesce({CallOutput}.output, ''))"),
                    },
                    new SetVariableActivity("Record Call Failure")
                    {
                        DependsOn = { new(Call, DependencyCondition.Failed) },
                        VariableName = "status",
                        Value = "CallFailed",
                    },
                    new IfConditionActivity("Wait If Conflict")
                    {
                        DependsOn =
                        {
                            new("Set Status", DependencyCondition.Succeeded),
                            new("Store Outcome", DependencyCondition.Succeeded),
                        },
                        Expression = new("@and(equals(variables('status'), 'Conflict'), less(int(variables('attempt')), pipeline().parameters.maxAttempts))"),
                        IfTrueActivities =
                        {
                            new WaitActivity("Wait Before Retry")
                            {
                                // The hint's retryAt, rounded up to whole seconds from now: the time spent reading the answer
                                // does not add to the wait. retryAfterSeconds when an older function sends no retryAt.
                                WaitTimeInSeconds = new Expression("@if(pipeline().parameters.useRetryHint, max(1, " +
                                    $"if(empty(coalesce({CallOutput}.output?.retryAt, '')), " +
                                    $"int(coalesce({CallOutput}.output?.retryAfterSeconds, pipeline().parameters.retryIntervalSeconds)), " +
                                    $"div(add(sub(ticks(coalesce({CallOutput}.output?.retryAt, utcnow())), ticks(utcnow())), 9999999), 10000000))), " +
                                    "pipeline().parameters.retryIntervalSeconds)"),
                            },
                        },
                    },
                },
            },
            new IfConditionActivity("Check Outcome")
            {
                // Completed, not Succeeded: a loop that timed out or whose last call failed still gets a clear error here.
                DependsOn = { new("Until OK", DependencyCondition.Completed) },
                Expression = new("@not(equals(variables('status'), 'OK'))"),
                IfTrueActivities =
                {
                    new FailActivity("Operation Not Completed")
                    {
                        Message = new Expression("@concat('Operation ', pipeline().parameters.operation, " +
                            "if(equals(variables('status'), 'Failed'), ' failed in the Function App', " +
                            "if(equals(variables('status'), 'CallFailed'), ' could not be started or polled', ' could not take its lock')), " +
                            "' after ', variables('attempt'), ' attempt(s); last answer: ', variables('outcome'))"),
                        ErrorCode = new Expression("@if(equals(variables('status'), 'Failed'), 'OperationFailed', if(equals(variables('status'), 'CallFailed'), 'FunctionCallFailed', 'LockNotAcquired'))"),
                    },
                },
            },
            new SetVariableActivity("Get Function App Output")
            {
                DependsOn = { new("Check Outcome", DependencyCondition.Succeeded) },
                ReturnValues = new()
                {
                    ["status"] = new Expression("@variables('status')"),
                    ["attempts"] = new Expression("@int(variables('attempt'))"),
                    ["instanceId"] = new Expression("@json(variables('outcome')).instanceId"),
                    ["result"] = new Expression("@json(variables('outcome')).result"),
                },
            },
        },
    };
}
