using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// Expression values are JSON: null, string, integer (long), float (double), boolean, object, array.
/// Integers and floats are kept apart because Data Factory's arithmetic is: div(7, 2) is 3, div(7.0, 2) is 3.5.
/// </summary>
public static class Values
{
    public enum Kind { Null, String, Integer, Float, Boolean, Object, Array }

    public static Kind KindOf(JsonNode? value) => value switch
    {
        null => Kind.Null,
        JsonObject => Kind.Object,
        JsonArray => Kind.Array,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => Kind.String,
            JsonValueKind.True or JsonValueKind.False => Kind.Boolean,
            JsonValueKind.Number => IsInteger(v) ? Kind.Integer : Kind.Float,
            JsonValueKind.Null => Kind.Null,
            _ => Kind.String,
        },
        _ => Kind.Null,
    };

    private static bool IsInteger(JsonValue value) =>
        value.TryGetValue<long>(out _) || value.TryGetValue<int>(out _)
        || (value.TryGetValue<JsonElement>(out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out _) && !element.GetRawText().Contains('.') && !element.GetRawText().Contains('e', StringComparison.OrdinalIgnoreCase));

    public static JsonNode? Clone(JsonNode? value) => value?.DeepClone();

    public static JsonNode Of(string value) => JsonValue.Create(value);
    public static JsonNode Of(long value) => JsonValue.Create(value);
    public static JsonNode Of(double value) => JsonValue.Create(value);
    public static JsonNode Of(bool value) => JsonValue.Create(value);

    public static long AsLong(JsonNode? value)
    {
        if (value is JsonValue v)
        {
            if (v.TryGetValue<long>(out var l)) return l;
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var el)) return el;
        }
        return (long)AsDouble(value);
    }

    public static double AsDouble(JsonNode? value)
    {
        if (value is JsonValue v)
        {
            if (v.TryGetValue<double>(out var d)) return d;
            if (v.TryGetValue<long>(out var l)) return l;
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<decimal>(out var m)) return (double)m;
            if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number) return e.GetDouble();
        }
        throw new InvalidCastException($"{Describe(value)} is not a number");
    }

    public static bool IsNumber(JsonNode? value) => KindOf(value) is Kind.Integer or Kind.Float;

    /// <summary>How string() and interpolation render a value: strings as they are, the rest as JSON; booleans True/False as Data Factory does.</summary>
    public static string ToText(JsonNode? value) => KindOf(value) switch
    {
        Kind.Null => "",
        Kind.String => value!.GetValue<string>(),
        Kind.Boolean => value!.GetValue<bool>() ? "True" : "False",
        Kind.Integer => AsLong(value).ToString(CultureInfo.InvariantCulture),
        Kind.Float => AsDouble(value).ToString("R", CultureInfo.InvariantCulture),
        _ => value!.ToJsonString(),
    };

    public static string Describe(JsonNode? value) => KindOf(value) switch
    {
        Kind.Null => "null",
        var kind => $"{kind.ToString().ToLowerInvariant()} {Truncate(value!.ToJsonString())}",
    };

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "...";

    /// <summary>Deep equality; 1 equals 1.0.</summary>
    public static bool AreEqual(JsonNode? a, JsonNode? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return AsDouble(a) == AsDouble(b);
        return JsonNode.DeepEquals(a, b);
    }
}
