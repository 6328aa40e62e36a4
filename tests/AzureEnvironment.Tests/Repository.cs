using System.IO.Compression;

namespace AzureEnvironment.Tests;

/// <summary>Paths in the repository the tests run from, and small packages to hash.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string GeneratedPipelines => Path.Combine(Root, "pipelines", "generated", "pipeline");

    public static string RunnerSamples => Path.Combine(Root, "tests", "ExclusiveOperationPipelines.Tests", "Samples");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Infra.sln")))
                return folder.FullName;
        throw new InvalidOperationException($"No Infra.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>A zip with the given entries, written with the given timestamp (to show the hash ignores it).</summary>
    public static string Zip(string folder, DateTimeOffset timestamp, params (string Name, string Content)[] entries)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"package-{Guid.NewGuid():N}.zip");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            var entry = archive.CreateEntry(name);
            entry.LastWriteTime = timestamp;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(content);
        }
        return path;
    }
}
