using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace DataFactory.Testing.Tests;

/// <summary>
/// docs/testing-pipelines.md, followed by a project outside the repository: the library packed with dotnet pack, the
/// files the guide marks (<c>&lt;!-- file: PATH --&gt;</c> before a code block) written into an empty folder, and
/// dotnet test run there. Its test is the guide's first test: three calls, two one-hour waits not waited in real time.
/// </summary>
[Trait("Needs", "Processes")]
public sealed partial class GuideTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("guide-");

    /// <summary>A version of its own per run: the global package cache would otherwise serve the package of an earlier run.</summary>
    private readonly string _version = $"0.1.0-guide.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [GeneratedRegex(@"<!-- file: (?<path>\S+) -->\s*\n```[a-z]*\n(?<body>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex MarkedFile();

    [Fact]
    public async Task A_project_outside_the_repository_that_follows_the_guide_passes_its_first_test()
    {
        var packages = Path.Combine(_folder.FullName, "packages");
        var pack = await DotnetAsync(Repository.Root, "pack", Path.Combine("pipelines", "DataFactory.Testing", "DataFactory.Testing.csproj"),
            "-c", "Release", "--no-build", "-o", packages, $"-p:Version={_version}");
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack.Output}");
        AssertPackage(Path.Combine(packages, $"DataFactory.Testing.{_version}.nupkg"));

        var guide = File.ReadAllText(Path.Combine(Repository.Root, "docs", "testing-pipelines.md"));
        var files = MarkedFile().Matches(guide).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["body"].Value);
        Assert.Equal(["Pipelines.Tests/Pipelines.Tests.csproj", "Pipelines.Tests/WaitForOkTests.cs", "factory/pipeline/WaitForOk.json", "nuget.config"], files.Keys.Order());
        foreach (var (path, body) in files)
        {
            var target = Path.Combine(_folder.FullName, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // The one change to what the guide says: this run's package version.
            File.WriteAllText(target, body.Replace("Include=\"DataFactory.Testing\" Version=\"0.1.0\"", $"Include=\"DataFactory.Testing\" Version=\"{_version}\""));
        }
        Assert.Contains(_version, File.ReadAllText(Path.Combine(_folder.FullName, "Pipelines.Tests", "Pipelines.Tests.csproj")));

        var test = await DotnetAsync(_folder.FullName, "test", "Pipelines.Tests", "-c", "Release", "--logger", "console;verbosity=normal");

        Assert.True(test.ExitCode == 0, $"dotnet test of the guide's project failed:\n{test.Output}");
        // Whatever it took: the logger writes "[< 1 ms]", "[640 ms]" or, on a loaded machine, "[1 s]".
        Assert.True(Regex.IsMatch(test.Output, @"Passed WaitForOkTests\.Calls_again_after_an_hour_until_the_answer_is_OK \[[^\]]+\]")
            && Regex.IsMatch(test.Output, @"Total tests: 1\s+Passed: 1\s"), $"the guide's test did not pass alone:\n{test.Output}");
    }

    /// <summary>One package holds the library, the runner and the model, and the README; its one dependency is the runner's.</summary>
    private static void AssertPackage(string path)
    {
        using var package = ZipFile.OpenRead(path);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", entries);
        foreach (var assembly in new[] { "DataFactory.Testing", "DataFactory.Runner", "DataFactory.Pipelines" })
            Assert.Contains($"lib/net10.0/{assembly}.dll", entries);
        using var nuspec = new StreamReader(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var dependencies = Regex.Matches(nuspec.ReadToEnd(), "<dependency id=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(["TimeZoneConverter"], dependencies);
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // No build servers: a node left running would hold this test's output open. The test host's own MSBuild and
        // test platform settings are not the child's.
        start.ArgumentList.Add("--disable-build-servers");
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        _folder.Delete(recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var restored = new DirectoryInfo(Path.Combine(cache, "datafactory.testing", _version));
        if (restored.Exists)
            restored.Delete(recursive: true);
        if (restored.Parent is { Exists: true } parent && !parent.EnumerateFileSystemInfos().Any())
            parent.Delete();
    }
}
