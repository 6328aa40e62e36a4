using System.Text.Json.Nodes;

namespace ExclusiveOperations.Status;

/// <summary>The app's own status URL of a run, <c>{base}/api/runs/{instanceId}?token={token}</c>, and the starter's body.</summary>
public static class RunStatusUrl
{
    /// <summary>The route under the Functions route prefix <c>api</c> (host.json), and the same path on the local host.</summary>
    public const string Route = "runs/{instanceId}";

    public const string PathPrefix = "/api/runs/";

    /// <param name="baseUrl">Scheme, host and port of the request that asked, as the Durable extension's
    /// CreateCheckStatusResponseAsync takes them (<c>request.Url.GetLeftPart(UriPartial.Authority)</c>).</param>
    public static string For(string baseUrl, string instanceId, string token) =>
        $"{baseUrl.TrimEnd('/')}{PathPrefix}{Uri.EscapeDataString(instanceId)}?{StatusToken.QueryParameter}={Uri.EscapeDataString(token)}";

    /// <summary>
    /// The starter's 202 body. Only the status URL: the Durable extension's management URLs carry the system key, which
    /// callers holding only a function key must not receive (operators use the built-in API with the system key).
    /// </summary>
    public static JsonObject CheckStatusBody(string instanceId, string statusUrl) => new()
    {
        ["id"] = instanceId,
        ["statusQueryGetUri"] = statusUrl,
    };
}
