using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using static DataFactory.Runner.Expressions.Values;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// xml() and xpath(). Data Factory's XML value is an object of its own; here it is its XML text (a string), which
/// is what xpath() and string() take and what a run record can show.
/// </summary>
internal static class XmlFunctions
{
    /// <summary>xml(value): XML text given as a string, or a JSON object with one root property (not an array), as XML text.</summary>
    public static JsonNode Xml(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj:
                return Of(FromJson(obj));
            case JsonValue when KindOf(value) == Kind.String:
                var text = value.GetValue<string>();
                if (text.TrimStart().StartsWith('<'))
                {
                    Parse(text, "xml", 1);
                    return Of(text);
                }
                try
                {
                    return JsonNode.Parse(text) is JsonObject parsed
                        ? Of(FromJson(parsed))
                        : throw new FunctionException("xml() argument 1 must be XML text or a JSON object with one root property");
                }
                catch (JsonException e)
                {
                    throw new FunctionException($"xml() argument 1 is neither XML nor a JSON object: {e.Message}");
                }
            default:
                throw new FunctionException($"xml() argument 1 must be XML text or a JSON object, but is {Describe(value)}");
        }
    }

    /// <summary>
    /// xpath(xml, expression): a number, string or boolean for such an XPath; for nodes, the one node (elements as
    /// XML text, attributes and text as their value) when one matches, else an array of them (the reference's return table).
    /// </summary>
    public static JsonNode? XPath(JsonNode? xml, JsonNode? expression)
    {
        var document = Parse(Functions.Text(xml, "xpath", 1), "xpath", 1);
        var path = Functions.Text(expression, "xpath", 2);
        object result;
        try
        {
            result = document.CreateNavigator().Evaluate(path);
        }
        catch (XPathException e)
        {
            throw new FunctionException($"xpath() argument 2 '{path}' is not an XPath expression: {e.Message}");
        }
        switch (result)
        {
            case double number:
                return Of(number);
            case string text:
                return Of(text);
            case bool flag:
                return Of(flag);
            case XPathNodeIterator nodes:
                var matches = new JsonArray();
                foreach (XPathNavigator node in nodes)
                    matches.Add(Of(node.NodeType is XPathNodeType.Element or XPathNodeType.Root ? node.OuterXml : node.Value));
                return matches.Count == 1 ? Clone(matches[0]) : matches;
            default:
                throw new FunctionException($"xpath() gave a result of type {result.GetType().Name}, which has no JSON form");
        }
    }

    private static XDocument Parse(string text, string name, int position)
    {
        try
        {
            return XDocument.Parse(text);
        }
        catch (XmlException e)
        {
            throw new FunctionException($"{name}() argument {position} is not XML: {e.Message}");
        }
    }

    /// <summary>JSON to XML the usual way: properties are elements, "@name" attributes, "#text" text, arrays repeated elements.</summary>
    private static string FromJson(JsonObject obj)
    {
        var roots = obj.Where(p => !p.Key.StartsWith('?')).ToList();
        if (roots.Count != 1 || roots[0].Value is JsonArray)
            throw new FunctionException("xml() needs a JSON object with exactly one root property, which is not an array");
        return string.Concat(Elements(roots[0].Key, roots[0].Value).Select(e => e.ToString(SaveOptions.DisableFormatting)));
    }

    private static IEnumerable<XElement> Elements(string name, JsonNode? value)
    {
        if (value is JsonArray array)
            return array.SelectMany(item => Elements(name, item));
        var element = new XElement(XmlConvert.EncodeLocalName(name));
        switch (value)
        {
            case null:
                break;
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (key.StartsWith('@')) element.SetAttributeValue(XmlConvert.EncodeLocalName(key[1..]), Scalar(child));
                    else if (key == "#text") element.Add(new XText(Scalar(child)));
                    else element.Add(Elements(key, child));
                }
                break;
            default:
                element.Value = Scalar(value);
                break;
        }
        return [element];
    }

    private static string Scalar(JsonNode? value) => KindOf(value) is Kind.String or Kind.Null ? ToText(value) : value!.ToJsonString();
}
