using System.Text.Json.Nodes;

namespace DataFactory.Pipelines.Model;

/// <summary>
/// A property value as Data Factory stores it: either a literal JSON value, or an expression written as
/// <c>{ "value": "@...", "type": "Expression" }</c>. Strings, numbers and booleans convert implicitly, so
/// definitions read like the JSON: <c>Method = "POST"</c>, <c>Url = new Expression("@concat(...)")</c>.
/// </summary>
public abstract record DfValue
{
    public static implicit operator DfValue(string value) => new Literal(JsonValue.Create(value));
    public static implicit operator DfValue(int value) => new Literal(JsonValue.Create(value));
    public static implicit operator DfValue(bool value) => new Literal(JsonValue.Create(value));

    /// <summary>Literal JSON (an object, array, string, number, boolean or null).</summary>
    public static DfValue Json(JsonNode? node) => new Literal(node);

    internal abstract JsonNode? ToJson();

    internal static DfValue FromJson(JsonNode? node) =>
        Expression.TryRead(node) is { } expression ? expression : new Literal(node?.DeepClone());
}

public sealed record Literal(JsonNode? Node) : DfValue
{
    internal override JsonNode? ToJson() => Node?.DeepClone();

    public override string ToString() => Node?.ToJsonString() ?? "null";

    // JsonNode compares by reference; a value's identity is its JSON.
    public bool Equals(Literal? other) => other is not null && JsonNode.DeepEquals(Node, other.Node);

    public override int GetHashCode() => ToString().GetHashCode();
}

/// <summary>A Data Factory expression: a string starting with <c>@</c> (or containing <c>@{...}</c>).</summary>
public sealed record Expression(string Value) : DfValue
{
    internal override JsonNode ToJson() => new JsonObject { ["value"] = Value, ["type"] = "Expression" };

    internal static Expression? TryRead(JsonNode? node) =>
        node is JsonObject { Count: 2 } obj
        && obj["type"] is JsonValue type && type.TryGetValue<string>(out var t) && t == "Expression"
        && obj["value"] is JsonValue value && value.TryGetValue<string>(out var text)
            ? new Expression(text)
            : null;

    public override string ToString() => Value;
}
