using DataFactory.Pipelines.Model;
using static ExclusiveOperationPipelines.OperationActivities;

namespace ExclusiveOperationPipelines;

/// <summary>
/// Runs one exclusive operation of the Function App to the end: call the starter (the Web activity polls the
/// status URL by itself); while the answer is Conflict, wait (the function's retry hint, or a fixed interval) and
/// call again, a bounded number of times (a fixed interval plus a random jitter, so that runs which met one Conflict
/// together do not come back together); stop at once when the orchestration failed (never retry a failure).
/// The function key is read at run time through Azure Resource Manager with the factory's managed identity, so it
/// is never a parameter, a default value or a deployment secret (see docs/pipelines.md, "The function key").
/// </summary>
public static class RunExclusiveOperation
{
    public const string Name = "RunExclusiveOperation";
    public const string InvalidRetryJitter = "InvalidRetryJitter";
    private const string CheckRetryJitter = "Check Retry Jitter";

    /// <summary>The default of retryJitterSeconds (docs/benchmarks.md: what the fixed strategy measured with and without it).</summary>
    public const int DefaultRetryJitterSeconds = 5;

    public static Pipeline Define() => new(Name)
    {
        Description = "Runs an exclusive operation of the Function App; retries while another run holds its lock key (status Conflict), fails on a failed orchestration or when the attempts are used up.",
        Folder = "ExclusiveOperations",
        Parameters = OperationActivities.Parameters(
            ("retryIntervalSeconds", new(ParameterType.Int, 30)),
            ("retryJitterSeconds", new(ParameterType.Int, DefaultRetryJitterSeconds)),
            ("useRetryHint", new(ParameterType.Bool, true)),
            ("maxAttempts", new(ParameterType.Int, 20)),
            ("untilTimeout", new(ParameterType.String, "0.12:00:00"))),
        Variables =
        {
            ["status"] = new(VariableType.String, ""),
            ["attempt"] = new(VariableType.String, "0"),
            ["nextAttempt"] = new(VariableType.String, "0"),
            ["outcome"] = new(VariableType.String, "{}"),
        },
        Activities =
        {
            // Checked before anything runs: inside the Until a failed Wait would not stop the loop (see Wait If Conflict),
            // so a bad jitter would make every retry come at once.
            new IfConditionActivity(CheckRetryJitter)
            {
                Expression = new("@less(pipeline().parameters.retryJitterSeconds, 0)"),
                IfTrueActivities =
                {
                    new FailActivity("Negative Retry Jitter")
                    {
                        Message = new Expression("@concat('The retryJitterSeconds parameter is ', string(pipeline().parameters.retryJitterSeconds), " +
                            "'; use 0 (the fixed wait is exactly retryIntervalSeconds) or more (it adds a random whole number of seconds from 0 to retryJitterSeconds).')"),
                        ErrorCode = InvalidRetryJitter,
                    },
                },
            },
            GetFunctionKey(new Dependency(CheckRetryJitter, DependencyCondition.Succeeded)),
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
                    // callerId (this run's id, the same on every attempt) puts the run in the lock's wait list; only a run
                    // that follows the hints asks for a place (a kept turn nobody comes back for leaves the lock idle).
                    // requestId (run id and attempt) makes the activity's own retry of a POST whose answer was lost find the
                    // instance the first POST started instead of starting the operation twice.
                    CallStarter(
                        StarterUrl("if(pipeline().parameters.useRetryHint, concat('callerId=', uriComponent(pipeline().RunId), '&'), ''), " +
                            "'requestId=', uriComponent(concat(pipeline().RunId, '-', variables('attempt')))"),
                        OperationAllowance,
                        new Dependency("Store Attempt", DependencyCondition.Succeeded)),
                    // No Fail inside the loop: Data Factory does not stop an Until when an inner activity fails.
                    // A failed orchestration (it answers 200 too) or a failed call ends the loop through 'status'.
                    SetStatus("OK", "Conflict"),
                    new SetVariableActivity("Store Outcome")
                    {
                        DependsOn = { new(Call, DependencyCondition.Succeeded) },
                        VariableName = "outcome",
                        Value = new Expression($"@string(coalesce({CallOutput}.output, ''))"),
                    },
                    RecordCallFailure(),
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
                                // Fixed: retryIntervalSeconds plus 0..retryJitterSeconds (rand's maximum is exclusive): runs
                                // that started together would otherwise call in one burst per cycle and leave the lock idle between.
                                WaitTimeInSeconds = new Expression("@if(pipeline().parameters.useRetryHint, max(1, " +
                                    $"if(empty(coalesce({CallOutput}.output?.retryAt, '')), " +
                                    $"int(coalesce({CallOutput}.output?.retryAfterSeconds, pipeline().parameters.retryIntervalSeconds)), " +
                                    $"div(add(sub(ticks(coalesce({CallOutput}.output?.retryAt, utcnow())), ticks(utcnow())), 9999999), 10000000))), " +
                                    "add(pipeline().parameters.retryIntervalSeconds, rand(0, add(pipeline().parameters.retryJitterSeconds, 1))))"),
                            },
                        },
                    },
                },
            },
            // Completed, not Succeeded: a loop that timed out or whose last call failed still gets a clear error here.
            CheckOutcomeOf(
                new Expression("@concat('Operation ', pipeline().parameters.operation, " +
                    "if(equals(variables('status'), 'Failed'), ' failed in the Function App', " +
                    "if(equals(variables('status'), 'CallFailed'), ' could not be started or polled', ' could not take its lock')), " +
                    "' after ', variables('attempt'), ' attempt(s); last answer: ', variables('outcome'))"),
                new Dependency("Until OK", DependencyCondition.Completed)),
            ReturnValue(attempts: "int(variables('attempt'))", outcome: "json(variables('outcome'))"),
        },
    };
}
