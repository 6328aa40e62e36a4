using System.Text;
using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// Evaluates a JSON property value as Data Factory does: a string starting with '@' is an expression
/// (its value may be of any type); '@@' escapes a literal '@'; '@{...}' inside a string interpolates;
/// objects and arrays are evaluated member by member; other values are as they are.
/// </summary>
public static class Template
{
    public static JsonNode? Evaluate(JsonNode? value, IExpressionContext context) => value switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Evaluate(p.Value, context)))),
        JsonArray array => new JsonArray([.. array.Select(v => Evaluate(v, context))]),
        JsonValue v when v.TryGetValue<string>(out var text) => EvaluateString(text, context),
        _ => value?.DeepClone(),
    };

    public static JsonNode? EvaluateString(string text, IExpressionContext context)
    {
        if (text.StartsWith("@@", StringComparison.Ordinal))
            return JsonValue.Create(text[1..]);
        if (text.StartsWith('@') && !text.StartsWith("@{", StringComparison.Ordinal))
            return new ExpressionEvaluator(context, text).Evaluate(ExpressionParser.Parse(text, 1));
        if (!text.Contains("@{", StringComparison.Ordinal))
            return JsonValue.Create(text);
        return JsonValue.Create(Interpolate(text, context));
    }

    private static string Interpolate(string text, IExpressionContext context)
    {
        var builder = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("@{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                builder.Append(text, i, text.Length - i);
                break;
            }
            builder.Append(text, i, open - i);
            var close = FindClose(text, open + 2);
            var node = ExpressionParser.Parse(text, open + 2, close);
            builder.Append(Values.ToText(new ExpressionEvaluator(context, text).Evaluate(node)));
            i = close + 1;
        }
        return builder.ToString();
    }

    /// <summary>The '}' that closes an interpolation, skipping braces inside string literals.</summary>
    private static int FindClose(string text, int from)
    {
        var inString = false;
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\'') inString = !inString;
            else if (text[i] == '}' && !inString) return i;
        }
        throw new ExpressionException("'@{' is not closed by '}'", text, from - 1);
    }
}
