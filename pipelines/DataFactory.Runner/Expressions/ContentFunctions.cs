using System.Text;
using System.Text.Json.Nodes;

namespace DataFactory.Runner.Expressions;

/// <summary>
/// Binary content and data URIs. A binary value is { "$content-type": "application/octet-stream", "$content": base64 }:
/// the reference says of uriComponentToBinary that "the binary content is base64-encoded and represented by $content";
/// its examples print bit strings instead, which contradict each other (base64ToBinary('aGVsbG8=') shows the bits of
/// the text 'aGVsbG8=' itself, not of 'hello'), so they are not followed.
/// </summary>
internal static class ContentFunctions
{
    public static JsonObject Binary(byte[] bytes) => new()
    {
        ["$content-type"] = "application/octet-stream",
        ["$content"] = Convert.ToBase64String(bytes),
    };

    public static byte[] FromBase64(string text, string name)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FunctionException($"{name}() got '{text}', which is not base64");
        }
    }

    /// <summary>dataUri('hello') is "data:text/plain;charset=utf-8;base64,aGVsbG8=" (the reference's example).</summary>
    public static string DataUri(string text) => "data:text/plain;charset=utf-8;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The bytes of a data URI (RFC 2397: data:[mediatype][;base64],data) and its charset (UTF-8 when none).</summary>
    public static (byte[] Bytes, Encoding Charset) ParseDataUri(string uri, string name)
    {
        var comma = uri.IndexOf(',');
        if (!uri.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || comma < 0)
            throw new FunctionException($"{name}() got '{Truncate(uri)}', which is not a data URI (data:[media type][;base64],data)");
        var header = uri[5..comma].Split(';', StringSplitOptions.TrimEntries);
        var data = uri[(comma + 1)..];
        var charset = header.FirstOrDefault(p => p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase)) is { } c
            ? EncodingOf(c["charset=".Length..], name)
            : Encoding.UTF8;
        var bytes = header.Contains("base64", StringComparer.OrdinalIgnoreCase)
            ? FromBase64(data, name)
            : Encoding.UTF8.GetBytes(Uri.UnescapeDataString(data));
        return (bytes, charset);
    }

    private static Encoding EncodingOf(string charset, string name)
    {
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            throw new FunctionException($"{name}() got a data URI with charset '{charset}', which this runner cannot decode");
        }
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
