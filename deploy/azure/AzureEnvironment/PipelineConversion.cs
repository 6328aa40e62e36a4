using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureEnvironment;

/// <summary>
/// A generated pipeline (<c>pipelines/generated/pipeline/*.json</c>, Data Factory's own JSON) in the shape the
/// Pulumi provider takes: every activity flattened (its <c>typeProperties</c> moved up beside name and type,
/// as in the provider's typed activity inputs, e.g. <c>WebActivityArgs</c>), nested activities too; values as
/// dictionaries, lists, strings, bools, int or double (Pulumi's serializer rejects long and decimal).
/// <see cref="ToDataFactoryJson"/> converts back; a test checks the round trip for every pipeline.
/// </summary>
public static class PipelineConversion
{
    /// <summary>Activity properties outside <c>typeProperties</c> (Data Factory's Activity, ExecutionActivity, and Copy's datasets).</summary>
    private static readonly HashSet<string> ActivityLevel = ["name", "type", "description", "state", "onInactiveMarkAs", "dependsOn", "userProperties", "policy", "linkedServiceName", "inputs", "outputs"];

    /// <summary>Type properties that hold activities, converted recursively (Until, ForEach, IfCondition, Switch).</summary>
    private static readonly HashSet<string> NestedActivityLists = ["activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"];

    /// <summary>
    /// Converts one pipeline document. <paramref name="parameterDefaults"/> sets the default value of each
    /// parameter the pipeline declares (per stack: the Function App's URL and resource id); names it does
    /// not declare are ignored, so one map serves every pipeline.
    /// </summary>
    public static ProviderPipeline ToProviderShape(JsonObject document, IReadOnlyDictionary<string, object> parameterDefaults)
    {
        var name = document["name"]?.GetValue<string>() ?? throw new ArgumentException("The pipeline JSON has no 'name'.");
        var properties = document["properties"] as JsonObject ?? throw new ArgumentException($"Pipeline '{name}' has no 'properties' object.");
        var unknown = properties.Select(p => p.Key).Except(["description", "activities", "parameters", "variables", "annotations", "folder", "concurrency", "policy", "runDimensions"]).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Pipeline '{name}' has properties the conversion does not know: {string.Join(", ", unknown)}.");

        var parameters = new Dictionary<string, ProviderParameter>(StringComparer.Ordinal);
        foreach (var (parameterName, node) in properties["parameters"] as JsonObject ?? [])
        {
            var spec = node!.AsObject();
            var value = parameterDefaults.TryGetValue(parameterName, out var configured) ? configured
                : spec.TryGetPropertyValue("defaultValue", out var defaultValue) ? ToValue(defaultValue) : null;
            parameters[parameterName] = new ProviderParameter(spec["type"]!.GetValue<string>(), value, parameterDefaults.ContainsKey(parameterName) || spec.ContainsKey("defaultValue"));
        }
        var variables = new Dictionary<string, ProviderParameter>(StringComparer.Ordinal);
        foreach (var (variableName, node) in properties["variables"] as JsonObject ?? [])
        {
            var spec = node!.AsObject();
            variables[variableName] = new ProviderParameter(spec["type"]!.GetValue<string>(), spec.TryGetPropertyValue("defaultValue", out var value) ? ToValue(value) : null, spec.ContainsKey("defaultValue"));
        }
        return new ProviderPipeline(
            name,
            properties["description"]?.GetValue<string>(),
            [.. (properties["activities"] as JsonArray ?? []).Select(a => Flatten(a!.AsObject()))],
            parameters,
            variables,
            properties["annotations"] is JsonArray annotations ? [.. annotations.Select(ToValue)] : null,
            properties["folder"]?["name"]?.GetValue<string>(),
            properties["concurrency"] is { } concurrency ? concurrency.GetValue<int>() : null,
            properties["policy"] is JsonObject policy ? (Dictionary<string, object?>)ToValue(policy)! : null,
            properties["runDimensions"] is JsonObject dimensions ? (Dictionary<string, object?>)ToValue(dimensions)! : null);
    }

    /// <summary>
    /// The pipelines <paramref name="document"/> runs through Execute Pipeline activities, nested ones included, each once:
    /// Data Factory refuses a pipeline that references one it does not have yet ("BadRequest: The document creation or
    /// update failed because of invalid reference", MicrosoftDocs/azure-docs issue 19909), so those are deployed first.
    /// </summary>
    public static IReadOnlyList<string> ReferencedPipelines(JsonObject document)
    {
        var referenced = new List<string>();
        Visit(document["properties"]?["activities"]);
        return referenced;

        void Visit(JsonNode? node)
        {
            switch (node)
            {
                case JsonArray array:
                    foreach (var item in array)
                        Visit(item);
                    break;
                case JsonObject obj:
                    if (obj["type"] is JsonValue type && type.TryGetValue<string>(out var typeName) && typeName == "ExecutePipeline"
                        && obj["typeProperties"]?["pipeline"]?["referenceName"] is JsonValue reference && reference.TryGetValue<string>(out var name)
                        && !referenced.Contains(name))
                        referenced.Add(name);
                    foreach (var (_, value) in obj)
                        Visit(value);
                    break;
            }
        }
    }

