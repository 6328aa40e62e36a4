using System.Globalization;
using System.Text.RegularExpressions;

namespace AzureEnvironment;

/// <summary>A config value that is missing, malformed or not allowed; the message names the key, the value and what is allowed.</summary>
public sealed class StackConfigurationException(string message) : Exception(message);

/// <summary>
/// Reads a stack's config (<c>pulumi config set exclusive-operations:KEY VALUE</c>, or <c>--config KEY=VALUE</c>
/// for <c>infra plan</c>) into <see cref="StackSettings"/>, with an error that says what to change.
/// </summary>
public static partial class StackConfiguration
{
    public const string Project = "exclusive-operations";
    public const string LocationKey = "azure-native:location";

    /// <summary>Every key of the project's namespace, with its default and meaning (the table in docs/deploy-azure.md).</summary>
    public static readonly IReadOnlyList<ConfigKey> Keys =
    [
        new("plan", "flex", "Hosting plan: `flex` (Flex Consumption) or `premium` (Elastic Premium)."),
        new("maximumInstances", "flex: 40, premium: 20", "Most instances the app scales out to (flex: 1-1000; premium: 1-100, the plan's maximum burst)."),
        new("alwaysReadyInstances", "0", "(flex) Always-ready instances of the HTTP functions (0-maximumInstances); 0 scales to zero."),
        new("instanceMemoryMB", "2048", "(flex) Memory per instance: 512, 2048 or 4096."),
        new("premiumSku", "EP1", "(premium) EP1, EP2 or EP3."),
        new("minimumInstances", "1", "(premium) Instances that always run (1-20)."),
        new("preWarmedInstances", "1", "(premium) Pre-warmed instances beyond those in use (0-20)."),
        new("pullRequest", "—", "Pull request number of a `pr-<number>` stack (set by the PR workflow); goes into the tags."),
        new("commit", "—", "Commit the stack was deployed from (7-40 hex digits); goes into the tags."),
        new("packagePath", "out/functionapp.zip", "The Function App package, built by `./build.sh publish`; relative paths from the repository root."),
        new("logRetentionDays", "30", "Log Analytics retention (30-730 days)."),
        new("dataContainers", "—", "Comma-separated blob containers of the app's storage that `compact` and `append` may use (`ExclusiveOperations__Data__Containers`); none by default, so those operations refuse every container. Never `azure-webjobs-*` or the lock's container."),
        new("nameSeed", "—", "Mixed into the names' hash: set it when another copy of this project (other subscription or tenant) uses the same stack names, so globally unique names do not collide."),
    ];

    /// <summary>
    /// Parses a stack's config. Keys are <c>exclusive-operations:KEY</c> or <c>azure-native:location</c>
    /// (a bare <c>KEY</c> means the project's namespace); an unknown key is an error, so a typo is not silently ignored.
    /// </summary>
    public static StackSettings Parse(string stack, IReadOnlyDictionary<string, string> config, string repositoryRoot)
    {
        ValidateStackName(stack);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? location = null;
        foreach (var (rawKey, value) in config)
        {
            if (rawKey == LocationKey)
            {
                location = Required(LocationKey, value);
                continue;
            }
            var key = rawKey.StartsWith(Project + ":", StringComparison.Ordinal) ? rawKey[(Project.Length + 1)..] : rawKey;
            if (!Keys.Any(k => k.Name == key))
                throw new StackConfigurationException(
                    $"Unknown config key '{rawKey}'. Known keys: {LocationKey}, {string.Join(", ", Keys.Select(k => $"{Project}:{k.Name}"))}.");
            values[key] = value;
        }

        var plan = Choice(values, "plan", "flex", ["flex", "premium"]) == "premium" ? HostingPlan.Premium : HostingPlan.Flex;
        var planName = plan == HostingPlan.Flex ? "flex" : "premium";
        void OnlyFor(HostingPlan wanted, params string[] keys)
        {
            foreach (var key in keys.Where(values.ContainsKey))
                if (plan != wanted)
                    throw new StackConfigurationException(
                        $"Config key '{Project}:{key}' applies only to plan '{(wanted == HostingPlan.Flex ? "flex" : "premium")}', but this stack's plan is '{planName}'. Remove it (pulumi config rm {Project}:{key}) or change the plan.");
        }
        OnlyFor(HostingPlan.Flex, "alwaysReadyInstances", "instanceMemoryMB");
        OnlyFor(HostingPlan.Premium, "premiumSku", "minimumInstances", "preWarmedInstances");

        var maximum = plan == HostingPlan.Flex ? Integer(values, "maximumInstances", 40, 1, 1000) : Integer(values, "maximumInstances", 20, 1, 100);
        var settings = new StackSettings
        {
            Stack = stack,
            Location = location,
            Plan = plan,
            MaximumInstances = maximum,
            AlwaysReadyInstances = plan == HostingPlan.Flex ? Integer(values, "alwaysReadyInstances", 0, 0, maximum) : 0,
            InstanceMemoryMB = plan == HostingPlan.Flex ? int.Parse(Choice(values, "instanceMemoryMB", "2048", ["512", "2048", "4096"]), CultureInfo.InvariantCulture) : 0,
            PremiumSku = plan == HostingPlan.Premium ? Choice(values, "premiumSku", "EP1", ["EP1", "EP2", "EP3"]) : "EP1",
            MinimumInstances = plan == HostingPlan.Premium ? Integer(values, "minimumInstances", 1, 1, Math.Min(20, maximum)) : 0,
            PreWarmedInstances = plan == HostingPlan.Premium ? Integer(values, "preWarmedInstances", 1, 0, 20) : 0,
            PullRequest = values.TryGetValue("pullRequest", out var pr) ? PullRequestNumber(pr) : null,
            Commit = values.TryGetValue("commit", out var commit) ? CommitId(commit) : null,
            PackagePath = Path.GetFullPath(values.TryGetValue("packagePath", out var package) ? Required("packagePath", package) : Path.Combine("out", "functionapp.zip"), repositoryRoot),
            LogRetentionDays = Integer(values, "logRetentionDays", 30, 30, 730),
            NameSeed = values.TryGetValue("nameSeed", out var seed) ? Required("nameSeed", seed) : null,
            DataContainers = values.TryGetValue("dataContainers", out var containers) ? ContainerNames(containers) : [],
        };
        if (PullRequestStack().Match(stack) is { Success: true } match && settings.PullRequest is { } number
            && number.ToString(CultureInfo.InvariantCulture) != match.Groups[1].Value)
            throw new StackConfigurationException(
                $"Config key '{Project}:pullRequest' is {number}, but the stack '{stack}' is named for pull request {match.Groups[1].Value}. Set it to {match.Groups[1].Value} or use the stack pr-{number}.");
        return settings;
    }

