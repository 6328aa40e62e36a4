using System.Text.RegularExpressions;
using DataFactory.Pipelines.Model;

namespace DataFactory.Pipelines.Validation;

/// <summary>
/// The names an expression refers to: <c>pipeline().parameters.x</c>, <c>variables('x')</c>, <c>activity('x')</c>.
/// A scan, not a parse: it finds references wherever they stand (also inside <c>@{...}</c> interpolations),
/// which is all validation needs. (The pipeline runner has the real expression parser.)
/// </summary>
public static partial class ExpressionReferences
{
    public sealed record References(IReadOnlyList<string> Parameters, IReadOnlyList<string> Variables, IReadOnlyList<string> Activities);

    /// <summary>The expression texts of a value: an Expression, or a literal string that is one (<c>@...</c>, <c>@{...}</c>).</summary>
    public static IEnumerable<string> ExpressionsIn(DfValue? value) => value switch
    {
        Expression e => [e.Value],
        Literal { Node: { } node } => Strings(node).Where(s => (s.StartsWith('@') && !s.StartsWith("@@", StringComparison.Ordinal)) || s.Contains("@{", StringComparison.Ordinal)),
        _ => [],
    };

    public static References Find(string expression) => new(
        [.. ParameterDot().Matches(expression).Concat(ParameterIndex().Matches(expression)).Select(m => m.Groups["name"].Value)],
        [.. Variable().Matches(expression).Select(m => m.Groups["name"].Value)],
        [.. ActivityRef().Matches(expression).Select(m => m.Groups["name"].Value)]);

    private static IEnumerable<string> Strings(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var s) => [s],
        System.Text.Json.Nodes.JsonObject o => o.SelectMany(p => p.Value is null ? [] : Strings(p.Value)),
        System.Text.Json.Nodes.JsonArray a => a.SelectMany(n => n is null ? [] : Strings(n)),
        _ => [],
    };

    [GeneratedRegex(@"pipeline\(\)\s*\??\.\s*parameters\s*\??\.\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterDot();

    [GeneratedRegex(@"pipeline\(\)\s*\??\.\s*parameters\s*\[\s*'(?<name>[^']*)'\s*\]")]
    private static partial Regex ParameterIndex();

    [GeneratedRegex(@"\bvariables\(\s*'(?<name>[^']*)'\s*\)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"\bactivity\(\s*'(?<name>[^']*)'\s*\)")]
    private static partial Regex ActivityRef();
}
