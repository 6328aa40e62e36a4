using LocalEnvironment;

namespace Smoke.Tests;

/// <summary><c>./build.sh smoke --local</c> end to end (the command with LocalEnvironment's local factory): it starts Azurite and
/// the host itself and stops them again.</summary>
public sealed class SmokeCommandTests
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

    [Fact]
    public async Task Without_a_factory_or_pulumi_the_smoke_run_says_what_to_pass_and_exits_2()
    {
        var output = new StringWriter();
        var exitCode = await SmokeCommand.Create(output)
            .Parse(["--subscription", "00000000-0000-0000-0000-000000000000", "--infra", Path.Combine(Path.GetTempPath(), "no-such-infra-" + Guid.NewGuid().ToString("N"))])
            .InvokeAsync();
        Assert.Equal(2, exitCode);
        Assert.Contains("No Pulumi project at", output.ToString());
        Assert.Contains("--resource-group and --factory", output.ToString());
    }

    [Fact]
    public async Task The_azure_only_smoke_program_answers_local_with_where_the_local_factory_is_and_exits_2()
    {
        var output = new StringWriter();
        var exitCode = await SmokeCommand.Create(output).Parse(["--local"]).InvokeAsync();
        Assert.Equal(2, exitCode);
        Assert.Contains("./build.sh smoke --local", output.ToString());
    }

    [Fact]
    public void Stack_outputs_name_the_factory_and_a_missing_output_is_named()
    {
        var factory = StackOutputs.Parse("""{ "resourceGroupName": "rg-pr-12", "dataFactoryName": "adf-pr-12", "pipelineNames": ["RunExclusiveOperation"] }""");
        Assert.Equal(new StackOutputs.Factory("rg-pr-12", "adf-pr-12"), factory);
        var missing = Assert.Throws<SmokeSetupException>(() => StackOutputs.Parse("""{ "resourceGroupName": "rg" }"""));
        Assert.Contains("no output 'dataFactoryName'", missing.Message);
    }
}
