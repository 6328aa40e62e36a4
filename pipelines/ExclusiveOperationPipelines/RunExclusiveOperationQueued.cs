using DataFactory.Pipelines.Model;
using static ExclusiveOperationPipelines.OperationActivities;

namespace ExclusiveOperationPipelines;

/// <summary>
/// Runs one exclusive operation in the lock's line (queue mode, docs/http-contract.md): one call of the starter with
/// <c>mode=queue</c>, whose Web activity polls the status URL by itself while the orchestration waits for its turn
/// and runs the operation; the Function App hands the lock to the next in line, so there is no retry loop here. Then
/// the same outcome check, failure names and return value as <see cref="RunExclusiveOperation"/>.
/// </summary>
public static class RunExclusiveOperationQueued
{
    public const string Name = "RunExclusiveOperationQueued";

    private const string QueueTimeout = "pipeline().parameters.queueTimeoutSeconds";
    private static readonly string CallSeconds = $"add({QueueTimeout}, {OperationAllowanceSeconds})";

    /// <summary>
    /// The call's policy.timeout (d.hh:mm:ss): the wait in line (queueTimeoutSeconds) plus the operation's allowance.
    /// A Web activity keeps polling a 202 until the answer is not 202 (control-flow-web-activity; httpRequestTimeout,
    /// at most 10 minutes, bounds only one request), so policy.timeout is what bounds the whole call. Its type is
    /// "string (or Expression with resultType string)" (PipelineActivityPolicy.Timeout, the Data Factory REST/SDK
    /// reference); Data Factory's limits allow an activity at most 7 days, and queueTimeout is at most 86400 s.
    /// The Function App ends a waiter with TimedOut after queueTimeout itself; this bound only catches an app that
    /// stops answering.
    /// </summary>
    private static readonly Expression CallTimeout = new(
        $"@concat(string(div({CallSeconds}, 86400)), '.', formatDateTime(addSeconds('2000-01-01T00:00:00Z', mod({CallSeconds}, 86400)), 'HH:mm:ss'))");

    public static Pipeline Define() => new(Name)
    {
        Description = "Runs an exclusive operation of the Function App in its lock key's line (queue mode): one call that waits its turn (at most queueTimeoutSeconds) and the operation; fails on a failed orchestration or when the lock was not given in time.",
        Folder = "ExclusiveOperations",
        Parameters = OperationActivities.Parameters(("queueTimeoutSeconds", new(ParameterType.Int, 3600))),
        Variables = { ["status"] = new(VariableType.String, "") },
        Activities =
        {
            GetFunctionKey(),
            // requestId (this run's id): the activity's own retry of a POST whose answer was lost, or of a call whose
            // polling failed, attaches to the instance (and its place in line) that the first POST started.
            CallStarter(
                StarterUrl($"'mode=queue&queueTimeout=', string({QueueTimeout}), '&requestId=', uriComponent(pipeline().RunId)"),
                CallTimeout,
                new Dependency(GetKey, DependencyCondition.Succeeded)),
            SetStatus("OK", "TimedOut", "Abandoned"),
            RecordCallFailure(),
            // Exactly one of the two status activities runs (Data Factory's try-catch-proceed pattern: Failed or Skipped,
            // here Succeeded or Skipped); the dependency on the call keeps this check from running when the key was not read.
            CheckOutcomeOf(
                new Expression("@concat('Operation ', pipeline().parameters.operation, " +
                    "if(equals(variables('status'), 'CallFailed'), " +
                        $"concat(' could not be started or polled: ', string(coalesce(activity('{Call}').error?.message, 'no error message'))), " +
                        "concat(" +
                            "if(equals(variables('status'), 'Failed'), " +
                                $"concat(' failed in the Function App (runtime status ', string({CallOutput}.runtimeStatus), ', status ', string(coalesce({CallOutput}.output?.status, 'none')), ')'), " +
                            "if(equals(variables('status'), 'TimedOut'), " +
                                $"concat(' did not get its lock within queueTimeout (', string({QueueTimeout}), ' s) and did not run'), " +
                                "' left the line for its lock without running (its status was not polled in time)')), " +
                            $"'; detail: ', string(coalesce({CallOutput}.output?.detail, 'none')), " +
                            $"'; answer: ', string(coalesce({CallOutput}.output, 'none')))))"),
                new Dependency(Call, DependencyCondition.Completed),
                new Dependency("Set Status", DependencyCondition.Succeeded, DependencyCondition.Skipped),
                new Dependency("Record Call Failure", DependencyCondition.Succeeded, DependencyCondition.Skipped)),
            ReturnValue(attempts: "1", outcome: $"{CallOutput}.output"),
        },
    };
}
