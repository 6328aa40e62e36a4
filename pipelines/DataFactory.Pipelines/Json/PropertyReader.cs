using System.Text.Json.Nodes;

namespace DataFactory.Pipelines.Json;

/// <summary>Takes known properties out of a JSON object; what is left over is kept as "extra" for round trips.</summary>
public sealed class PropertyReader(JsonObject source, string path)
{
    private readonly JsonObject _rest = (JsonObject)source.DeepClone();

    /// <summary>Where this object is, for error messages (e.g. <c>Pipeline/activities/Call/typeProperties</c>).</summary>
    public string Path => path;

    public JsonNode? Take(string name) => _rest.Remove(name, out var node) ? node : null;

    public string? TakeString(string name) => Take(name) switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        var other => throw Error($"'{name}' must be a string, but is {other.ToJsonString()}"),
    };

    public int? TakeInt(string name) => Take(name) switch
    {
        null => null,
        JsonValue value when value.TryGetValue<int>(out var number) => number,
        var other => throw Error($"'{name}' must be an integer, but is {other.ToJsonString()}"),
    };

    public bool? TakeBool(string name) => Take(name) switch
    {
        null => null,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        var other => throw Error($"'{name}' must be true or false, but is {other.ToJsonString()}"),
    };

    public Model.DfValue? TakeValue(string name) => _rest.ContainsKey(name) ? Model.DfValue.FromJson(Take(name)) : null;

    public Model.Expression TakeExpression(string name) =>
        Model.Expression.TryRead(Take(name)) ?? throw Error($"'{name}' must be {{ \"value\": \"@...\", \"type\": \"Expression\" }}");

    public string RequireString(string name) => TakeString(name) ?? throw Error($"'{name}' is required");

    public List<Model.Activity> TakeActivities(string name) => Take(name) switch
    {
        null => [],
        JsonArray array => PipelineJson.ReadActivities(array, $"{path}/{name}"),
        var other => throw Error($"'{name}' must be an array of activities, but is {other.ToJsonString()}"),
    };

    public JsonObject Rest => _rest;

    public PipelineFormatException Error(string message) => new($"{path}: {message}.");
}

/// <summary>Pipeline JSON that cannot be read: the message names where and what.</summary>
public sealed class PipelineFormatException(string message) : Exception(message);
