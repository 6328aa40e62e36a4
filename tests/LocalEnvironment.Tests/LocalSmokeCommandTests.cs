using Smoke;

namespace LocalEnvironment.Tests;

/// <summary><c>./build.sh smoke --local</c> end to end (the smoke command with LocalEnvironment's local factory): it starts
/// Azurite and the host itself and stops them again.</summary>
public sealed class LocalSmokeCommandTests
{
    [Fact]
    public async Task Smoke_local_runs_the_generated_pipeline_three_times_at_once_on_one_key_prints_the_summary_and_exits_0()
    {
        var output = new StringWriter();
        var summary = Path.Combine(Path.GetTempPath(), $"smoke-{Guid.NewGuid():N}.md");
        try
        {
            var exitCode = await SmokeCommand.Create(output, LocalFactory.StartForSmokeAsync)
                .Parse(["--local", "--seconds", "4", "--poll-seconds", "0.5", "--pipeline-folder", LocalFactoryFixture.PipelineFolder, "--summary-file", summary])
                .InvokeAsync();

            var text = output.ToString();
            Assert.True(exitCode == 0, text);
            Assert.Contains("3/3 runs succeeded", text);
            var rows = text.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^[123]\s+Succeeded\s")).ToList();
            Assert.Equal(3, rows.Count);
            // Three runs at once on one key and 4 s operations: at least two of them met the held lock.
            var conflicts = rows.Select(r => int.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3])).ToList();
            Assert.True(conflicts.Count(c => c > 0) >= 2, text);
            Assert.Contains("| 1 | Succeeded |", await File.ReadAllTextAsync(summary));
        }
        finally
        {
            File.Delete(summary);
        }
    }
}
