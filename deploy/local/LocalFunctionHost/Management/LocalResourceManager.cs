using ExclusiveOperations.LocalHost.Management;

// In the host's namespace, so that Program.cs maps it with one call and no using.
namespace ExclusiveOperations.LocalHost;

/// <summary>
/// The host's stand-in for Azure Resource Manager, as far as this project uses it: Data Factory's run operations
/// (the local factory, backed by the local pipeline runner) and the starter's listkeys (what the pipeline calls
/// with the factory's identity). Bearer token <c>LocalHost:ManagementToken</c>; 401 without it, like ARM.
/// </summary>
public static class LocalResourceManager
{
    /// <summary>A new bearer token for these routes (random per run, as a managed identity's token would be).</summary>
    public static string NewToken() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The host setting that makes it accept <paramref name="token"/> (a secret: pass it through the environment).</summary>
    public static IReadOnlyDictionary<string, string> TokenSetting(string token) =>
        new Dictionary<string, string> { [LocalDataFactoryOptions.TokenSetting] = token };

    /// <summary>Maps the routes; the factory's runs stop when the host stops.</summary>
    public static void MapLocalResourceManager(this WebApplication app)
    {
        var options = app.Configuration.GetSection(LocalDataFactoryOptions.Section).Get<LocalDataFactoryOptions>() ?? new LocalDataFactoryOptions();
        var token = app.Configuration[LocalDataFactoryOptions.TokenSetting];
        var factory = new LocalDataFactory(options, token, TimeProvider.System);
        app.Lifetime.ApplicationStopping.Register(factory.Dispose);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalResourceManager));
        if (!factory.Folder.Exists)
            logger.LogWarning("Local Data Factory: no pipeline folder at {Folder}; createRun will answer 404 (set LocalHost:DataFactory:PipelineFolder).", factory.Folder.FullName);
        if (string.IsNullOrEmpty(token))
            logger.LogInformation("Local resource manager: no {Setting} configured; its routes answer 401.", LocalDataFactoryOptions.TokenSetting);

        var check = new ArmRequestCheck(token, options);
        DataFactoryEndpoints.Map(app, check, factory);
        FunctionKeysEndpoint.Map(app, check, options);
    }
}
