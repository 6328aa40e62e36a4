using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Azure.ResourceManager;
using ExclusiveOperations.LocalHost;
using ExclusiveOperations.LocalHost.Management;
using ExclusiveOperations.LocalTooling;

namespace ExclusiveOperations.Smoke;

/// <summary>
/// <c>--local</c>: Azurite and the local function host, whose ARM-shaped Data Factory API runs the generated
/// pipelines with the local runner. The host serves that API over HTTPS with a certificate made for this run
/// (Azure.Core sends bearer tokens over TLS only) and accepts a token made for this run; the ARM client
/// trusts exactly that certificate. The factory's pipelines default to calling this host's functions.
/// </summary>
public sealed class LocalFactory : IAsyncDisposable
{
    /// <summary>The local factory and Function App as the host names them (its defaults).</summary>
    private static readonly LocalDataFactoryOptions Identity = new();

    public static string SubscriptionId => Identity.SubscriptionId;
    public static string ResourceGroup => Identity.ResourceGroup;
    public static string FactoryName => Identity.FactoryName;
    public static string FunctionAppName => Identity.FunctionAppName;

    private readonly AzuriteServer _azurite;
    private readonly LocalHostProcess _host;
    private readonly string _certificateFolder;
    private readonly string _token;
    private readonly string _certificateHash;

    private LocalFactory(AzuriteServer azurite, LocalHostProcess host, Uri managementEndpoint, string certificateFolder, string token, string certificateHash)
    {
        _azurite = azurite;
        _host = host;
        ManagementEndpoint = managementEndpoint;
        _certificateFolder = certificateFolder;
        _token = token;
        _certificateHash = certificateHash;
    }

    /// <summary>This host as a Function App: the resource whose listkeys the pipeline calls.</summary>
    public static string FunctionAppResourceId => Identity.FunctionAppResourceId;

    /// <summary>The host's HTTPS address, where the ARM-shaped API is.</summary>
    public Uri ManagementEndpoint { get; }

    /// <summary>The host's HTTP address, where the functions are (what the pipelines call).</summary>
    public Uri FunctionBaseUrl => _host.BaseUrl;

    public LocalHostProcess Host => _host;

    /// <param name="pipelineFolder">The factory's pipelines (ADF git layout).</param>
    public static async Task<LocalFactory> StartAsync(string pipelineFolder, CancellationToken cancellationToken)
    {
        var token = LocalResourceManager.NewToken();
        var keys = FunctionKeys.Generate();
        var folder = Directory.CreateTempSubdirectory("smoke-local-").FullName;
        AzuriteServer? azurite = null;
        try
        {
            var (pfx, hash) = WriteCertificate(folder);
            azurite = await AzuriteServer.StartAsync(cancellationToken: cancellationToken);
            // The host needs its HTTP address in its settings (the pipelines call it), so the ports are picked here, not
            // by the host; another process can take one between the pick and the bind: then new ports, a few times.
            for (var attempt = 1; ; attempt++)
            {
                int httpPort = LocalProcesses.FreePort(), httpsPort = LocalProcesses.FreePort();
                var functionBaseUrl = $"http://127.0.0.1:{httpPort}";
                var managementEndpoint = new Uri($"https://127.0.0.1:{httpsPort}");
                var settings = new Dictionary<string, string>
                {
                    ["urls"] = $"{functionBaseUrl};{managementEndpoint.ToString().TrimEnd('/')}",
                    ["Kestrel:Certificates:Default:Path"] = pfx,
                    ["LocalHost:DataFactory:PipelineFolder"] = Path.GetFullPath(pipelineFolder),
                    // What the Pulumi program sets as the deployed pipeline's defaults; a parameter the pipeline
                    // does not declare is ignored, so the pipeline's parameters can change without touching this.
                    ["LocalHost:DataFactory:ParameterDefaults:functionBaseUrl"] = functionBaseUrl,
                    // The pipeline appends the resource id to the endpoint (as to https://management.azure.com). The host's
                    // runner calls its own routes over loopback HTTP: it does not trust the run's certificate, and only
                    // Azure.Core insists on TLS for bearer tokens.
                    ["LocalHost:DataFactory:ParameterDefaults:managementEndpoint"] = functionBaseUrl,
                    ["LocalHost:DataFactory:ParameterDefaults:functionAppResourceId"] = FunctionAppResourceId,
                };
                try
                {
                    var host = await LocalHostProcess.StartAsync(azurite.ConnectionString, "Smoke" + Guid.NewGuid().ToString("N")[..8], settings, httpPort, keys, LocalResourceManager.TokenSetting(token), cancellationToken);
                    return new LocalFactory(azurite, host, managementEndpoint, folder, token, hash);
                }
                catch (PortInUseException) when (attempt < 5)
                {
                }
            }
        }
        catch
        {
            if (azurite is not null)
                await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>An ARM client for the local host: its endpoint, its token, its certificate only.</summary>
    public ArmClient CreateArmClient()
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate?.GetCertHashString(HashAlgorithmName.SHA256) == _certificateHash,
        };
        var options = new ArmClientOptions
        {
            Environment = new ArmEnvironment(ManagementEndpoint, ArmEnvironment.AzurePublicCloud.Audience),
            Transport = new HttpClientTransport(handler),
        };
        return new ArmClient(new StaticTokenCredential(_token), SubscriptionId, options);
    }

    public DataFactoryRuns Factory(ArmClient client) => new(client, DataFactoryRuns.FactoryId(SubscriptionId, ResourceGroup, FactoryName));

    private static (string Path, string Sha256) WriteCertificate(string folder)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(folder, "localhost.pfx");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the private key: owner only
        using (var file = new FileStream(path, fileOptions))
            file.Write(certificate.Export(X509ContentType.Pfx));
        return (path, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _azurite.DisposeAsync();
        Directory.Delete(_certificateFolder, recursive: true);
    }
}
