using System.Text.Json;
using System.Text.Json.Nodes;
namespace DataFactory.Runner.Expressions;

/// <summary>Values evaluated outside a pipeline run (<c>adf eval</c>): parameters and global parameters only; variables, activities and item() are not available.</summary>
public sealed class EvalContext(JsonObject parameters, JsonObject globalParameters) : IExpressionContext
{
    public static EvalContext From(IEnumerable<string> assignments, IReadOnlyDictionary<string, JsonNode?>? globalParameters = null)
    {
        var parameters = new JsonObject();
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"'{assignment}' is not name=value.");
            var text = assignment[(equals + 1)..];
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(text);
            }
            parameters[assignment[..equals]] = value;
        }
        return new EvalContext(parameters, new JsonObject((globalParameters ?? new Dictionary<string, JsonNode?>()).Select(g => KeyValuePair.Create(g.Key, g.Value?.DeepClone()))));
    }

    /// <summary>
    /// Exactly as a JSON string value in a pipeline: "@expr" is an expression, "text @{expr}" interpolates,
    /// "@@" escapes '@', anything else is a literal string ("11" is the text 11, not a number; Data Factory's
    /// how-to-expression-language-functions: the JSON value "parameters" returns the characters 'parameters').
    /// </summary>
    public static JsonNode? Evaluate(string expression, IExpressionContext context) => Template.EvaluateString(expression, context);

    public JsonObject Pipeline => new() { ["parameters"] = parameters.DeepClone(), ["globalParameters"] = globalParameters.DeepClone(), ["RunId"] = "eval", ["Pipeline"] = "eval", ["DataFactory"] = "local" };

    public JsonNode? Variable(string name) => throw new KeyNotFoundException("variables() is not available in eval");

    public JsonNode? Activity(string name) => throw new KeyNotFoundException("activity() is not available in eval");

    public JsonNode? Item() => throw new KeyNotFoundException("item() is not available in eval");

    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
