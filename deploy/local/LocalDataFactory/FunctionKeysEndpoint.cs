using LocalTooling;

namespace LocalDataFactory;

/// <summary>
/// Web Apps - List Function Keys (<c>POST .../providers/Microsoft.Web/sites/{site}/functions/{function}/listkeys</c>):
/// how the deployed pipeline reads the starter's key at run time with the factory's identity. Locally the site is
/// this host, its one function with a key is <c>StartOperation</c>, and the key is the one the host checks.
/// The answer is ARM's StringDictionary: <c>{ id, name, type, properties: { default: key } }</c>.
/// </summary>
public static class FunctionKeysEndpoint
{
    public const string StarterFunction = "StartOperation";
    public const string Route = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/sites/{siteName}/functions/{functionName}/listkeys";

    public static void Map(WebApplication app, ArmRequestCheck check, LocalDataFactoryOptions options, FunctionKeys keys)
    {
        app.MapPost(Route, (string functionName, HttpRequest request) =>
        {
            // Microsoft.Web serves many api-versions (the pipeline uses 2024-04-01); any given one is accepted here.
            if (check.Refusal(request.HttpContext, null, "siteName", options.FunctionAppName, "Microsoft.Web/sites") is { } refused)
                return refused;
            if (!string.Equals(functionName, StarterFunction, StringComparison.OrdinalIgnoreCase))
                return ArmError.Result(404, "NotFound", $"Function '{functionName}' does not exist in site '{options.FunctionAppName}'; its function with a key is {StarterFunction}.");
            var id = $"/subscriptions/{options.SubscriptionId}/resourceGroups/{options.ResourceGroup}/providers/Microsoft.Web/sites/{options.FunctionAppName}/functions/{StarterFunction}";
            return Results.Json(new
            {
                id,
                name = StarterFunction,
                type = "Microsoft.Web/sites/functions",
                properties = new Dictionary<string, string> { ["default"] = keys.FunctionKey },
            });
        });
    }
}
