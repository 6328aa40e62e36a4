using System.Text.Json.Nodes;
using LocalDataFactory;
using LocalTooling;

namespace LocalEnvironment;

/// <summary>
/// The local host as the deployed pipeline sees its Function App: the base URL it calls, the resource id and
/// management endpoint where it reads the starter's key (listkeys, in ARM's shape), and the token that stands in
/// for the factory's managed identity. The pipeline runs unchanged: only these parameter values differ from Azure.
/// </summary>
public sealed record LocalFunctionApp(Uri BaseUrl, string ManagementToken)
{
    public static string ResourceId { get; } = new LocalDataFactoryOptions().FunctionAppResourceId;

    /// <summary>The stack's host, with the token it accepts.</summary>
    public static LocalFunctionApp Of(LocalStack stack) => new(stack.Host.BaseUrl, stack.ManagementToken);

    /// <summary>The pipeline's parameters that point at this app (what the Pulumi program sets as defaults in Azure).</summary>
    public Dictionary<string, JsonNode?> PipelineParameters() => new()
    {
        ["functionBaseUrl"] = BaseUrl.ToString().TrimEnd('/'),
        ["functionAppResourceId"] = ResourceId,
        ["managementEndpoint"] = BaseUrl.ToString().TrimEnd('/'),
    };

    /// <summary>The runner's stand-in for the factory's managed identity.</summary>
    public Func<string, CancellationToken, ValueTask<string>> ManagedIdentityToken => (_, _) => ValueTask.FromResult(ManagementToken);
}
