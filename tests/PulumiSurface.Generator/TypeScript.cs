using System.Text.RegularExpressions;

namespace PulumiSurface.Generator;

/// <summary>A type as the typings spell it: a name with type arguments, an array, a string-keyed map, a union or a literal.</summary>
public abstract record TsType;

public sealed record TsNamed(string Name, IReadOnlyList<TsType> Arguments) : TsType;

public sealed record TsArray(TsType Element) : TsType;

public sealed record TsMap(TsType Value) : TsType;

public sealed record TsUnion(IReadOnlyList<TsType> Members) : TsType;

public sealed record TsLiteral(string Text) : TsType;

/// <summary>A property of an interface or a class: <c>name?: type</c>.</summary>
public sealed record TsProperty(string Name, bool Optional, TsType Type);

/// <summary>The declarations of one .d.ts file that the surface needs.</summary>
public sealed record TsFile(
    IReadOnlyDictionary<string, IReadOnlyList<TsProperty>> Interfaces,
    IReadOnlyDictionary<string, IReadOnlyList<TsProperty>> Classes,
    IReadOnlyDictionary<string, string> Constructors,
    IReadOnlyDictionary<string, TsFunction> Functions,
    IReadOnlyDictionary<string, IReadOnlyList<(string Name, string Value)>> Enums);

/// <summary>An invoke: <c>getX(args: GetXArgs, opts?): Promise&lt;GetXResult&gt;</c> (ArgsType null when it takes none).</summary>
public sealed record TsFunction(string Name, string? ArgsType, string ResultType);

/// <summary>
/// Reads the declarations the Pulumi TypeScript codegen writes into .d.ts files (a regular subset of TypeScript:
/// interfaces of properties, resource classes, invoke functions, enum constants), not TypeScript in general.
/// </summary>
public static partial class TypeScript
{
    public static TsFile ParseFile(string text)
    {
        text = Comments().Replace(text, " ");
        var interfaces = new Dictionary<string, IReadOnlyList<TsProperty>>();
        var classes = new Dictionary<string, IReadOnlyList<TsProperty>>();
        var constructors = new Dictionary<string, string>();
        var functions = new Dictionary<string, TsFunction>();
        var enums = new Dictionary<string, IReadOnlyList<(string, string)>>();
        foreach (Match m in Declaration().Matches(text))
        {
            var body = Body(text, m.Index + m.Length - 1);
            var name = m.Groups["name"].Value;
            switch (m.Groups["kind"].Value)
            {
                case "interface":
                    interfaces[name] = Members(body).Select(s => ParseProperty(s.StartsWith("readonly ", StringComparison.Ordinal) ? s[9..] : s)
                        ?? throw new FormatException($"Not a property of {name}: {s}")).ToList();
                    break;
                case "class":
                    classes[name] = Members(body).Where(s => s.StartsWith("readonly ", StringComparison.Ordinal)).Select(s => ParseProperty(s[9..])).OfType<TsProperty>().ToList();
                    if (Constructor().Match(body) is { Success: true } c)
                        constructors[name] = c.Groups["optional"].Value;
                    break;
                case "const":
                    enums[name] = Members(body).Select(s => EnumMember().Match(s) is { Success: true } e ? e : throw new FormatException($"Not a member of enum {name}: {s}"))
                        .Select(e => (e.Groups["name"].Value.Trim('"'), e.Groups["value"].Value.Trim('"'))).ToList();
                    break;
            }
        }
        foreach (Match m in Function().Matches(text))
            functions[m.Groups["name"].Value] = new TsFunction(m.Groups["name"].Value, m.Groups["args"].Success ? m.Groups["args"].Value : null, m.Groups["result"].Value);
        return new TsFile(interfaces, classes, constructors, functions, enums);
    }

    /// <summary>
    /// The text of each <c>export declare namespace module { ... }</c> of types/input.d.ts or types/output.d.ts, for
    /// <see cref="ParseFile"/> (the files are large; only the modules the program uses are parsed).
    /// </summary>
    public static Dictionary<string, string> Namespaces(string text)
    {
        var modules = new Dictionary<string, string>();
        text = Comments().Replace(text, " ");
        foreach (Match m in Namespace().Matches(text))
            modules[m.Groups["name"].Value] = Body(text, m.Index + m.Length - 1);
        return modules;
    }

