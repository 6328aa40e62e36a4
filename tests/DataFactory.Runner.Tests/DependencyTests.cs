using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace DataFactory.Runner.Tests;

/// <summary>The documented error-handling patterns (tutorial-pipeline-failure-error-handling) and their pipeline status.</summary>
public sealed class DependencyTests : IDisposable
{
    private readonly RunnerHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static Activity Work(bool fails) => fails
        ? new FailActivity("Work") { Message = "work failed", ErrorCode = "WorkFailed" }
        : new WaitActivity("Work") { WaitTimeInSeconds = 1 };

    private static WaitActivity After(string name, DependencyCondition condition, string on = "Work") =>
        new(name) { WaitTimeInSeconds = 1, DependsOn = { new(on, condition) } };

    private async Task<PipelineRun> Run(params Activity[] activities) => await _harness.RunAsync(new Pipeline("P") { Activities = [.. activities] });

    [Theory]
    [InlineData(false, RunState.Succeeded)]
    [InlineData(true, RunState.Succeeded)]
    public async Task Try_catch_succeeds_when_the_failure_path_succeeds(bool fails, RunState expected)
    {
        var run = await Run(Work(fails), After("Catch", DependencyCondition.Failed));
        Assert.Equal(expected, run.Status);
        Assert.Equal(fails ? RunState.Succeeded : RunState.Skipped, RunnerHarness.Only(run, "Catch").Status);
    }

    [Theory]
    [InlineData(false, RunState.Succeeded)]
    [InlineData(true, RunState.Failed)]
    public async Task Do_if_else_fails_when_the_activity_fails(bool fails, RunState expected)
    {
        var run = await Run(Work(fails), After("Then", DependencyCondition.Succeeded), After("Else", DependencyCondition.Failed));
        Assert.Equal(expected, run.Status);
        if (fails) Assert.Equal("WorkFailed", run.Error!.ErrorCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Do_if_skip_else_succeeds_either_way(bool fails)
    {
        var run = await Run(
            Work(fails),
            After("Then", DependencyCondition.Succeeded),
            After("Else", DependencyCondition.Failed),
            After("Dummy", DependencyCondition.Skipped, on: "Then"));
        Assert.Equal(RunState.Succeeded, run.Status);
    }

    [Theory]
    [InlineData(false, RunState.Succeeded)]
    [InlineData(true, RunState.Succeeded)]
    public async Task Upon_completion_runs_either_way(bool fails, RunState expected)
    {
        var run = await Run(Work(fails), After("Always", DependencyCondition.Completed));
        Assert.Equal(expected, run.Status);
        Assert.Equal(RunState.Succeeded, RunnerHarness.Only(run, "Always").Status);
    }

    [Fact]
    public async Task Generic_error_handling_catches_a_failure_anywhere_in_a_chain()
    {
        // Generic error handling: one handler after the last step, on its Upon Failure and Upon Skip paths,
        // catches a failure of any step before it (a failed step skips everything after it).
        var run = await Run(
            new FailActivity("A") { Message = "a broke", ErrorCode = "A" },
            After("B", DependencyCondition.Succeeded, on: "A"),
            new WaitActivity("Handler")
            {
                WaitTimeInSeconds = 1,
                DependsOn = { new("B", DependencyCondition.Failed, DependencyCondition.Skipped) },
            });
        Assert.Equal(RunState.Skipped, RunnerHarness.Only(run, "B").Status);
        Assert.Equal(RunState.Succeeded, RunnerHarness.Only(run, "Handler").Status);
        Assert.Equal(RunState.Succeeded, run.Status);
    }

    [Fact]
    public async Task All_dependencies_must_be_met()
    {
        var run = await Run(
            new WaitActivity("A") { WaitTimeInSeconds = 1 },
            new FailActivity("B") { Message = "b", ErrorCode = "B" },
            new WaitActivity("Both") { WaitTimeInSeconds = 1, DependsOn = { new("A", DependencyCondition.Succeeded), new("B", DependencyCondition.Succeeded) } });
        Assert.Equal(RunState.Skipped, RunnerHarness.Only(run, "Both").Status);
        Assert.Equal(RunState.Failed, run.Status);
    }

    [Fact]
    public async Task Independent_activities_run_in_parallel()
    {
        var run = await Run(new WaitActivity("A") { WaitTimeInSeconds = 30 }, new WaitActivity("B") { WaitTimeInSeconds = 30 });
        Assert.Equal(RunState.Succeeded, run.Status);
        Assert.InRange(run.DurationInMs!.Value, 30_000, 33_000);
    }
}
