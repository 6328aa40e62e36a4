namespace AzureEnvironment;

/// <summary>How the Function App is hosted.</summary>
public enum HostingPlan
{
    /// <summary>Flex Consumption (FC1): scales to zero, pay per execution and memory-second.</summary>
    Flex,

    /// <summary>Elastic Premium (EP1-EP3): pre-warmed instances, billed per instance-hour.</summary>
    Premium,
}

/// <summary>One stack's configuration, parsed and checked (see <see cref="StackConfiguration"/>).</summary>
public sealed record StackSettings
{
    public required string Stack { get; init; }

    /// <summary>Azure region (<c>azure-native:location</c>); null when not set (the preview then uses the resource group's).</summary>
    public string? Location { get; init; }

    public HostingPlan Plan { get; init; } = HostingPlan.Flex;

    /// <summary>Flex: <c>maximumInstanceCount</c>; Premium: the plan's maximum burst and the app's scale limit.</summary>
    public int MaximumInstances { get; init; }

    /// <summary>Flex: always-ready instances for the HTTP function group.</summary>
    public int AlwaysReadyInstances { get; init; }

    /// <summary>Flex: memory per instance in MB.</summary>
    public int InstanceMemoryMB { get; init; }

    /// <summary>Premium: SKU name (EP1, EP2, EP3).</summary>
    public string PremiumSku { get; init; } = "EP1";

    /// <summary>Premium: instances kept warm beyond the ones in use.</summary>
    public int PreWarmedInstances { get; init; }

    /// <summary>Premium: instances that always run.</summary>
    public int MinimumInstances { get; init; }

    public int? PullRequest { get; init; }

    public string? Commit { get; init; }

    /// <summary>The Function App package (<c>./build.sh publish</c>'s <c>out/functionapp.zip</c> by default).</summary>
    public required string PackagePath { get; init; }

    /// <summary>Log Analytics retention in days.</summary>
    public int LogRetentionDays { get; init; }

    /// <summary>Mixed into the names' hash so another copy of the project gets other globally unique names.</summary>
    public string? NameSeed { get; init; }

    /// <summary>Containers the operations <c>compact</c> and <c>append</c> may use (none: they refuse every container).</summary>
    public IReadOnlyList<string> DataContainers { get; init; } = [];
}