    public static TsType ParseType(string text)
    {
        var parser = new Parser(text);
        var type = parser.Union();
        parser.End();
        return type;
    }

    private static TsProperty? ParseProperty(string member)
    {
        var m = PropertyHead().Match(member);
        return m.Success ? new TsProperty(m.Groups["name"].Value.Trim('"'), m.Groups["optional"].Success, ParseType(member[m.Length..])) : null;
    }

    /// <summary>The text between the brace at <paramref name="open"/> and its match.</summary>
    private static string Body(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[(open + 1)..i];
        }
        throw new FormatException("Unbalanced braces in the typings.");
    }

    /// <summary>The members of a body: split at the semicolons and commas outside brackets, braces, parentheses and strings.</summary>
    private static IEnumerable<string> Members(string body)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '"') i = body.IndexOf('"', i + 1); // enum values have commas: "SystemAssigned, UserAssigned"
            else if (c is '{' or '<' or '(' or '[') depth++;
            else if (c is '}' or '>' or ')' or ']') depth--;
            else if ((c is ';' or ',') && depth == 0)
            {
                var member = body[start..i].Trim();
                start = i + 1;
                if (member.Length > 0) yield return member;
            }
        }
        if (body[start..].Trim() is { Length: > 0 } last) yield return last;
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public TsType Union()
        {
            var members = new List<TsType> { Postfix() };
            while (Take("|")) members.Add(Postfix());
            return members.Count == 1 ? members[0] : new TsUnion(members);
        }

        public void End()
        {
            Skip();
            if (_at != text.Length) throw new FormatException($"Unexpected '{text[_at..]}' in type '{text}'.");
        }

        private TsType Postfix()
        {
            var type = Primary();
            while (Take("[]")) type = new TsArray(type);
            return type;
        }

        private TsType Primary()
        {
            if (Take("("))
            {
                var inner = Union();
                Expect(")");
                return inner;
            }
            if (Take("{"))
            {
                Expect("[");
                Identifier();
                Expect(":");
                Identifier();
                Expect("]");
                Expect(":");
                var value = Union();
                Take(";");
                Expect("}");
                return new TsMap(value);
            }
            Skip();
            if (_at < text.Length && text[_at] == '"')
            {
                var end = text.IndexOf('"', _at + 1);
                var literal = text[_at..(end + 1)];
                _at = end + 1;
                return new TsLiteral(literal);
            }
            var name = Identifier();
            var arguments = new List<TsType>();
            if (Take("<"))
            {
                do arguments.Add(Union()); while (Take(","));
                Expect(">");
            }
            return new TsNamed(name, arguments);
        }

        private string Identifier()
        {
            Skip();
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '.' or '$')) _at++;
            if (start == _at) throw new FormatException($"Expected a name at '{text[_at..]}' in type '{text}'.");
            return text[start.._at];
        }

        private bool Take(string token)
        {
            Skip();
            if (string.CompareOrdinal(text, _at, token, 0, token.Length) != 0) return false;
            _at += token.Length;
            return true;
        }

        private void Expect(string token)
        {
            if (!Take(token)) throw new FormatException($"Expected '{token}' at '{text[_at..]}' in type '{text}'.");
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }
    }

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"(?:export\s+)?(?:declare\s+)?(?<kind>interface|class|const)\s+(?<name>\w+)(?:\s+extends\s+[\w.]+)?\s*:?\s*\{")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"export\s+declare\s+namespace\s+(?<name>\w+)\s*\{")]
    private static partial Regex Namespace();

    [GeneratedRegex(@"export\s+declare\s+function\s+(?<name>\w+)\((?:args\??:\s*(?<args>\w+),\s*)?opts\?:\s*pulumi\.InvokeOptions\):\s*Promise<(?<result>\w+)>")]
    private static partial Regex Function();

    [GeneratedRegex(@"constructor\(name: string, args(?<optional>\??):")]
    private static partial Regex Constructor();

    [GeneratedRegex(@"^(?<name>""[^""]+""|[\w$]+)(?<optional>\?)?:\s*")]
    private static partial Regex PropertyHead();

    [GeneratedRegex(@"^readonly\s+(?<name>""[^""]+""|\w+):\s*(?<value>""[^""]*""|[-\d.]+)$")]
    private static partial Regex EnumMember();
}
