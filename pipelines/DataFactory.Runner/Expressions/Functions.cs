using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static DataFactory.Runner.Expressions.Values;

namespace DataFactory.Runner.Expressions;

/// <summary>A function was called with arguments it cannot take; the message says which and why.</summary>
public sealed class FunctionException(string message) : Exception(message);

/// <summary>
/// The expression functions of Data Factory's reference (control-flow-expression-language-functions), every one
/// of them: string, collection, logical (and/or/if/coalesce are evaluated lazily by <see cref="ExpressionEvaluator"/>),
/// conversion, math, and date (<see cref="DateFunctions"/>). Integer arithmetic stays integer, string search
/// functions other than contains/replace ignore case.
/// </summary>
public static class Functions
{
    public static JsonNode? Invoke(string name, List<JsonNode?> a, DateTimeOffset now) => name switch
    {
        // string
        "concat" => Concat(a),
        "substring" => Substring(a),
        "replace" => N(a, 3, name) ?? Of(Text(a[0], name, 1).Replace(Text(a[1], name, 2), Text(a[2], name, 3), StringComparison.Ordinal)),
        "tolower" => N(a, 1, name) ?? Of(Text(a[0], name, 1).ToLowerInvariant()),
        "toupper" => N(a, 1, name) ?? Of(Text(a[0], name, 1).ToUpperInvariant()),
        "trim" => N(a, 1, name) ?? Of(Text(a[0], name, 1).Trim()),
        "startswith" => N(a, 2, name) ?? Of(Text(a[0], name, 1).StartsWith(Text(a[1], name, 2), StringComparison.OrdinalIgnoreCase)),
        "endswith" => N(a, 2, name) ?? Of(Text(a[0], name, 1).EndsWith(Text(a[1], name, 2), StringComparison.OrdinalIgnoreCase)),
        "indexof" => N(a, 2, name) ?? Of((long)Text(a[0], name, 1).IndexOf(Text(a[1], name, 2), StringComparison.OrdinalIgnoreCase)),
        "lastindexof" => N(a, 2, name) ?? Of((long)Text(a[0], name, 1).LastIndexOf(Text(a[1], name, 2), StringComparison.OrdinalIgnoreCase)),
        "split" => N(a, 2, name) ?? new JsonArray([.. Text(a[0], name, 1).Split(Text(a[1], name, 2)).Select(s => (JsonNode?)Of(s))]),
        "guid" => N(a, 0, name, 1) ?? Of(Guid.NewGuid().ToString(a.Count == 1 ? Text(a[0], name, 1) : "D")),
        "uricomponent" or "encodeuricomponent" => N(a, 1, name) ?? Of(Uri.EscapeDataString(ToText(a[0]))),
        "uricomponenttostring" or "decodeuricomponent" => N(a, 1, name) ?? Of(Uri.UnescapeDataString(Text(a[0], name, 1))),
        "base64" => N(a, 1, name) ?? Of(Convert.ToBase64String(Encoding.UTF8.GetBytes(ToText(a[0])))),
        "base64tostring" or "decodebase64" => N(a, 1, name) ?? Of(Encoding.UTF8.GetString(ContentFunctions.FromBase64(Text(a[0], name, 1), name))),
        // binary content and data URIs
        "binary" => N(a, 1, name) ?? ContentFunctions.Binary(Encoding.UTF8.GetBytes(Text(a[0], name, 1))),
        "base64tobinary" => N(a, 1, name) ?? ContentFunctions.Binary(ContentFunctions.FromBase64(Text(a[0], name, 1), name)),
        "uricomponenttobinary" => N(a, 1, name) ?? ContentFunctions.Binary(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(Text(a[0], name, 1)))),
        "datauri" => N(a, 1, name) ?? Of(ContentFunctions.DataUri(Text(a[0], name, 1))),
        "datauritobinary" or "decodedatauri" => N(a, 1, name) ?? ContentFunctions.Binary(ContentFunctions.ParseDataUri(Text(a[0], name, 1), name).Bytes),
        "datauritostring" => N(a, 1, name) ?? Of(DataUriText(Text(a[0], name, 1), name)),
        // xml
        "xml" => N(a, 1, name) ?? XmlFunctions.Xml(a[0]),
        "xpath" => N(a, 2, name) ?? XmlFunctions.XPath(a[0], a[1]),
        // collection
        "contains" => N(a, 2, name) ?? Of(Contains(a[0], a[1])),
        "empty" => N(a, 1, name) ?? Of(a[0] switch { null => true, JsonArray x => x.Count == 0, JsonObject o => o.Count == 0, _ => ToText(a[0]).Length == 0 }),
        "length" => N(a, 1, name) ?? Of((long)(a[0] switch { JsonArray x => x.Count, _ when KindOf(a[0]) == Kind.String => ToText(a[0]).Length, _ => throw Bad(name, 1, "a string or an array", a[0]) })),
        "first" => N(a, 1, name) ?? (a[0] switch { JsonArray x => x.Count > 0 ? Clone(x[0]) : null, _ => Text(a[0], name, 1) is { Length: > 0 } s ? Of(s[..1]) : null }),
        "last" => N(a, 1, name) ?? (a[0] switch { JsonArray x => x.Count > 0 ? Clone(x[^1]) : null, _ => Text(a[0], name, 1) is { Length: > 0 } s ? Of(s[^1..]) : null }),
        "join" => N(a, 2, name) ?? Of(string.Join(Text(a[1], name, 2), Array(a[0], name, 1).Select(ToText))),
        "skip" => N(a, 2, name) ?? new JsonArray([.. Array(a[0], name, 1).Skip((int)Integer(a[1], name, 2)).Select(Clone)]),
        "take" => N(a, 2, name) ?? (KindOf(a[0]) == Kind.String
            ? Of(new string(ToText(a[0]).Take((int)Integer(a[1], name, 2)).ToArray()))
            : new JsonArray([.. Array(a[0], name, 1).Take((int)Integer(a[1], name, 2)).Select(Clone)])),
        "union" => Union(a),
        "intersection" => Intersection(a),
        "createarray" => new JsonArray([.. a.Select(Clone)]),
        "range" => N(a, 2, name) ?? new JsonArray([.. Enumerable.Range((int)Integer(a[0], name, 1), (int)Integer(a[1], name, 2)).Select(i => (JsonNode?)Of((long)i))]),
        // logical
        "equals" => N(a, 2, name) ?? Of(AreEqual(a[0], a[1])),
        "not" => N(a, 1, name) ?? Of(!Bool(a[0], name, 1)),
        "greater" => N(a, 2, name) ?? Of(Compare(a[0], a[1], name) > 0),
        "greaterorequals" => N(a, 2, name) ?? Of(Compare(a[0], a[1], name) >= 0),
        "less" => N(a, 2, name) ?? Of(Compare(a[0], a[1], name) < 0),
        "lessorequals" => N(a, 2, name) ?? Of(Compare(a[0], a[1], name) <= 0),
        // conversion
        "string" => N(a, 1, name) ?? Of(ToText(a[0])),
        "int" => N(a, 1, name) ?? Of(ToInt(a[0])),
        "float" => N(a, 1, name) ?? Of(ToFloat(a[0])),
        "bool" => N(a, 1, name) ?? Of(ToBool(a[0])),
        "json" => N(a, 1, name) ?? ParseJson(a[0]),
        "array" => N(a, 1, name) ?? new JsonArray(Clone(a[0])),
        // math
        "add" => N(a, 2, name) ?? Arithmetic(a, name, (x, y) => x + y, (x, y) => x + y),
        "sub" => N(a, 2, name) ?? Arithmetic(a, name, (x, y) => x - y, (x, y) => x - y),
        "mul" => N(a, 2, name) ?? Arithmetic(a, name, (x, y) => x * y, (x, y) => x * y),
        "div" => N(a, 2, name) ?? Arithmetic(a, name, (x, y) => y == 0 ? throw new FunctionException("div() cannot divide by zero") : x / y, (x, y) => y == 0 ? throw new FunctionException("div() cannot divide by zero") : x / y),
        "mod" => N(a, 2, name) ?? Arithmetic(a, name, (x, y) => y == 0 ? throw new FunctionException("mod() cannot divide by zero") : x % y, (x, y) => y == 0 ? throw new FunctionException("mod() cannot divide by zero") : x % y),
        "rand" => N(a, 2, name) ?? Of(Rand(Integer(a[0], name, 1), Integer(a[1], name, 2))),
        "min" => MinMax(a, name, min: true),
        "max" => MinMax(a, name, min: false),
        _ when DateFunctions.Knows(name) => DateFunctions.Invoke(name, a, now),
        _ => throw new FunctionException($"'{name}' is not a function this runner knows"),
    };

    /// <summary>Checks the argument count; returns null so that call sites read <c>N(...) ?? result</c>.</summary>
    internal static JsonNode? N(List<JsonNode?> a, int min, string name, int? max = null)
    {
        var upper = max ?? min;
        if (a.Count < min || a.Count > upper)
            throw new FunctionException($"{name}() takes {(min == upper ? $"{min}" : $"{min} to {upper}")} argument(s), not {a.Count}");
        return null;
    }

    private static FunctionException Bad(string name, int position, string expected, JsonNode? actual) =>
        new($"{name}() argument {position} must be {expected}, but is {Describe(actual)}");

    public static string Text(JsonNode? value, string name, int position) =>
        KindOf(value) == Kind.String ? value!.GetValue<string>() : throw Bad(name, position, "a string", value);

    private static long Integer(JsonNode? value, string name, int position) =>
        KindOf(value) == Kind.Integer ? AsLong(value) : throw Bad(name, position, "an integer", value);

    private static bool Bool(JsonNode? value, string name, int position) =>
        KindOf(value) == Kind.Boolean ? value!.GetValue<bool>() : throw Bad(name, position, "a boolean", value);

    private static JsonArray Array(JsonNode? value, string name, int position) =>
        value as JsonArray ?? throw Bad(name, position, "an array", value);

    private static JsonNode Concat(List<JsonNode?> a)
    {
        if (a.Count > 0 && a.All(x => x is JsonArray))
            return new JsonArray([.. a.SelectMany(x => ((JsonArray)x!).Select(Clone))]);
        return Of(string.Concat(a.Select(ToText)));
    }

    private static JsonNode Substring(List<JsonNode?> a)
    {
        N(a, 2, "substring", 3);
        var text = Text(a[0], "substring", 1);
        var start = (int)Integer(a[1], "substring", 2);
        var length = a.Count == 3 ? (int)Integer(a[2], "substring", 3) : text.Length - start;
        if (start < 0 || length < 0 || start + length > text.Length)
            throw new FunctionException($"substring() range {start}+{length} is outside the string (length {text.Length})");
        return Of(text.Substring(start, length));
    }

    private static bool Contains(JsonNode? collection, JsonNode? item) => collection switch
    {
        JsonArray array => array.Any(x => AreEqual(x, item)),
        JsonObject obj => obj.ContainsKey(Text(item, "contains", 2)),
        _ when KindOf(collection) == Kind.String => collection!.GetValue<string>().Contains(ToText(item), StringComparison.Ordinal),
        _ => throw Bad("contains", 1, "a string, an array or an object", collection),
    };

    private static JsonNode Union(List<JsonNode?> a)
    {
        if (a.Count < 2) throw new FunctionException("union() needs at least 2 arguments");
        if (a.All(x => x is JsonObject))
        {
            var merged = new JsonObject();
            foreach (var obj in a.Cast<JsonObject>())
                foreach (var (key, value) in obj) merged[key] = Clone(value);
            return merged;
        }
        var result = new JsonArray();
        foreach (var item in a.Select((x, i) => Array(x, "union", i + 1)).SelectMany(x => x))
        {
            if (!result.Any(r => AreEqual(r, item))) result.Add(Clone(item));
        }
        return result;
    }

    private static JsonNode Intersection(List<JsonNode?> a)
    {
        if (a.Count < 2) throw new FunctionException("intersection() needs at least 2 arguments");
        if (a.All(x => x is JsonObject))
        {
            var objects = a.Cast<JsonObject>().ToList();
            return new JsonObject(objects[0].Where(p => objects.Skip(1).All(o => o.TryGetPropertyValue(p.Key, out var v) && AreEqual(v, p.Value)))
                .Select(p => KeyValuePair.Create(p.Key, Clone(p.Value))));
        }
        var arrays = a.Select((x, i) => Array(x, "intersection", i + 1)).ToList();
        var result = new JsonArray();
        foreach (var item in arrays[0])
        {
            if (arrays.Skip(1).All(arr => arr.Any(x => AreEqual(x, item))) && !result.Any(r => AreEqual(r, item)))
                result.Add(Clone(item));
        }
        return result;
    }

    private static int Compare(JsonNode? x, JsonNode? y, string name)
    {
        if (IsNumber(x) && IsNumber(y)) return AsDouble(x).CompareTo(AsDouble(y));
        if (KindOf(x) == Kind.String && KindOf(y) == Kind.String) return string.CompareOrdinal(ToText(x), ToText(y));
        throw new FunctionException($"{name}() compares two numbers or two strings, not {Describe(x)} and {Describe(y)}");
    }

    private static long ToInt(JsonNode? value) => KindOf(value) switch
    {
        Kind.Integer => AsLong(value),
        Kind.Float when AsDouble(value) == Math.Floor(AsDouble(value)) => (long)AsDouble(value),
        Kind.String when long.TryParse(ToText(value).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        Kind.Boolean => value!.GetValue<bool>() ? 1 : 0,
        _ => throw new FunctionException($"int() cannot convert {Describe(value)} to an integer"),
    };

    private static double ToFloat(JsonNode? value) => KindOf(value) switch
    {
        Kind.Integer or Kind.Float => AsDouble(value),
        Kind.String when double.TryParse(ToText(value), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new FunctionException($"float() cannot convert {Describe(value)} to a number"),
    };

    private static bool ToBool(JsonNode? value) => KindOf(value) switch
    {
        Kind.Boolean => value!.GetValue<bool>(),
        Kind.Integer or Kind.Float => AsDouble(value) != 0,
        Kind.String when bool.TryParse(ToText(value), out var b) => b,
        _ => throw new FunctionException($"bool() cannot convert {Describe(value)} to a boolean"),
    };

    private static JsonNode? ParseJson(JsonNode? value)
    {
        if (KindOf(value) != Kind.String) return Clone(value);
        if (value!.GetValue<string>().TrimStart().StartsWith('<'))
        {
            throw new FunctionException("json() of XML is not supported by the local runner: Data Factory turns XML into JSON by rules " +
                "the reference does not give (attributes, repeated elements); read XML with xpath() instead");
        }
        try
        {
            return JsonNode.Parse(value!.GetValue<string>());
        }
        catch (JsonException e)
        {
            throw new FunctionException($"json() got text that is not JSON: {e.Message}");
        }
    }

    private static string DataUriText(string uri, string name)
    {
        var (bytes, charset) = ContentFunctions.ParseDataUri(uri, name);
        return charset.GetString(bytes);
    }

    /// <summary>rand(min, max): an integer from min (inclusive) to max (exclusive), as the reference says.</summary>
    private static long Rand(long min, long max) =>
        min < max ? Random.Shared.NextInt64(min, max) : throw new FunctionException($"rand() needs minValue < maxValue, not {min} and {max}");

    private static JsonNode Arithmetic(List<JsonNode?> a, string name, Func<long, long, long> integer, Func<double, double, double> real)
    {
        if (!IsNumber(a[0])) throw Bad(name, 1, "a number", a[0]);
        if (!IsNumber(a[1])) throw Bad(name, 2, "a number", a[1]);
        return KindOf(a[0]) == Kind.Integer && KindOf(a[1]) == Kind.Integer
            ? Of(integer(AsLong(a[0]), AsLong(a[1])))
            : Of(real(AsDouble(a[0]), AsDouble(a[1])));
    }

    private static JsonNode? MinMax(List<JsonNode?> a, string name, bool min)
    {
        var items = a.Count == 1 && a[0] is JsonArray array ? array.ToList() : a;
        if (items.Count == 0) throw new FunctionException($"{name}() needs at least one number");
        foreach (var (item, i) in items.Select((x, i) => (x, i)))
            if (!IsNumber(item)) throw Bad(name, i + 1, "a number", item);
        var best = items.Aggregate((x, y) => (AsDouble(y) < AsDouble(x)) == min ? y : x);
        return Clone(best);
    }
}
