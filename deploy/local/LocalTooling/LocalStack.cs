using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LocalTooling;

/// <summary>What callers of <see cref="LocalStack"/> vary about the stack they bring up.</summary>
public sealed record LocalStackOptions
{
    /// <summary>The host's task hub; hosts that share it share orchestrations.</summary>
    public string TaskHub { get; init; } = "LocalStack";

    /// <summary>More host configuration, as key=value pairs on its command line (no secrets).</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Settings that name the host's own HTTP address (e.g. a pipeline default that calls it): with these the stack
    /// picks the port itself, since they must be known before the host starts.</summary>
    public Func<Uri, IReadOnlyDictionary<string, string>>? AddressSettings { get; init; }

    /// <summary>The app's keys; new random keys when null.</summary>
    public FunctionKeys? Keys { get; init; }

    /// <summary>The host's HTTP port; when null, port 0 (the system picks one, read back from the host's ready line).</summary>
    public int? Port { get; init; }

    /// <summary>False: Azurite only, for callers that start their own hosts on it (<see cref="LocalStack.StartHostAsync"/>).</summary>
    public bool StartHost { get; init; } = true;

    /// <summary>Also serve HTTPS (<see cref="LocalStack.ManagementEndpoint"/>) with a certificate made for this run: Azure.Core
    /// sends bearer tokens over TLS only, so an ARM client needs it for the host's ARM-shaped routes.</summary>
    public bool HttpsManagement { get; init; }
}

/// <summary>
/// The local stack, brought up in order: Azurite, then the local function host on it (as a process, with the app's keys and
/// a management token made for this run, both through its environment); stopped in the reverse order, host before Azurite.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private readonly LocalHostProcess? _host;
    private readonly string? _certificateFolder;

    private LocalStack(AzuriteServer azurite, LocalHostProcess? host, FunctionKeys keys, string token, Uri? managementEndpoint,
        string? certificateFolder, string? certificateSha256)
    {
        Azurite = azurite;
        _host = host;
        Keys = keys;
        ManagementToken = token;
        ManagementEndpoint = managementEndpoint;
        _certificateFolder = certificateFolder;
        CertificateSha256 = certificateSha256;
    }

    public AzuriteServer Azurite { get; }

    /// <summary>The stack's host (owned by the stack: stopped by <see cref="DisposeAsync"/>).</summary>
    public LocalHostProcess Host => _host ?? throw new InvalidOperationException("This stack was started without a host (LocalStackOptions.StartHost).");

    /// <summary>The keys every host of this stack checks.</summary>
    public FunctionKeys Keys { get; }

    /// <summary>The bearer token every host of this stack accepts on its ARM-shaped routes.</summary>
    public string ManagementToken { get; }

    /// <summary>With <see cref="LocalStackOptions.HttpsManagement"/>: the host's HTTPS address.</summary>
    public Uri? ManagementEndpoint { get; }

    /// <summary>With <see cref="LocalStackOptions.HttpsManagement"/>: the SHA-256 hash of the certificate made for this run,
    /// the one a client should trust there.</summary>
    public string? CertificateSha256 { get; }

    public static async Task<LocalStack> StartAsync(LocalStackOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalStackOptions();
        var keys = options.Keys ?? FunctionKeys.Generate();
        var token = LocalTooling.ManagementToken.New();
        string? folder = null;
        AzuriteServer? azurite = null;
        try
        {
            string? pfx = null, hash = null;
            if (options.HttpsManagement)
            {
                folder = Directory.CreateTempSubdirectory("local-stack-").FullName;
                (pfx, hash) = WriteCertificate(folder);
            }
            azurite = await AzuriteServer.StartAsync(cancellationToken: cancellationToken);
            if (!options.StartHost)
                return new LocalStack(azurite, null, keys, token, null, folder, hash);
            var (host, managementEndpoint) = await StartMainHostAsync(options, azurite, keys, token, pfx, cancellationToken);
            return new LocalStack(azurite, host, keys, token, managementEndpoint, folder, hash);
        }
        catch
        {
            if (azurite is not null)
                await azurite.DisposeAsync();
            if (folder is not null)
                Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Another host of the same app (keys, token) on this stack's Azurite, plain HTTP; the caller owns it (scale-out,
    /// restart). Stop it before the stack.</summary>
    public Task<LocalHostProcess> StartHostAsync(string taskHub, IReadOnlyDictionary<string, string>? settings = null, int? port = null,
        CancellationToken cancellationToken = default) =>
        LocalHostProcess.StartAsync(Azurite.ConnectionString, taskHub, settings, port, Keys, LocalTooling.ManagementToken.Settings(ManagementToken), cancellationToken);

    private static async Task<(LocalHostProcess Host, Uri? ManagementEndpoint)> StartMainHostAsync(
        LocalStackOptions options, AzuriteServer azurite, FunctionKeys keys, string token, string? pfx, CancellationToken cancellationToken)
    {
        var secrets = LocalTooling.ManagementToken.Settings(token);
        if (options.AddressSettings is null && pfx is null)
            return (await LocalHostProcess.StartAsync(azurite.ConnectionString, options.TaskHub, options.Settings, options.Port, keys, secrets, cancellationToken), null);

        // The settings name the ports, so they are picked here, not by the host: new ones when one was taken before the
        // host bound it (not when the caller chose the port).
        return await LocalProcesses.OnFreePortsAsync(async () =>
        {
            var httpPort = options.Port ?? LocalProcesses.FreePort();
            var baseUrl = new Uri($"http://127.0.0.1:{httpPort}");
            var managementEndpoint = pfx is null ? null : new Uri($"https://127.0.0.1:{LocalProcesses.FreePort()}");
            var settings = new Dictionary<string, string>(options.Settings ?? new Dictionary<string, string>());
            foreach (var (key, value) in options.AddressSettings?.Invoke(baseUrl) ?? new Dictionary<string, string>())
                settings[key] = value;
            if (managementEndpoint is not null)
            {
                settings["urls"] = $"{baseUrl.ToString().TrimEnd('/')};{managementEndpoint.ToString().TrimEnd('/')}";
                settings["Kestrel:Certificates:Default:Path"] = pfx!;
            }
            return (await LocalHostProcess.StartAsync(azurite.ConnectionString, options.TaskHub, settings, httpPort, keys, secrets, cancellationToken), managementEndpoint);
        }, attempts: options.Port is null ? 5 : 1);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost, valid for a day, its private key readable by the owner only.</summary>
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
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, fileOptions))
            file.Write(certificate.Export(X509ContentType.Pfx));
        return (path, certificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>Stops the host (graceful, as on SIGTERM), then Azurite, then deletes the run's certificate.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_host is not null)
                await _host.DisposeAsync();
        }
        finally
        {
            await Azurite.DisposeAsync();
            if (_certificateFolder is not null)
                Directory.Delete(_certificateFolder, recursive: true);
        }
    }
}
