using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>The syntax tree of one expression. <see cref="Position"/> is the 0-based offset in the text.</summary>
public abstract record Node(int Position);

public sealed record LiteralNode(JsonNode? Value, int Position) : Node(Position);

/// <summary><c>name(args)</c>, e.g. <c>concat('a', 'b')</c>, <c>pipeline()</c>.</summary>
public sealed record CallNode(string Name, IReadOnlyList<Node> Arguments, int Position) : Node(Position);

/// <summary><c>target.name</c> or <c>target?.name</c>.</summary>
public sealed record MemberNode(Node Target, string Name, bool NullSafe, int Position) : Node(Position);

/// <summary><c>target[index]</c> or <c>target?[index]</c>.</summary>
public sealed record IndexNode(Node Target, Node Index, bool NullSafe, int Position) : Node(Position);
