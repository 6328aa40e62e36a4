using System.Text.RegularExpressions;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Operations;

/// <summary>
/// The blob containers operations may read and write (<c>compact</c>, <c>append</c>), bound from
/// <c>ExclusiveOperations:Data:Containers</c> (comma-separated). None by default: an app whose operations touch
/// data says where. The lock's container and the Functions host's and task hub's own containers can never be listed.
/// </summary>
public sealed partial class DataContainers
{
    public const string Section = "ExclusiveOperations:Data";
    public const string Setting = Section + ":Containers";

    /// <summary>Comma-separated container names.</summary>
    public string Containers { get; set; } = "";

    public IReadOnlySet<string> Allowed => Containers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Refuses a list that names a container the app itself depends on: the lock container, the Functions host's
    /// <c>azure-webjobs-*</c> containers, and the Durable Task Azure Storage backend's task hub containers
    /// (<c>{hub}-leases</c>, <c>{hub}-largemessages</c>, <c>{hub}-applease</c>).
    /// </summary>
    public void Validate(LockOptions lockOptions)
    {
        foreach (var name in Allowed)
        {
            if (!ContainerName().IsMatch(name))
                throw new InvalidOperationException($"{Setting}: '{name}' is not a blob container name (3-63 lowercase letters, digits and single hyphens).");
            if (name == lockOptions.Container || name.StartsWith("azure-webjobs-", StringComparison.Ordinal) ||
                name.EndsWith("-leases", StringComparison.Ordinal) || name.EndsWith("-largemessages", StringComparison.Ordinal) ||
                name.EndsWith("-applease", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{Setting}: '{name}' is the lock's, the Functions host's or a task hub's own container; operations must never write there.");
            }
        }
    }

    /// <summary>Null when an operation may use <paramref name="container"/>, else what to do.</summary>
    public string? Problem(string container)
    {
        if (!ContainerName().IsMatch(container))
            return $"'container' must be a blob container name (3-63 lowercase letters, digits and single hyphens), but was '{container}'.";
        if (!Allowed.Contains(container))
        {
            return $"'container' '{container}' is not one the operations may use; allowed: " +
                (Allowed.Count == 0 ? "none (set " + Setting + ")" : string.Join(", ", Allowed.Order())) + ".";
        }
        return null;
    }

    [GeneratedRegex(@"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    private static partial Regex ContainerName();
}