    /// <summary>Back to Data Factory's JSON (activities with <c>typeProperties</c>).</summary>
    public static JsonObject ToDataFactoryJson(ProviderPipeline pipeline)
    {
        var properties = new JsonObject();
        if (pipeline.Description is not null)
            properties["description"] = pipeline.Description;
        properties["activities"] = new JsonArray([.. pipeline.Activities.Select(a => (JsonNode)Unflatten(a))]);
        if (pipeline.Parameters.Count > 0)
            properties["parameters"] = Specifications(pipeline.Parameters);
        if (pipeline.Variables.Count > 0)
            properties["variables"] = Specifications(pipeline.Variables);
        if (pipeline.Folder is not null)
            properties["folder"] = new JsonObject { ["name"] = pipeline.Folder };
        if (pipeline.Annotations is not null)
            properties["annotations"] = ToNode(pipeline.Annotations);
        if (pipeline.Concurrency is { } concurrency)
            properties["concurrency"] = concurrency;
        if (pipeline.Policy is not null)
            properties["policy"] = ToNode(pipeline.Policy);
        if (pipeline.RunDimensions is not null)
            properties["runDimensions"] = ToNode(pipeline.RunDimensions);
        return new JsonObject { ["name"] = pipeline.Name, ["properties"] = properties };
    }

    private static JsonObject Specifications(IReadOnlyDictionary<string, ProviderParameter> specifications)
    {
        var result = new JsonObject();
        foreach (var (name, spec) in specifications)
        {
            var node = new JsonObject { ["type"] = spec.Type };
            if (spec.HasDefault)
                node["defaultValue"] = ToNode(spec.DefaultValue);
            result[name] = node;
        }
        return result;
    }

    private static Dictionary<string, object?> Flatten(JsonObject activity)
    {
        var flat = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in activity)
        {
            if (key == "typeProperties")
                continue;
            if (!ActivityLevel.Contains(key))
                throw new ArgumentException($"Activity '{activity["name"]}' has '{key}' outside typeProperties, which Data Factory does not define.");
            flat[key] = ToValue(value);
        }
        foreach (var (key, value) in activity["typeProperties"] as JsonObject ?? [])
        {
            if (ActivityLevel.Contains(key))
                throw new ArgumentException($"Activity '{activity["name"]}' has '{key}' in typeProperties and at the activity level; flattening would lose one.");
            flat[key] = NestedActivityLists.Contains(key) && value is JsonArray nested ? nested.Select(a => (object?)Flatten(a!.AsObject())).ToList()
                : key == "cases" && value is JsonArray cases ? cases.Select(c => (object?)SwitchCase(c!.AsObject())).ToList()
                : ToValue(value);
        }
        return flat;
    }

    private static Dictionary<string, object?> SwitchCase(JsonObject switchCase) =>
        switchCase.ToDictionary(p => p.Key, p => p.Key == "activities" && p.Value is JsonArray nested ? nested.Select(a => (object?)Flatten(a!.AsObject())).ToList() : ToValue(p.Value));

    private static JsonObject Unflatten(IReadOnlyDictionary<string, object?> flat)
    {
        var activity = new JsonObject();
        var typeProperties = new JsonObject();
        foreach (var (key, value) in flat)
        {
            if (ActivityLevel.Contains(key))
                activity[key] = ToNode(value);
            else
                typeProperties[key] = NestedActivityLists.Contains(key) && value is List<object?> nested ? new JsonArray([.. nested.Select(a => (JsonNode)Unflatten((Dictionary<string, object?>)a!))])
                    : key == "cases" && value is List<object?> cases ? new JsonArray([.. cases.Select(c => (JsonNode)UnflattenCase((Dictionary<string, object?>)c!))])
                    : ToNode(value);
        }
        if (typeProperties.Count > 0)
            activity["typeProperties"] = typeProperties;
        return activity;
    }

    private static JsonObject UnflattenCase(Dictionary<string, object?> switchCase)
    {
        var result = new JsonObject();
        foreach (var (key, value) in switchCase)
            result[key] = key == "activities" && value is List<object?> nested ? new JsonArray([.. nested.Select(a => (JsonNode)Unflatten((Dictionary<string, object?>)a!))]) : ToNode(value);
        return result;
    }

    /// <summary>JSON to plain values: objects, lists, string, bool, int where the number is a whole int, else double.</summary>
    public static object? ToValue(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToValue(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToValue).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => Number(value),
            var kind => throw new ArgumentException($"Unexpected JSON value kind {kind}."),
        },
        _ => throw new ArgumentException($"Unexpected JSON node {node.GetType().Name}."),
    };

    private static object Number(JsonValue value)
    {
        var element = JsonSerializer.SerializeToElement(value);
        if (element.TryGetInt32(out var whole))
            return whole;
        // A whole number beyond int that a double cannot hold exactly (e.g. a 64-bit id) would change silently.
        if (element.TryGetInt64(out var large) && Math.Abs(large) > (1L << 53))
            throw new ArgumentException($"The number {large} is not an int and not exact as a double; Pulumi's serializer takes only int and double.");
        return element.GetDouble();
    }

    /// <summary>Plain values back to JSON.</summary>
    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        IReadOnlyDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        IEnumerable<object?> list => new JsonArray([.. list.Select(ToNode)]),
        JsonNode node => node.DeepClone(),
        _ => throw new ArgumentException($"Values of type {value.GetType().Name} cannot be converted to JSON (only string, bool, int, double, dictionaries and lists)."),
    };
}

/// <summary>A pipeline in the provider's shape (see <see cref="PipelineConversion"/>).</summary>
public sealed record ProviderPipeline(
    string Name,
    string? Description,
    IReadOnlyList<Dictionary<string, object?>> Activities,
    IReadOnlyDictionary<string, ProviderParameter> Parameters,
    IReadOnlyDictionary<string, ProviderParameter> Variables,
    IReadOnlyList<object?>? Annotations,
    string? Folder,
    int? Concurrency,
    Dictionary<string, object?>? Policy,
    Dictionary<string, object?>? RunDimensions);

/// <summary>A parameter or variable: its Data Factory type and default value (<see cref="HasDefault"/> tells a null default from none).</summary>
public sealed record ProviderParameter(string Type, object? DefaultValue, bool HasDefault);
