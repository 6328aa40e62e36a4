using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureEnvironment;

/// <summary>
/// One stack's whole Azure environment as plain values, derived from its settings: names, tags, every
/// resource's settings, app settings, role assignments and the pipelines. The Pulumi program declares
/// exactly this; <see cref="ArmPreview"/> prints it as an ARM template.
/// </summary>
public sealed class StackEnvironment
{
    /// <summary>Stack output names (the GitHub workflows and the smoke tool read them).</summary>
    public static class Outputs
    {
        public const string ResourceGroupName = "resourceGroupName";
        public const string FunctionAppName = "functionAppName";
        public const string FunctionBaseUrl = "functionBaseUrl";
        public const string DataFactoryName = "dataFactoryName";
        public const string PipelineNames = "pipelineNames";
        public const string ApplicationInsightsName = "applicationInsightsName";
    }

    /// <summary>The pipelines' parameters this stack gives a default (neither is a secret).</summary>
    public const string FunctionBaseUrlParameter = "functionBaseUrl";
    public const string FunctionAppResourceIdParameter = "functionAppResourceId";

    public const string TaskHubSetting = "TaskHubName";
    public const string LockContainerSetting = "ExclusiveOperations__Lock__Container";
    public const string DataContainersSetting = "ExclusiveOperations__Data__Containers";

    /// <summary>
    /// Days after its last write that a poll record is deleted. A record is read only while its run waits in line: at most
    /// Queue:MaxQueueTimeout (24 h by default), and a run whose caller did not poll for Queue:CallerGoneAfter (5 min) leaves
    /// the line. A record untouched for 2 days is one nobody reads again; a missing one counts as the run's start, older still.
    /// The lifecycle policy runs about once a day, so a record lives 2 to 3 days.
    /// </summary>
    public const int PollRecordRetentionDays = 2;

    /// <summary>
    /// The content hash of a package that is not built (a preview only, see <see cref="Create"/>): the code
    /// deployment's trigger shows it, so the preview says what is missing.
    /// </summary>
    public const string PackageNotBuilt = "package not built: run ./build.sh publish";

    private StackEnvironment(StackSettings settings, IReadOnlyList<JsonObject> pipelines, string? packageHash)
    {
        Settings = settings;
        Names = ResourceNames.For(settings.Stack, settings.NameSeed);
        Tags = AzureEnvironment.Tags.For(settings);
        PipelineDocuments = pipelines;
        StorageAccount = new(Names.StorageAccount, "StorageV2", "Standard_LRS", "TLS1_2",
            HttpsTrafficOnly: true, AllowBlobPublicAccess: false, AllowSharedKeyAccess: false, DefaultToOAuthAuthentication: true);
        // Queue mode writes one poll record per queued run and never deletes it.
        StorageLifecycle = new("default",
        [
            new("deletePollRecords", ["blockBlob"], [$"{Names.LockContainer}/{ResourceNames.PollRecordPrefix}"], PollRecordRetentionDays),
        ]);
        var blobName = packageHash is null ? "functionapp-not-built.zip" : PackageHash.BlobName(packageHash);
        Package = new(settings.PackagePath, packageHash ?? PackageNotBuilt, blobName, $"{StorageAccount.BlobEndpoint}/{Names.DeploymentContainer}/{blobName}",
            IsBuilt: packageHash is not null);
        LogAnalytics = new(Names.LogAnalyticsWorkspace, "PerGB2018", settings.LogRetentionDays);
        ApplicationInsights = new(Names.ApplicationInsights, "web", "web", "LogAnalytics");
        var flex = settings.Plan == HostingPlan.Flex;
        Plan = flex
            ? new(Names.HostingPlan, "functionapp", "FC1", "FlexConsumption", Reserved: true, MaximumElasticWorkerCount: null)
            : new(Names.HostingPlan, "elastic", settings.PremiumSku, "ElasticPremium", Reserved: true, MaximumElasticWorkerCount: settings.MaximumInstances);
        FunctionApp = new(Names.FunctionApp, "functionapp,linux", "SystemAssigned", HttpsOnly: true, MinTlsVersion: "1.2", ScmMinTlsVersion: "1.2",
            FtpsState: "Disabled", BasicPublishingCredentialsAllowed: false,
            Flex: flex
                ? new($"{StorageAccount.BlobEndpoint}/{Names.DeploymentContainer}", "SystemAssignedIdentity", "dotnet-isolated", "10.0",
                    settings.MaximumInstances, settings.InstanceMemoryMB,
                    settings.AlwaysReadyInstances > 0 ? [new("http", settings.AlwaysReadyInstances)] : [])
                : null,
            Premium: flex ? null : new("DOTNET-ISOLATED|10.0", settings.PreWarmedInstances, settings.MinimumInstances, settings.MaximumInstances));
        DataFactory = new(Names.DataFactory, "SystemAssigned");
        FunctionKeyReader = new(StableGuid("function-key-reader"), Names.FunctionKeyReaderRole,
            $"May list the function keys of the Function App of stack {settings.Stack}; the Data Factory's identity holds it.",
            [Roles.ListFunctionKeysAction]);
        RoleAssignments = Roles.For(FunctionKeyReader, settings.Plan);
    }

