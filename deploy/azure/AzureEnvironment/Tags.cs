namespace AzureEnvironment;

/// <summary>The tags on every resource of a stack: which stack, which pull request, which commit.</summary>
public static class Tags
{
    public static IReadOnlyDictionary<string, string> For(StackSettings settings)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["project"] = StackConfiguration.Project,
            ["stack"] = settings.Stack,
        };
        if (settings.PullRequest is { } pullRequest)
            tags["pullRequest"] = pullRequest.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (settings.Commit is { } commit)
            tags["commit"] = commit;
        return tags;
    }
}
