using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// Evaluates a parsed expression against a run's context. Arguments are evaluated left to right; <c>and</c>,
/// <c>or</c>, <c>if</c> and <c>coalesce</c> stop at the argument that decides the result, as Data Factory does
/// for <c>and</c>/<c>or</c>/<c>if</c> (microsoft/data-factory-testing-framework evaluates with Microsoft's
/// expression package and asserts it: test_boolean_operators_short_circuit, test_conditional_expression_with_branching).
/// </summary>
public sealed class ExpressionEvaluator(IExpressionContext context, string source)
{
    public JsonNode? Evaluate(Node node) => node switch
    {
        LiteralNode literal => Values.Clone(literal.Value),
        CallNode call => Call(call),
        MemberNode member => Member(member),
        IndexNode index => Index(index),
        _ => throw Error("Unknown expression node", node),
    };

    private JsonNode? Call(CallNode call)
    {
        var name = call.Name.ToLowerInvariant();
        try
        {
            if (name is "and" or "or" or "if" or "coalesce")
                return ShortCircuit(name, call);
            var arguments = call.Arguments.Select(Evaluate).ToList();
            return name switch
            {
                "pipeline" => Arity(arguments, 0, 0, call) ?? context.Pipeline.DeepClone(),
                "variables" => Arity(arguments, 1, 1, call) ?? context.Variable(Functions.Text(arguments[0], "variables", 1)),
                "activity" => Arity(arguments, 1, 1, call) ?? context.Activity(Functions.Text(arguments[0], "activity", 1)),
                "item" => Arity(arguments, 0, 0, call) ?? context.Item(),
                _ => Functions.Invoke(name, arguments, context.UtcNow),
            };
        }
        catch (FunctionException e)
        {
            throw Error(e.Message, call);
        }
        catch (KeyNotFoundException e)
        {
            throw Error(e.Message, call);
        }
    }

    /// <summary>The functions that evaluate only the arguments they need, so a later argument may be one that would fail.</summary>
    private JsonNode? ShortCircuit(string name, CallNode call)
    {
        var arguments = call.Arguments;
        switch (name)
        {
            case "and" or "or":
                if (arguments.Count < 2) throw new FunctionException($"{name}() needs at least 2 arguments");
                var deciding = name == "or";
                for (var i = 0; i < arguments.Count; i++)
                {
                    var value = Evaluate(arguments[i]);
                    if (Values.KindOf(value) != Values.Kind.Boolean)
                        throw new FunctionException($"{name}() argument {i + 1} must be a boolean, but is {Values.Describe(value)}");
                    if (value!.GetValue<bool>() == deciding)
                        return Values.Of(deciding);
                }
                return Values.Of(!deciding);
            case "if":
                if (arguments.Count != 3) throw new FunctionException($"if() takes 3 argument(s), not {arguments.Count}");
                var condition = Evaluate(arguments[0]);
                if (Values.KindOf(condition) != Values.Kind.Boolean)
                    throw new FunctionException($"if() argument 1 must be a boolean, but is {Values.Describe(condition)}");
                return Evaluate(arguments[condition!.GetValue<bool>() ? 1 : 2]);
            default: // coalesce
                if (arguments.Count == 0) throw new FunctionException("coalesce() needs at least one argument");
                foreach (var argument in arguments)
                {
                    if (Evaluate(argument) is { } value)
                        return value;
                }
                return null;
        }
    }

    private JsonNode? Arity(List<JsonNode?> arguments, int min, int max, CallNode call) =>
        arguments.Count < min || arguments.Count > max
            ? throw Error($"{call.Name}() takes {(min == max ? min.ToString() : $"{min} to {max}")} argument(s), not {arguments.Count}", call)
            : null;

    private JsonNode? Member(MemberNode member)
    {
        var target = Evaluate(member.Target);
        if (target is null)
            return member.NullSafe ? null : throw Error($"Cannot read '{member.Name}' of null (use '?.' to get null instead)", member);
        if (target is not JsonObject obj)
            return member.NullSafe ? null : throw Error($"Cannot read property '{member.Name}' of {Values.Describe(target)}", member);
        if (obj.TryGetPropertyValue(member.Name, out var value))
            return Values.Clone(value);
        // Data Factory matches property names without regard to case.
        var match = obj.FirstOrDefault(p => string.Equals(p.Key, member.Name, StringComparison.OrdinalIgnoreCase));
        if (match.Key is not null)
            return Values.Clone(match.Value);
        return member.NullSafe ? null : throw Error($"The object has no property '{member.Name}' (it has: {string.Join(", ", obj.Select(p => p.Key))}); use '?.' if it may be missing", member);
    }

    private JsonNode? Index(IndexNode index)
    {
        var target = Evaluate(index.Target);
        var key = Evaluate(index.Index);
        if (target is null)
            return index.NullSafe ? null : throw Error("Cannot index null (use '?[' to get null instead)", index);
        switch (target)
        {
            case JsonArray array when Values.KindOf(key) == Values.Kind.Integer:
                var i = Values.AsLong(key);
                return i >= 0 && i < array.Count ? Values.Clone(array[(int)i])
                    : index.NullSafe ? null : throw Error($"Index {i} is outside the array (length {array.Count})", index);
            case JsonObject obj when Values.KindOf(key) == Values.Kind.String:
                return Member(new MemberNode(new LiteralNode(obj, index.Position), key!.GetValue<string>(), index.NullSafe, index.Position));
            default:
                throw Error($"Cannot index {Values.Describe(target)} with {Values.Describe(key)}", index);
        }
    }

    private ExpressionException Error(string message, Node node) => new(message, source, node.Position + 1);
}
