namespace Tests.Shared;

internal static class Repository
{
    /// <summary>The repository root (the folder holding Infra.sln), found from the test's folder.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No Infra.sln above {AppContext.BaseDirectory}.");
    }
}
