using LocalTooling;

namespace LocalDataFactory;

/// <summary>
/// The host's stand-in for Azure Resource Manager, as far as this project uses it: Data Factory's run operations
/// (the local factory, backed by the local pipeline runner) and the starter's listkeys (what the pipeline calls
/// with the factory's identity). Bearer token <see cref="ManagementToken.Setting"/>; 401 without it, like ARM.
/// The token is made by whoever starts the host (<see cref="ManagementToken"/>).
/// </summary>
public static class LocalResourceManager
{
    /// <summary>Maps the routes; the factory's runs stop when the host stops.</summary>
    /// <param name="keys">The keys the host checks: listkeys answers with its function key.</param>
    public static void MapLocalResourceManager(this WebApplication app, FunctionKeys keys)
    {
        var options = app.Configuration.GetSection(LocalDataFactoryOptions.Section).Get<LocalDataFactoryOptions>() ?? new LocalDataFactoryOptions();
        var token = app.Configuration[LocalDataFactoryOptions.TokenSetting];
        var factory = new FactoryRuns(options, token, TimeProvider.System);
        app.Lifetime.ApplicationStopping.Register(factory.Dispose);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalResourceManager));
        if (!factory.Folder.Exists)
            logger.LogWarning("Local Data Factory: no pipeline folder at {Folder}; createRun will answer 404 (set LocalHost:DataFactory:PipelineFolder).", factory.Folder.FullName);
        if (string.IsNullOrEmpty(token))
            logger.LogInformation("Local resource manager: no {Setting} configured; its routes answer 401.", LocalDataFactoryOptions.TokenSetting);

        var check = new ArmRequestCheck(token, options);
        DataFactoryEndpoints.Map(app, check, factory);
        FunctionKeysEndpoint.Map(app, check, options, keys);
    }
}
