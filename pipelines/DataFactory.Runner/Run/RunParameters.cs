using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Expressions;

namespace DataFactory.Runner.Run;

/// <summary>Binds a run's parameter values to the pipeline's declared parameters, checking names and types.</summary>
public static class RunParameters
{
    public sealed class ParameterException(string message) : Exception(message);

    public static JsonObject Bind(Pipeline pipeline, IReadOnlyDictionary<string, JsonNode?> values)
    {
        foreach (var name in values.Keys.Where(n => !pipeline.Parameters.ContainsKey(n)))
            throw new ParameterException($"Pipeline '{pipeline.Name}' has no parameter '{name}'. Its parameters: {string.Join(", ", pipeline.Parameters.Keys)}.");
        var bound = new JsonObject();
        foreach (var (name, parameter) in pipeline.Parameters)
        {
            var value = values.TryGetValue(name, out var given) ? given : parameter.DefaultValue;
            if (value is null && !values.ContainsKey(name))
                throw new ParameterException($"Parameter '{name}' of pipeline '{pipeline.Name}' has no default value; give one (--param {name}=...).");
            if (!Fits(parameter.Type, value))
                throw new ParameterException($"Parameter '{name}' is {parameter.Type.ToString().ToLowerInvariant()}, but got {Values.Describe(value)}.");
            bound[name] = value?.DeepClone();
        }
        return bound;
    }

    /// <summary>Parses <c>name=value</c> text (as given on the command line) by the parameter's declared type.</summary>
    public static Dictionary<string, JsonNode?> FromText(Pipeline pipeline, IEnumerable<string> assignments)
    {
        var values = new Dictionary<string, JsonNode?>();
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new ParameterException($"'{assignment}' is not name=value.");
            var name = assignment[..equals];
            var text = assignment[(equals + 1)..];
            if (!pipeline.Parameters.TryGetValue(name, out var parameter))
                throw new ParameterException($"Pipeline '{pipeline.Name}' has no parameter '{name}'. Its parameters: {string.Join(", ", pipeline.Parameters.Keys)}.");
            values[name] = Parse(parameter.Type, text, name);
        }
        return values;
    }

    internal static JsonNode? Parse(ParameterType type, string text, string name)
    {
        try
        {
            return type switch
            {
                ParameterType.String or ParameterType.SecureString => JsonValue.Create(text),
                ParameterType.Int => JsonValue.Create(long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
                ParameterType.Float => JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)),
                ParameterType.Bool => JsonValue.Create(bool.Parse(text)),
                _ => JsonNode.Parse(text),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException)
        {
            throw new ParameterException($"Parameter '{name}' is {type.ToString().ToLowerInvariant()}; '{text}' is not one ({e.Message}).");
        }
    }

    internal static bool Fits(ParameterType type, JsonNode? value) => (type, Values.KindOf(value)) switch
    {
        (_, Values.Kind.Null) => true,
        (ParameterType.String or ParameterType.SecureString, Values.Kind.String) => true,
        (ParameterType.Int, Values.Kind.Integer) => true,
        (ParameterType.Float, Values.Kind.Integer or Values.Kind.Float) => true,
        (ParameterType.Bool, Values.Kind.Boolean) => true,
        (ParameterType.Array, Values.Kind.Array) => true,
        (ParameterType.Object, Values.Kind.Object) => true,
        _ => false,
    };
}
