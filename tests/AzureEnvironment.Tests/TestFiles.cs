using System.IO.Compression;

namespace AzureEnvironment.Tests;

/// <summary>The repository's files the tests read, and small packages to hash.</summary>
internal static class TestFiles
{
    public static string GeneratedPipelines => Path.Combine(Repository.Root, "pipelines", "generated", "pipeline");

    public static string RunnerSamples => Path.Combine(Repository.Root, "tests", "DataFactory.Pipelines.Tests", "Samples");

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