    /// <summary>
    /// The environment of a stack. <paramref name="pipelineFolder"/> holds the generated pipeline JSON;
    /// the package at <see cref="StackSettings.PackagePath"/> must exist (its hash names the blob), unless
    /// <paramref name="packageRequired"/> is false: <c>pulumi preview</c> (a dry run, which deploys nothing) then works in a
    /// fresh checkout, with <see cref="PackageNotBuilt"/> as the content hash; <c>pulumi up</c> requires the package and
    /// names <c>./build.sh publish</c> when it is missing.
    /// </summary>
    public static StackEnvironment Create(StackSettings settings, string pipelineFolder, bool packageRequired = true)
    {
        if (!Directory.Exists(pipelineFolder))
            throw new DirectoryNotFoundException($"The pipeline folder '{pipelineFolder}' does not exist; ./build.sh pipelines writes it.");
        var pipelines = Directory.GetFiles(pipelineFolder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))?.AsObject() ?? throw new InvalidDataException($"'{f}' is not a JSON object."))
            .ToList();
        if (pipelines.Count == 0)
            throw new InvalidDataException($"The pipeline folder '{pipelineFolder}' has no *.json; ./build.sh pipelines writes them.");
        var packageHash = packageRequired || File.Exists(settings.PackagePath) ? PackageHash.Of(settings.PackagePath) : null;
        return new StackEnvironment(settings, ReferencedFirst(pipelines, pipelineFolder), packageHash);
    }

    /// <summary>The pipelines in file order, except that a pipeline run by another comes before it (a deployment order).</summary>
    private static List<JsonObject> ReferencedFirst(List<JsonObject> pipelines, string pipelineFolder)
    {
        var byName = pipelines.ToDictionary(p => p["name"]?.GetValue<string>() ?? throw new InvalidDataException($"A pipeline in '{pipelineFolder}' has no 'name'."));
        var ordered = new List<JsonObject>();
        var path = new List<string>();
        foreach (var name in byName.Keys)
            Add(name);
        return ordered;

        void Add(string name)
        {
            if (ordered.Contains(byName[name]))
                return;
            if (path.Contains(name))
                throw new InvalidDataException($"Pipeline '{name}' runs itself through Execute Pipeline activities ({string.Join(" -> ", path[path.IndexOf(name)..])} -> {name}); Data Factory cannot deploy that cycle.");
            path.Add(name);
            foreach (var referenced in PipelineConversion.ReferencedPipelines(byName[name]))
            {
                if (!byName.ContainsKey(referenced))
                    throw new InvalidDataException($"Pipeline '{name}' runs pipeline '{referenced}', which is not in '{pipelineFolder}'; ./build.sh pipelines writes every pipeline there.");
                Add(referenced);
            }
            path.RemoveAt(path.Count - 1);
            ordered.Add(byName[name]);
        }
    }

    public StackSettings Settings { get; }
    public ResourceNames Names { get; }
    public IReadOnlyDictionary<string, string> Tags { get; }
    public StorageAccountSpec StorageAccount { get; }
    public StorageLifecycleSpec StorageLifecycle { get; }
    public PackageSpec Package { get; }
    public LogAnalyticsSpec LogAnalytics { get; }
    public ApplicationInsightsSpec ApplicationInsights { get; }
    public HostingPlanSpec Plan { get; }
    public FunctionAppSpec FunctionApp { get; }
    public DataFactorySpec DataFactory { get; }
    public CustomRoleSpec FunctionKeyReader { get; }
    public IReadOnlyList<RoleAssignmentSpec> RoleAssignments { get; }
    public IReadOnlyList<JsonObject> PipelineDocuments { get; }

    /// <summary>The pipelines' names, in deployment order: file order, a pipeline run by another before it.</summary>
    public IReadOnlyList<string> PipelineNames => [.. PipelineDocuments.Select(p => p["name"]!.GetValue<string>())];

    /// <summary>
    /// The app settings. Storage is identity-based (service URIs + <c>credential=managedidentity</c>, no key);
    /// the Application Insights connection string is the only secret-like value.
    /// https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
    /// </summary>
    public IReadOnlyList<AppSetting> AppSettings(string applicationInsightsConnectionString)
    {
        List<AppSetting> settings =
        [
            new("AzureWebJobsStorage__blobServiceUri", StorageAccount.BlobEndpoint),
            new("AzureWebJobsStorage__queueServiceUri", StorageAccount.QueueEndpoint),
            new("AzureWebJobsStorage__tableServiceUri", StorageAccount.TableEndpoint),
            new("AzureWebJobsStorage__credential", "managedidentity"),
            new("APPLICATIONINSIGHTS_CONNECTION_STRING", applicationInsightsConnectionString, IsSecret: true),
            new(TaskHubSetting, Names.TaskHub),
            new(LockContainerSetting, Names.LockContainer),
        ];
        if (Settings.DataContainers.Count > 0)
            settings.Add(new(DataContainersSetting, string.Join(',', Settings.DataContainers)));
        if (Settings.Plan == HostingPlan.Premium)
        {
            // Flex Consumption sets runtime and version in functionAppConfig and rejects these settings.
            settings.Add(new("FUNCTIONS_EXTENSION_VERSION", "~4"));
            settings.Add(new("FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated"));
            // Run from the package blob, read with the app's system-assigned identity (no SAS, no key). An Elastic Premium
            // app without an Azure Files share (which needs a key) must run from a blob URL, not from "1":
            // https://learn.microsoft.com/azure/azure-functions/storage-considerations#create-an-app-without-azure-files
            settings.Add(new("WEBSITE_RUN_FROM_PACKAGE", Package.BlobUrl));
            settings.Add(new("WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID", "SystemAssigned"));
        }
        return settings;
    }

    /// <summary>The parameter defaults of the deployed pipelines: the Function App's base URL and resource id.</summary>
    public static IReadOnlyDictionary<string, object> PipelineParameterDefaults(string functionBaseUrl, string functionAppResourceId) =>
        new Dictionary<string, object>
        {
            [FunctionBaseUrlParameter] = functionBaseUrl,
            [FunctionAppResourceIdParameter] = functionAppResourceId,
        };

    /// <summary>Every pipeline in the provider's shape, with this stack's parameter defaults.</summary>
    public IReadOnlyList<ProviderPipeline> Pipelines(string functionBaseUrl, string functionAppResourceId)
    {
        var defaults = PipelineParameterDefaults(functionBaseUrl, functionAppResourceId);
        return [.. PipelineDocuments.Select(p => PipelineConversion.ToProviderShape(p, defaults))];
    }

    /// <summary>A GUID that is the same for this stack every time (custom role ids must be GUIDs, unique in the tenant).</summary>
    private string StableGuid(string purpose)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{StackConfiguration.Project}/{Settings.Stack}/{Settings.NameSeed}/{purpose}"))[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5-style (name-based), variant RFC 4122
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }
}
