using System.Security.Cryptography;
using System.Text;

namespace AzureEnvironment;

/// <summary>
/// The Azure names of one stack's resources: a type prefix, the project's short name, the stack name made
/// safe for the resource type (shortened when needed), and a stable hash of project, stack and name seed, so
/// two stacks never share a name even when their safe forms are equal (pr_1 and pr-1) and the globally unique
/// names (storage account, Function App, Data Factory) do not collide with other projects.
/// Limits: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
/// </summary>
public sealed record ResourceNames
{
    private const string ShortProject = "exops";

    public required string ResourceGroup { get; init; }
    /// <summary>3-24 lowercase letters and digits, globally unique.</summary>
    public required string StorageAccount { get; init; }
    public required string LogAnalyticsWorkspace { get; init; }
    public required string ApplicationInsights { get; init; }
    public required string HostingPlan { get; init; }
    /// <summary>2-60 letters, digits and hyphens (no hyphen at either end), globally unique (its host name).</summary>
    public required string FunctionApp { get; init; }
    /// <summary>3-63 letters, digits and single hyphens between them, globally unique.</summary>
    public required string DataFactory { get; init; }
    /// <summary>Durable task hub: 3-45 letters and digits, starting with a letter; one per stack, so stacks never share orchestrations.</summary>
    public required string TaskHub { get; init; }
    /// <summary>Blob container of the deployment packages.</summary>
    public string DeploymentContainer { get; init; } = DeploymentContainerName;

    public const string DeploymentContainerName = "app-package";
    /// <summary>Blob container of the lock blobs (ExclusiveOperations__Lock__Container).</summary>
    public string LockContainer { get; init; } = LockContainerName;

    public const string LockContainerName = "exclusive-operation-locks";
    /// <summary>Name prefix of the app's poll records in the lock container (RunPolls.Prefix); lock blob names never contain '/'.</summary>
    public const string PollRecordPrefix = "polls/";
    /// <summary>The custom role that may read the Function App's function keys (unique within the tenant).</summary>
    public required string FunctionKeyReaderRole { get; init; }
    /// <summary>The stable hash in every name (8 lowercase hex digits).</summary>
    public required string Hash { get; init; }

    public static ResourceNames For(string stack, string? nameSeed = null)
    {
        StackConfiguration.ValidateStackName(stack);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{StackConfiguration.Project}/{stack}/{nameSeed}")))[..8];
        var hyphenated = Hyphenated(stack);
        var alphanumeric = new string([.. stack.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        string Dashed(string prefix, int maximum) =>
            $"{prefix}-{ShortProject}-{Fit(hyphenated, maximum - prefix.Length - ShortProject.Length - hash.Length - 3)}-{hash}".Replace("--", "-", StringComparison.Ordinal);
        return new ResourceNames
        {
            ResourceGroup = Dashed("rg", 90),
            StorageAccount = $"st{ShortProject}{Fit(alphanumeric, 24 - 2 - ShortProject.Length - hash.Length)}{hash}",
            LogAnalyticsWorkspace = Dashed("log", 63),
            ApplicationInsights = Dashed("appi", 260),
            HostingPlan = Dashed("plan", 60),
            FunctionApp = Dashed("func", 60),
            DataFactory = Dashed("adf", 63),
            TaskHub = $"ExOps{Fit(alphanumeric, 45 - 5 - hash.Length)}{hash}",
            FunctionKeyReaderRole = $"Exclusive Operations function key reader ({Fit(hyphenated, 40)}-{hash})",
            Hash = hash,
        };
    }

    /// <summary>Lowercase letters and digits with single hyphens between them.</summary>
    private static string Hyphenated(string stack)
    {
        var builder = new StringBuilder();
        foreach (var c in stack.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-')
                builder.Append('-');
        }
        return builder.ToString().Trim('-');
    }

    /// <summary>At most <paramref name="maximum"/> characters, never ending in a hyphen.</summary>
    private static string Fit(string value, int maximum) => (value.Length <= maximum ? value : value[..maximum]).TrimEnd('-');
}
