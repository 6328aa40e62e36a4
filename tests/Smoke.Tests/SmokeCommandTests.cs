namespace Smoke.Tests;

/// <summary>The smoke command's own answers: setup errors, the Azure-only program's <c>--local</c>, the stack's outputs.</summary>
public sealed class SmokeCommandTests
{
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
