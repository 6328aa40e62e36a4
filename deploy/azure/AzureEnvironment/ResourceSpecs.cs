namespace AzureEnvironment;

// What each resource is set to, as plain values: the Pulumi program passes them to the provider and the ARM
// preview writes them under ARM's names, so both show the same environment.

/// <summary>StorageV2, TLS 1.2, HTTPS only, no public blob access, no shared key (identity only).</summary>
public sealed record StorageAccountSpec(
    string Name,
    string Kind,
    string SkuName,
    string MinimumTlsVersion,
    bool HttpsTrafficOnly,
    bool AllowBlobPublicAccess,
    bool AllowSharedKeyAccess,
    bool DefaultToOAuthAuthentication)
{
    public string BlobEndpoint => $"https://{Name}.blob.core.windows.net";
    public string QueueEndpoint => $"https://{Name}.queue.core.windows.net";
    public string TableEndpoint => $"https://{Name}.table.core.windows.net";
}

/// <summary>The storage account's lifecycle management policy (<c>managementPolicies</c>; Azure allows one, named <c>default</c>).</summary>
public sealed record StorageLifecycleSpec(string Name, IReadOnlyList<DeleteRuleSpec> Rules);

/// <summary>
/// A lifecycle rule that deletes blobs of <paramref name="BlobTypes"/> whose names start with one of
/// <paramref name="PrefixMatch"/> (<c>container/blob-name-prefix</c>) once they were last modified more than
/// <paramref name="DaysAfterModificationGreaterThan"/> days ago.
/// </summary>
public sealed record DeleteRuleSpec(string Name, IReadOnlyList<string> BlobTypes, IReadOnlyList<string> PrefixMatch, int DaysAfterModificationGreaterThan);

public sealed record LogAnalyticsSpec(string Name, string SkuName, int RetentionInDays);

/// <summary>Workspace-based Application Insights.</summary>
public sealed record ApplicationInsightsSpec(string Name, string Kind, string ApplicationType, string IngestionMode);

/// <summary>The App Service plan: FC1 (FlexConsumption) or EP1-EP3 (ElasticPremium), Linux (reserved).</summary>
public sealed record HostingPlanSpec(string Name, string Kind, string SkuName, string SkuTier, bool Reserved, int? MaximumElasticWorkerCount);

/// <summary>The Function App: Linux, .NET 10 isolated, system-assigned identity, HTTPS only, FTPS off, TLS 1.2.</summary>
public sealed record FunctionAppSpec(
    string Name,
    string Kind,
    string IdentityType,
    bool HttpsOnly,
    string MinTlsVersion,
    string ScmMinTlsVersion,
    string FtpsState,
    bool BasicPublishingCredentialsAllowed,
    FlexConsumptionSpec? Flex,
    ElasticPremiumSpec? Premium);

/// <summary>Flex Consumption's <c>functionAppConfig</c>: deployment container read with the app's identity, runtime, scale.</summary>
public sealed record FlexConsumptionSpec(
    string DeploymentContainerUrl,
    string DeploymentAuthentication,
    string RuntimeName,
    string RuntimeVersion,
    int MaximumInstanceCount,
    int InstanceMemoryMB,
    IReadOnlyList<AlwaysReadySpec> AlwaysReady);

/// <summary>Always-ready instances of a function group (<c>http</c>) or function (<c>function:NAME</c>).</summary>
public sealed record AlwaysReadySpec(string Name, int InstanceCount);

/// <summary>Elastic Premium's site config.</summary>
public sealed record ElasticPremiumSpec(string LinuxFxVersion, int PreWarmedInstanceCount, int MinimumElasticInstanceCount, int FunctionAppScaleLimit);

/// <summary>The Data Factory, with the system-assigned identity its pipelines read the function key with.</summary>
public sealed record DataFactorySpec(string Name, string IdentityType);

/// <summary>
/// The Function App package: where it is, its content hash, and the blob it is uploaded to (Elastic Premium).
/// <paramref name="IsBuilt"/> is false only in a preview without the package (<see cref="StackEnvironment.PackageNotBuilt"/>).
/// </summary>
public sealed record PackageSpec(string Path, string ContentHash, string BlobName, string BlobUrl, bool IsBuilt = true);

/// <summary>A custom role: exactly the actions listed, assignable in the stack's resource group.</summary>
/// <param name="Id">The role's GUID; a role assignment names it in the subscription form (<see cref="RoleIds.Definition"/>).</param>
public sealed record CustomRoleSpec(string Id, string RoleName, string Description, IReadOnlyList<string> Actions);

/// <summary>An app setting; secret ones are marked secret in Pulumi's state.</summary>
public sealed record AppSetting(string Name, string Value, bool IsSecret = false);
