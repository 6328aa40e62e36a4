using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ExclusiveOperations.LocalHost;
using ExclusiveOperations.LocalHost.Management;

namespace ExclusiveOperations.LocalEnvironment;

/// <summary>
/// The local host as the deployed pipeline sees its Function App: the base URL it calls, the resource id and
/// management endpoint where it reads the starter's key (listkeys, in ARM's shape), and the token that stands in
/// for the factory's managed identity. The pipeline runs unchanged: only these parameter values differ from Azure.
/// </summary>
public sealed record LocalFunctionApp(Uri BaseUrl, string ManagementToken)
{
    public static string ResourceId { get; } = new LocalDataFactoryOptions().FunctionAppResourceId;

    /// <summary>A new token for the host's management routes (random per run, like a managed identity's token).</summary>
    public static string NewManagementToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>What the host needs to accept that token (passed through the environment, never the command line).</summary>
    public static IReadOnlyDictionary<string, string> HostSecrets(string managementToken) =>
        new Dictionary<string, string> { [LocalDataFactoryOptions.TokenSetting] = managementToken };

    public static LocalFunctionApp Of(LocalHostProcess host, string managementToken) => new(host.BaseUrl, managementToken);

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
