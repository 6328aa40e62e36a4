using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>Evaluates a parsed expression against a run's context. All arguments are evaluated (as Data Factory does).</summary>
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
        var arguments = call.Arguments.Select(Evaluate).ToList();
        try
        {
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
