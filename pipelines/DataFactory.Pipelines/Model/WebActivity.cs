using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary>
/// <c>WebActivity</c>: an HTTP call. On a 202 answer it polls the <c>Location</c> header until the answer is
/// not 202, unless <see cref="TurnOffAsync"/>; its output is the final response body.
/// </summary>
public sealed class WebActivity(string name) : Activity(name)
{
    public override string Type => "WebActivity";

    public DfValue Method { get; set; } = "GET";
    public DfValue? Url { get; set; }
    public Dictionary<string, DfValue> Headers { get; init; } = [];
    public DfValue? Body { get; set; }

    /// <summary>True stops the 202/Location polling (the activity ends at the first answer).</summary>
    public bool? TurnOffAsync { get; set; }

    /// <summary>Bound of one HTTP request (hh:mm:ss, default 00:01:00).</summary>
    public DfValue? HttpRequestTimeout { get; set; }

    /// <summary>Authentication object as the JSON has it (type MSI, Basic, ServicePrincipal, ...).</summary>
    public JsonObject? Authentication { get; set; }

    public override IEnumerable<DfValue?> Values => [Method, Url, Body, HttpRequestTimeout, .. Headers.Values];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["method"] = Method.ToJson();
        tp["url"] = Url?.ToJson();
        if (Headers.Count > 0)
            tp["headers"] = new JsonObject(Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToJson())));
        if (Body is not null) tp["body"] = Body.ToJson();
        if (TurnOffAsync is not null) tp["turnOffAsync"] = TurnOffAsync;
        if (HttpRequestTimeout is not null) tp["httpRequestTimeout"] = HttpRequestTimeout.ToJson();
        if (Authentication is not null) tp["authentication"] = Authentication.DeepClone();
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Method = tp.TakeValue("method") ?? throw tp.Error("'method' is required");
        Url = tp.TakeValue("url") ?? throw tp.Error("'url' is required");
        if (tp.Take("headers") is JsonObject headers)
        {
            foreach (var (key, value) in headers)
                Headers[key] = DfValue.FromJson(value);
        }
        Body = tp.TakeValue("body");
        TurnOffAsync = tp.TakeBool("turnOffAsync");
        HttpRequestTimeout = tp.TakeValue("httpRequestTimeout");
        Authentication = tp.Take("authentication") as JsonObject;
    }
}
