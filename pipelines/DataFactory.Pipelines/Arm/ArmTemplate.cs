using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;

namespace DataFactory.Pipelines.Arm;

/// <summary>
/// An ARM template that deploys pipelines as <c>Microsoft.DataFactory/factories/pipelines@2018-06-01</c>
/// resources into an existing factory (the factory name is the template's parameter).
/// </summary>
public static class ArmTemplate
{
    public const string ApiVersion = "2018-06-01";

    public static JsonObject For(IReadOnlyList<Pipeline> pipelines)
    {
        var names = pipelines.Select(p => p.Name).ToHashSet();
        var resources = new JsonArray();
        foreach (var pipeline in pipelines)
        {
            // A pipeline that runs another one is deployed after it.
            var dependsOn = new JsonArray([.. pipeline.AllActivities()
                .Select(a => a.Activity).OfType<ExecutePipelineActivity>()
                .Select(e => e.PipelineName).Where(names.Contains).Distinct()
                .Select(n => (JsonNode)$"[resourceId('Microsoft.DataFactory/factories/pipelines', parameters('factoryName'), '{n}')]")]);
            resources.Add(new JsonObject
            {
                ["type"] = "Microsoft.DataFactory/factories/pipelines",
                ["apiVersion"] = ApiVersion,
                ["name"] = $"[concat(parameters('factoryName'), '/{pipeline.Name}')]",
                ["properties"] = EscapeArmExpressions(PipelineJson.Write(pipeline)["properties"]!.DeepClone()),
                ["dependsOn"] = dependsOn,
            });
        }
        return new JsonObject
        {
            ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            ["contentVersion"] = "1.0.0.0",
            ["parameters"] = new JsonObject
            {
                ["factoryName"] = new JsonObject
                {
                    ["type"] = "string",
                    ["metadata"] = new JsonObject { ["description"] = "The Data Factory that receives the pipelines." },
                },
            },
            ["resources"] = resources,
        };
    }

    /// <summary>ARM evaluates strings that start with '[' as template expressions; '[[' keeps a literal '['.</summary>
    private static JsonNode? EscapeArmExpressions(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                    obj[key] = EscapeArmExpressions(obj[key]?.DeepClone());
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    array[i] = EscapeArmExpressions(array[i]?.DeepClone());
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.StartsWith('['):
                return JsonValue.Create("[" + text);
            default:
                return node;
        }
    }
}