    /// <summary>Pulumi's rule for stack names: letters, digits, '-', '_' and '.', at most 100 characters.</summary>
    public static void ValidateStackName(string stack)
    {
        if (string.IsNullOrEmpty(stack) || stack.Length > 100 || !StackName().IsMatch(stack))
            throw new StackConfigurationException(
                $"Stack name '{stack}' is not allowed: use 1-100 letters, digits, '-', '_' or '.' (for example dev, prod, pr-4711).");
    }

    private static string Required(string key, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new StackConfigurationException($"Config key '{key}' is empty; set a value or remove the key.") : value.Trim();

    private static string Choice(Dictionary<string, string> values, string key, string fallback, string[] allowed)
    {
        if (!values.TryGetValue(key, out var value))
            return fallback;
        var match = allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));
        return match ?? throw new StackConfigurationException(
            $"Config key '{Project}:{key}' is '{value}'; allowed: {string.Join(", ", allowed)} (default {fallback}).");
    }

    private static int Integer(Dictionary<string, string> values, string key, int fallback, int minimum, int maximum)
    {
        if (!values.TryGetValue(key, out var value))
            return Math.Clamp(fallback, minimum, maximum);
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < minimum || number > maximum)
            throw new StackConfigurationException(
                $"Config key '{Project}:{key}' is '{value}'; allowed: a whole number from {minimum} to {maximum} (default {fallback}).");
        return number;
    }

    private static int PullRequestNumber(string value) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new StackConfigurationException($"Config key '{Project}:pullRequest' is '{value}'; allowed: a pull request number (a whole number above 0).");

    private static string CommitId(string value) =>
        CommitPattern().IsMatch(value.Trim())
            ? value.Trim().ToLowerInvariant()
            : throw new StackConfigurationException($"Config key '{Project}:commit' is '{value}'; allowed: a commit id of 7-40 hex digits.");

    /// <summary>Blob container names (3-63 lowercase letters, digits and single dashes) the app's own containers excepted.</summary>
    private static IReadOnlyList<string> ContainerNames(string value)
    {
        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in names)
        {
            if (!ContainerName().IsMatch(name) || name.Contains("--", StringComparison.Ordinal))
                throw new StackConfigurationException(
                    $"Config key '{Project}:dataContainers' is '{value}': '{name}' is not a blob container name: use 3-63 lowercase letters, digits and single dashes, starting and ending with a letter or digit.");
            if (name.StartsWith("azure-webjobs-", StringComparison.Ordinal) || name == ResourceNames.LockContainerName || name == ResourceNames.DeploymentContainerName)
                throw new StackConfigurationException(
                    $"Config key '{Project}:dataContainers' is '{value}': '{name}' is a container the app itself uses (host, lock or deployment); operations must not write there. Name a container of your data.");
        }
        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex StackName();

    [GeneratedRegex("^pr-([1-9][0-9]*)$")]
    private static partial Regex PullRequestStack();

    [GeneratedRegex("^[0-9a-fA-F]{7,40}$")]
    private static partial Regex CommitPattern();
}

/// <summary>A config key of the project's namespace.</summary>
public sealed record ConfigKey(string Name, string Default, string Meaning);
