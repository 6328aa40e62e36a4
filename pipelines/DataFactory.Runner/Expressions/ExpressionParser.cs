using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// Parses one expression (the text after '@', or inside '@{...}'). The grammar is small: literals, calls,
/// member access and indexing, with '?.'/'?[' for null-safe access. A recursive-descent parser keeps error
/// positions exact and needs no dependency; it is the whole grammar, nothing is left to a library.
/// </summary>
public sealed class ExpressionParser
{
    private readonly string _text;
    private readonly int _end;
    private int _pos;

    private ExpressionParser(string text, int start, int end)
    {
        _text = text;
        _pos = start;
        _end = end;
    }

    /// <summary>Parses <paramref name="source"/>[<paramref name="start"/>..<paramref name="end"/>]; error columns count in the whole source.</summary>
    public static Node Parse(string source, int start = 0, int? end = null)
    {
        var parser = new ExpressionParser(source, start, end ?? source.Length);
        parser.SkipSpace();
        var node = parser.ParseExpression();
        parser.SkipSpace();
        if (parser._pos < parser._end)
            throw parser.Error($"Unexpected '{source[parser._pos]}' after the end of the expression");
        return node;
    }

    private Node ParseExpression()
    {
        var node = ParsePrimary();
        while (true)
        {
            SkipSpace();
            var start = _pos;
            if (TryTake("?.") || TryTake("."))
            {
                var nullSafe = _text[start] == '?';
                SkipSpace();
                var name = ParseIdentifier() ?? throw Error("Expected a property name after '.'");
                node = new MemberNode(node, name, nullSafe, start);
            }
            else if (TryTake("?[") || TryTake("["))
            {
                var nullSafe = _text[start] == '?';
                SkipSpace();
                var index = ParseExpression();
                SkipSpace();
                Expect(']');
                node = new IndexNode(node, index, nullSafe, start);
            }
            else
            {
                return node;
            }
        }
    }

    private Node ParsePrimary()
    {
        SkipSpace();
        var start = _pos;
        if (_pos >= _end)
            throw Error("The expression ends where a value was expected");
        var c = _text[_pos];
        if (c == '\'')
            return new LiteralNode(JsonValue.Create(ParseString()), start);
        if (char.IsDigit(c) || (c is '-' or '+' or '.' && _pos + 1 < _end && char.IsDigit(_text[_pos + 1])))
            return new LiteralNode(ParseNumber(), start);
        var name = ParseIdentifier() ?? throw Error($"Unexpected '{c}': expected a function call, a string in single quotes or a number");
        SkipSpace();
        if (!TryTake("("))
        {
            return name.ToLowerInvariant() switch
            {
                "true" => new LiteralNode(JsonValue.Create(true), start),
                "false" => new LiteralNode(JsonValue.Create(false), start),
                "null" => new LiteralNode(null, start),
                _ => throw Error($"'{name}' is not a function call: add parentheses, e.g. {name}()", start),
            };
        }
        var arguments = new List<Node>();
        SkipSpace();
        if (!TryTake(")"))
        {
            while (true)
            {
                arguments.Add(ParseExpression());
                SkipSpace();
                if (TryTake(")")) break;
                if (!TryTake(",")) throw Error(_pos >= _end ? $"Missing ')' to close {name}(" : $"Expected ',' or ')' in the arguments of {name}(");
            }
        }
        return new CallNode(name, arguments, start);
    }

    private string ParseString()
    {
        var builder = new StringBuilder();
        var start = _pos;
        _pos++; // opening quote
        while (true)
        {
            if (_pos >= _end)
                throw Error("The string is not closed: missing '", start);
            var c = _text[_pos++];
            if (c != '\'')
            {
                builder.Append(c);
                continue;
            }
            if (_pos < _end && _text[_pos] == '\'')
            {
                builder.Append('\''); // '' is an escaped quote
                _pos++;
                continue;
            }
            return builder.ToString();
        }
    }

    private JsonNode ParseNumber()
    {
        var start = _pos;
        if (_text[_pos] is '-' or '+') _pos++;
        while (_pos < _end && char.IsDigit(_text[_pos])) _pos++;
        var isFloat = false;
        if (_pos < _end && _text[_pos] == '.' && _pos + 1 < _end && char.IsDigit(_text[_pos + 1]) && (_pos == start || char.IsDigit(_text[_pos - 1]) || _text[_pos - 1] is '-' or '+'))
        {
            isFloat = true;
            _pos++;
            while (_pos < _end && char.IsDigit(_text[_pos])) _pos++;
        }
        var token = _text[start.._pos];
        if (!isFloat && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        return JsonValue.Create(double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private string? ParseIdentifier()
    {
        var start = _pos;
        if (_pos < _end && (char.IsLetter(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
            while (_pos < _end && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
        }
        return _pos > start ? _text[start.._pos] : null;
    }

    private bool TryTake(string token)
    {
        if (_pos + token.Length > _end || string.CompareOrdinal(_text, _pos, token, 0, token.Length) != 0) return false;
        _pos += token.Length;
        return true;
    }

    private void Expect(char c)
    {
        if (_pos < _end && _text[_pos] == c)
        {
            _pos++;
            return;
        }
        throw Error(_pos >= _end ? $"Missing '{c}'" : $"Expected '{c}' but found '{_text[_pos]}'");
    }

    private void SkipSpace()
    {
        while (_pos < _end && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private ExpressionException Error(string message, int? at = null) => new(message, _text, (at ?? _pos) + 1);
}
