using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Tests.Shared;

/// <summary>
/// Checks an ARM template against Azure's resource schemas offline: the BCP diagnostics of <c>bicep decompile</c>,
/// each with the resource declaration it belongs to.
/// </summary>
public static class BicepSchemaCheck
{
    private static readonly string Bicep = Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BicepPath").Value!;

    public static async Task<List<string>> DiagnosticsAsync(JsonObject template)
    {
        Assert.True(File.Exists(Bicep), $"The Bicep CLI is not at {Bicep}; dotnet restore downloads it (PackageDownload Azure.Bicep.CommandLine.linux-x64).");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Bicep, File.GetUnixFileMode(Bicep) | UnixFileMode.UserExecute);
        var folder = Directory.CreateTempSubdirectory("bicep-").FullName;
        try
        {
            var file = Path.Combine(folder, "template.json");
            await File.WriteAllTextAsync(file, template.ToJsonString());
            var start = new ProcessStartInfo(Bicep) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "decompile", file, "--stdout" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var bicep = (await stdout).Split('\n');
            var lines = ((await stdout) + "\n" + (await stderr)).Split('\n');
            Assert.True(process.ExitCode == 0, $"bicep decompile failed ({process.ExitCode}):\n{string.Join('\n', lines)}");
            return [.. lines.Where(l => l.Contains(" BCP", StringComparison.Ordinal)).Select(l => $"{l}  [in: {Declaration(bicep, l)}]")];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The <c>resource</c> line above a diagnostic's line (<c>template.bicep(LINE,COLUMN) : ...</c>).</summary>
    private static string Declaration(string[] bicep, string diagnostic)
    {
        var open = diagnostic.IndexOf(".bicep(", StringComparison.Ordinal);
        if (open < 0 || !int.TryParse(diagnostic[(open + 7)..diagnostic.IndexOf(',', open)], out var line))
            return "?";
        for (var i = Math.Min(line, bicep.Length) - 1; i >= 0; i--)
            if (bicep[i].StartsWith("resource ", StringComparison.Ordinal))
                return bicep[i].Trim();
        return "?";
    }
}
