using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;

namespace ExclusiveOperationPipelines;

/// <summary>
/// Runs one exclusive operation per lock key of a list, several at once: the keys do not block each other,
/// and each key's runs stay one at a time. <c>mode</c> chooses <see cref="RunExclusiveOperation"/> (conflict: retry
/// while the lock is taken) or <see cref="RunExclusiveOperationQueued"/> (queue: wait in the lock's line). The loop
/// per key lives in those pipelines (Data Factory does not allow an Until inside a ForEach); the choice is a Switch
/// with one Execute Pipeline per mode (an Execute Pipeline names its pipeline statically; a Switch may sit in a ForEach).
/// </summary>
public static class RunExclusiveOperationsForKeys
{
    public const string Name = "RunExclusiveOperationsForKeys";

    /// <summary>The values of the mode parameter.</summary>
    public const string ConflictMode = "conflict";
    public const string QueueMode = "queue";

    /// <summary>The child pipeline's parameters: the operation's, the key of this iteration, then <paramref name="own"/> passed through.</summary>
    private static Dictionary<string, DfValue> ChildParameters(params string[] own)
    {
        var parameters = new Dictionary<string, DfValue>
        {
            ["functionBaseUrl"] = new Expression("@pipeline().parameters.functionBaseUrl"),
            ["functionAppResourceId"] = new Expression("@pipeline().parameters.functionAppResourceId"),
            ["managementEndpoint"] = new Expression("@pipeline().parameters.managementEndpoint"),
            ["operation"] = new Expression("@pipeline().parameters.operation"),
            ["lockKey"] = new Expression("@item()"),
            ["input"] = new Expression("@pipeline().parameters.input"),
        };
        foreach (var name in own)
            parameters[name] = new Expression($"@pipeline().parameters.{name}");
        return parameters;
    }

    public static Pipeline Define() => new(Name)
    {
        Description = "Runs an exclusive operation once for each lock key, up to batchCount keys at a time, in conflict mode (retry while the lock is taken) or queue mode (wait in the lock's line).",
        Folder = "ExclusiveOperations",
        Parameters =
        {
            ["functionBaseUrl"] = new(ParameterType.String),
            ["functionAppResourceId"] = new(ParameterType.String),
            ["managementEndpoint"] = new(ParameterType.String, "https://management.azure.com"),
            ["operation"] = new(ParameterType.String, "wait"),
            ["lockKeys"] = new(ParameterType.Array, new JsonArray("key-1", "key-2")),
            ["input"] = new(ParameterType.Object, new JsonObject()),
            ["mode"] = new(ParameterType.String, ConflictMode),
            ["retryIntervalSeconds"] = new(ParameterType.Int, 30),
            ["maxAttempts"] = new(ParameterType.Int, 20),
            ["queueTimeoutSeconds"] = new(ParameterType.Int, 3600),
        },
        Activities =
        {
            // Checked once, before any key runs: a misspelt mode fails the run saying what to write instead.
            new IfConditionActivity("Check Mode")
            {
                Expression = new($"@not(contains(createArray('{ConflictMode}', '{QueueMode}'), pipeline().parameters.mode))"),
                IfTrueActivities =
                {
                    new FailActivity("Unknown Mode")
                    {
                        Message = new Expression($"@concat('The mode parameter is ''', pipeline().parameters.mode, '''; use ''{ConflictMode}'' (retry while the lock is taken) or ''{QueueMode}'' (wait in the line for the lock).')"),
                        ErrorCode = "InvalidMode",
                    },
                },
            },
            new ForEachActivity("For Each Lock Key")
            {
                DependsOn = { new("Check Mode", DependencyCondition.Succeeded) },
                Items = new("@pipeline().parameters.lockKeys"),
                IsSequential = false,
                BatchCount = 4,
                Activities =
                {
                    new SwitchActivity("By Mode")
                    {
                        On = new("@pipeline().parameters.mode"),
                        Cases =
                        {
                            new SwitchCase(ConflictMode)
                            {
                                Activities =
                                {
                                    new ExecutePipelineActivity("Run Exclusive Operation")
                                    {
                                        PipelineName = RunExclusiveOperation.Name,
                                        WaitOnCompletion = true,
                                        Parameters = ChildParameters("retryIntervalSeconds", "maxAttempts"),
                                    },
                                },
                            },
                            new SwitchCase(QueueMode)
                            {
                                Activities =
                                {
                                    new ExecutePipelineActivity("Run Exclusive Operation Queued")
                                    {
                                        PipelineName = RunExclusiveOperationQueued.Name,
                                        WaitOnCompletion = true,
                                        Parameters = ChildParameters("queueTimeoutSeconds"),
                                    },
                                },
                            },
                        },
                    },
                },
            },
            new SetVariableActivity("Report Keys")
            {
                DependsOn = { new("For Each Lock Key", DependencyCondition.Succeeded) },
                ReturnValues = new() { ["keys"] = new Expression("@length(pipeline().parameters.lockKeys)") },
            },
        },
    };
}
