using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;

namespace ExclusiveOperationPipelines;

/// <summary>
/// Runs one exclusive operation per lock key of a list, several at once: the keys do not block each other,
/// and each key's runs stay one at a time. Reuses <see cref="RunExclusiveOperation"/> (Data Factory does not
/// allow an Until inside a ForEach, so the loop per key lives in that pipeline).
/// </summary>
public static class RunExclusiveOperationsForKeys
{
    public const string Name = "RunExclusiveOperationsForKeys";

    public static Pipeline Define() => new(Name)
    {
        Description = "Runs an exclusive operation once for each lock key, up to batchCount keys at a time.",
        Folder = "ExclusiveOperations",
        Parameters =
        {
            ["functionBaseUrl"] = new(ParameterType.String),
            ["functionAppResourceId"] = new(ParameterType.String),
            ["managementEndpoint"] = new(ParameterType.String, "https://management.azure.com"),
            ["operation"] = new(ParameterType.String, "wait"),
            ["lockKeys"] = new(ParameterType.Array, new JsonArray("key-1", "key-2")),
            ["input"] = new(ParameterType.Object, new JsonObject()),
            ["retryIntervalSeconds"] = new(ParameterType.Int, 30),
            ["maxAttempts"] = new(ParameterType.Int, 20),
        },
        Activities =
        {
            new ForEachActivity("For Each Lock Key")
            {
                Items = new("@pipeline().parameters.lockKeys"),
                IsSequential = false,
                BatchCount = 4,
                Activities =
                {
                    new ExecutePipelineActivity("Run Exclusive Operation")
                    {
                        PipelineName = RunExclusiveOperation.Name,
                        WaitOnCompletion = true,
                        Parameters =
                        {
                            ["functionBaseUrl"] = new Expression("@pipeline().parameters.functionBaseUrl"),
                            ["functionAppResourceId"] = new Expression("@pipeline().parameters.functionAppResourceId"),
                            ["managementEndpoint"] = new Expression("@pipeline().parameters.managementEndpoint"),
                            ["operation"] = new Expression("@pipeline().parameters.operation"),
                            ["lockKey"] = new Expression("@item()"),
                            ["input"] = new Expression("@pipeline().parameters.input"),
                            ["retryIntervalSeconds"] = new Expression("@pipeline().parameters.retryIntervalSeconds"),
                            ["maxAttempts"] = new Expression("@pipeline().parameters.maxAttempts"),
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
