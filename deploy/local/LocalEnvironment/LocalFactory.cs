using Azure.ResourceManager;
using LocalDataFactory;
using LocalTooling;
using Smoke;

namespace LocalEnvironment;

/// <summary>
/// <c>./build.sh smoke --local</c>: Azurite and the local function host, whose ARM-shaped Data Factory API runs the
/// generated pipelines with the local runner. The host serves that API over HTTPS with a certificate made for this run
/// (Azure.Core sends bearer tokens over TLS only) and accepts a token made for this run; the ARM client trusts exactly
/// that certificate. The factory's pipelines default to calling this host's functions.
/// </summary>
public sealed class LocalFactory : ILocalFactory
{
    /// <summary>The local factory and Function App as the host names them (its defaults).</summary>
    private static readonly LocalDataFactoryOptions Identity = new();

    public static string SubscriptionId => Identity.SubscriptionId;
    public static string ResourceGroup => Identity.ResourceGroup;
    public static string FactoryName => Identity.FactoryName;
    public static string FunctionAppName => Identity.FunctionAppName;

    private readonly LocalStack _stack;

    private LocalFactory(LocalStack stack) => _stack = stack;

    /// <summary>This host as a Function App: the resource whose listkeys the pipeline calls.</summary>
    public static string FunctionAppResourceId => Identity.FunctionAppResourceId;

    /// <summary>The host's HTTPS address, where the ARM-shaped API is.</summary>
    public Uri ManagementEndpoint => _stack.ManagementEndpoint!;

    /// <summary>The host's HTTP address, where the functions are (what the pipelines call).</summary>
    public Uri FunctionBaseUrl => Host.BaseUrl;

    public LocalHostProcess Host => _stack.Host;

    /// <param name="pipelineFolder">The factory's pipelines (ADF git layout).</param>
    public static async Task<LocalFactory> StartAsync(string pipelineFolder, CancellationToken cancellationToken) =>
        new(await LocalStack.StartAsync(new LocalStackOptions
        {
            TaskHub = "Smoke" + Guid.NewGuid().ToString("N")[..8],
            HttpsManagement = true,
            Settings = new Dictionary<string, string>
            {
                [$"{LocalDataFactoryOptions.Section}:PipelineFolder"] = Path.GetFullPath(pipelineFolder),
                [$"{LocalDataFactoryOptions.Section}:ParameterDefaults:functionAppResourceId"] = FunctionAppResourceId,
            },
            // What the Pulumi program sets as the deployed pipeline's defaults; a parameter the pipeline does not declare
            // is ignored, so the pipeline's parameters can change without touching this. The pipeline appends the resource
            // id to the management endpoint (as to https://management.azure.com); the host's runner calls its own routes
            // over loopback HTTP: it does not trust the run's certificate, and only Azure.Core insists on TLS for tokens.
            AddressSettings = functionBaseUrl => new Dictionary<string, string>
            {
                [$"{LocalDataFactoryOptions.Section}:ParameterDefaults:functionBaseUrl"] = functionBaseUrl.ToString().TrimEnd('/'),
                [$"{LocalDataFactoryOptions.Section}:ParameterDefaults:managementEndpoint"] = functionBaseUrl.ToString().TrimEnd('/'),
            },
        }, cancellationToken));

    /// <summary>The seam SmokeCommand takes for <c>--local</c>.</summary>
    public static async Task<ILocalFactory> StartForSmokeAsync(string pipelineFolder, CancellationToken cancellationToken) =>
        await StartAsync(pipelineFolder, cancellationToken);

    /// <summary>An ARM client for the local host: its HTTPS address, its token, its certificate only.</summary>
    public ArmClient CreateArmClient() =>
        new PinnedArmEndpoint(ManagementEndpoint, _stack.ManagementToken, _stack.CertificateSha256!).CreateClient(SubscriptionId);

    public DataFactoryRuns Runs() => new(CreateArmClient(), DataFactoryRuns.FactoryId(SubscriptionId, ResourceGroup, FactoryName));

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
