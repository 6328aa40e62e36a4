using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;

namespace DataFactory.Pipelines.Json;

/// <summary>
/// Reads and writes Data Factory pipeline JSON in the git-integration layout (<c>{ "name", "properties" }</c>),
/// with the property names, casing and order Data Factory Studio uses.
/// </summary>
public static class PipelineJson
{
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        // Data Factory Studio writes quotes and '<' as they are inside expressions; escaping them would make diffs noisy.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(Pipeline pipeline) => Write(pipeline).ToJsonString(Indented) + "\n";

    public static JsonObject Write(Pipeline pipeline)
    {
        var properties = new JsonObject();
        if (pipeline.Description is not null) properties["description"] = pipeline.Description;
        properties["activities"] = WriteActivities(pipeline.Activities);
        if (pipeline.Concurrency is not null) properties["concurrency"] = pipeline.Concurrency;
        if (pipeline.Parameters.Count > 0)
            properties["parameters"] = new JsonObject(pipeline.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)TypeAndDefault(ParameterTypeName(p.Value.Type), p.Value.DefaultValue))));
        if (pipeline.Variables.Count > 0)
            properties["variables"] = new JsonObject(pipeline.Variables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)TypeAndDefault(v.Value.Type.ToString(), v.Value.DefaultValue))));
        if (pipeline.Folder is not null) properties["folder"] = new JsonObject { ["name"] = pipeline.Folder };
        properties["annotations"] = new JsonArray([.. pipeline.Annotations.Select(a => (JsonNode)a)]);
        foreach (var (key, value) in pipeline.ExtraProperties)
            properties[key] = value?.DeepClone();
        return new JsonObject { ["name"] = pipeline.Name, ["properties"] = properties };
    }

    public static Pipeline Deserialize(string json, string source = "pipeline")
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new PipelineFormatException($"{source}: not valid JSON: {e.Message}");
        }
        return Read(node, source);
    }

    public static Pipeline Read(JsonNode? node, string source = "pipeline")
    {
        if (node is not JsonObject root)
            throw new PipelineFormatException($"{source}: a pipeline must be a JSON object {{ \"name\", \"properties\" }}.");
        var top = new PropertyReader(root, source);
        var name = top.RequireString("name");
        if (top.Take("properties") is not JsonObject propertiesObject)
            throw top.Error("'properties' is required (the ADF git layout is { \"name\", \"properties\": { \"activities\": [...] } })");
        var properties = new PropertyReader(propertiesObject, name);

        var pipeline = new Pipeline(name)
        {
            Description = properties.TakeString("description"),
            Concurrency = properties.TakeInt("concurrency"),
        };
        pipeline.Activities.AddRange(properties.TakeActivities("activities"));
        if (properties.Take("parameters") is JsonObject parameters)
        {
            foreach (var (key, value) in parameters)
                pipeline.Parameters[key] = new Parameter(ParseParameterType(value?["type"], $"{name}/parameters/{key}"), value?["defaultValue"]?.DeepClone());
        }
        if (properties.Take("variables") is JsonObject variables)
        {
            foreach (var (key, value) in variables)
                pipeline.Variables[key] = new Variable(ParseEnum<VariableType>(value?["type"], $"{name}/variables/{key}"), value?["defaultValue"]?.DeepClone());
        }
        if (properties.Take("folder") is JsonObject folder) pipeline.Folder = folder["name"]?.GetValue<string>();
        if (properties.Take("annotations") is JsonArray annotations)
            pipeline.Annotations.AddRange(annotations.Select(a => a?.ToString() ?? ""));
        foreach (var (key, value) in properties.Rest)
            pipeline.ExtraProperties[key] = value?.DeepClone();
        return pipeline;
    }

    public static JsonArray WriteActivities(IEnumerable<Activity> activities) => new([.. activities.Select(a => (JsonNode)WriteActivity(a))]);

    public static List<Activity> ReadActivities(JsonArray array, string path) =>
        [.. array.Select((node, i) => ReadActivity(node as JsonObject ?? throw new PipelineFormatException($"{path}[{i}]: an activity must be a JSON object."), $"{path}[{i}]"))];

    private static JsonObject WriteActivity(Activity activity)
    {
        var json = new JsonObject { ["name"] = activity.Name };
        if (activity.Description is not null) json["description"] = activity.Description;
        json["type"] = activity.Type;
        json["dependsOn"] = new JsonArray([.. activity.DependsOn.Select(d => (JsonNode)new JsonObject
        {
            ["activity"] = d.Activity,
            ["dependencyConditions"] = new JsonArray([.. d.Conditions.Select(c => (JsonNode)c.ToString())]),
        })]);
        if (activity.Policy is { } policy) json["policy"] = WritePolicy(policy);
        json["userProperties"] = new JsonArray([.. activity.UserProperties.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["value"] = p.Value.ToJson() })]);
        var typeProperties = new JsonObject();
        activity.WriteTypeProperties(typeProperties);
        foreach (var (key, value) in activity.ExtraTypeProperties)
            typeProperties[key] = value?.DeepClone();
        json["typeProperties"] = typeProperties;
        foreach (var (key, value) in activity.ExtraProperties)
            json[key] = value?.DeepClone();
        return json;
    }

    private static Activity ReadActivity(JsonObject json, string path)
    {
        var reader = new PropertyReader(json, path);
        var name = reader.RequireString("name");
        var named = $"{path} '{name}'";
        reader = new PropertyReader(json, named);
        reader.Take("name");
        var type = reader.RequireString("type");
        // Type names match without case: the documentation's own syntax sections write e.g. "filter".
        Activity activity = type.ToLowerInvariant() switch
        {
            "webactivity" => new WebActivity(name),
            "until" => new UntilActivity(name),
            "foreach" => new ForEachActivity(name),
            "ifcondition" => new IfConditionActivity(name),
            "switch" => new SwitchActivity(name),
            "filter" => new FilterActivity(name),
            "wait" => new WaitActivity(name),
            "setvariable" => new SetVariableActivity(name),
            "appendvariable" => new AppendVariableActivity(name),
            "fail" => new FailActivity(name),
            "executepipeline" => new ExecutePipelineActivity(name),
            _ => new UnknownActivity(name, type),
        };
        activity.Description = reader.TakeString("description");
        if (reader.Take("dependsOn") is JsonArray dependsOn)
        {
            activity.DependsOn.AddRange(dependsOn.Select(d => new Dependency(
                d?["activity"]?.GetValue<string>() ?? throw reader.Error("a dependsOn entry has no 'activity'"),
                [.. (d["dependencyConditions"] as JsonArray ?? []).Select(c => ParseEnum<DependencyCondition>(c, $"{named}/dependsOn"))])));
        }
        if (reader.Take("policy") is JsonObject policy) activity.Policy = ReadPolicy(new PropertyReader(policy, $"{named}/policy"));
        if (reader.Take("userProperties") is JsonArray userProperties)
        {
            activity.UserProperties.AddRange(userProperties.Select(p => new UserProperty(
                p?["name"]?.GetValue<string>() ?? "", DfValue.FromJson(p?["value"]))));
        }
        if (reader.Take("typeProperties") is JsonObject typeProperties)
        {
            var tp = new PropertyReader(typeProperties, $"{named}/typeProperties");
            if (activity is UnknownActivity)
            {
                foreach (var (key, value) in tp.Rest) activity.ExtraTypeProperties[key] = value?.DeepClone();
            }
            else
            {
                activity.ReadTypeProperties(tp);
                foreach (var (key, value) in tp.Rest) activity.ExtraTypeProperties[key] = value?.DeepClone();
            }
        }
        foreach (var (key, value) in reader.Rest)
            activity.ExtraProperties[key] = value?.DeepClone();
        return activity;
    }

    private static JsonObject WritePolicy(ActivityPolicy policy)
    {
        var json = new JsonObject();
        if (policy.Timeout is not null) json["timeout"] = policy.Timeout.ToJson();
        if (policy.Retry is not null) json["retry"] = policy.Retry.ToJson();
        if (policy.RetryIntervalInSeconds is not null) json["retryIntervalInSeconds"] = policy.RetryIntervalInSeconds;
        if (policy.SecureOutput is not null) json["secureOutput"] = policy.SecureOutput;
        if (policy.SecureInput is not null) json["secureInput"] = policy.SecureInput;
        return json;
    }

    private static ActivityPolicy ReadPolicy(PropertyReader policy)
    {
        var result = new ActivityPolicy
        {
            Timeout = policy.TakeValue("timeout"),
            Retry = policy.TakeValue("retry"),
            RetryIntervalInSeconds = policy.TakeInt("retryIntervalInSeconds"),
            SecureOutput = policy.TakeBool("secureOutput"),
            SecureInput = policy.TakeBool("secureInput"),
        };
        if (policy.Rest.Count > 0)
            throw policy.Error($"unknown policy properties: {string.Join(", ", policy.Rest.Select(p => p.Key))}");
        return result;
    }

    private static JsonObject TypeAndDefault(string type, JsonNode? defaultValue)
    {
        var json = new JsonObject { ["type"] = type };
        if (defaultValue is not null) json["defaultValue"] = defaultValue.DeepClone();
        return json;
    }

    private static string ParameterTypeName(ParameterType type) => type.ToString().ToLowerInvariant();

    private static ParameterType ParseParameterType(JsonNode? node, string path) =>
        ParseEnum<ParameterType>(node, path);

    private static T ParseEnum<T>(JsonNode? node, string path) where T : struct, Enum
    {
        var text = node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
        if (text is not null && Enum.TryParse<T>(text, ignoreCase: true, out var parsed))
            return parsed;
        throw new PipelineFormatException($"{path}: '{text ?? node?.ToJsonString()}' is not one of {string.Join(", ", Enum.GetNames<T>())}.");
    }
}
