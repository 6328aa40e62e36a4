using System.Text;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Starter;

namespace ExclusiveOperations.Tests;

/// <summary>The starter's <c>mode</c> and <c>queueTimeout</c> query parameters.</summary>
public sealed class StartRequestParserQueueTests
{
    private static readonly StartRequestParser Parser = new(new OperationCatalog([new WaitOperation()]),
        new QueueOptions { DefaultQueueTimeout = TimeSpan.FromMinutes(30), MaxQueueTimeout = TimeSpan.FromHours(2) });

    private static Task<StartDecision> Parse(string? mode, string? queueTimeout, string? callerId = null) =>
        Parser.ParseAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes("{\"seconds\":1}")), new StartQuery("k", callerId, null, mode, queueTimeout));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("conflict")]
    public async Task Without_queue_mode_a_run_is_a_conflict_mode_run_as_before(string? mode)
    {
        var request = Assert.IsType<StartDecision.Start>(await Parse(mode, null, "run-1")).Request;
        Assert.NotEqual(LockMode.Queue, request.Mode);
        Assert.Null(request.QueueTimeout);
        Assert.Equal("run-1", request.CallerId);
    }

    [Fact]
    public async Task Queue_mode_carries_the_default_timeout_from_the_settings_and_no_caller_id()
    {
        var request = Assert.IsType<StartDecision.Start>(await Parse("Queue", null, "run-1")).Request;
        Assert.Equal((LockMode.Queue, TimeSpan.FromMinutes(30)), (request.Mode, request.QueueTimeout));
        Assert.Null(request.CallerId);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("7200", 7200)]
    public async Task Queue_mode_takes_a_queueTimeout_in_whole_seconds_within_the_bounds(string text, int seconds)
    {
        var request = Assert.IsType<StartDecision.Start>(await Parse("queue", text)).Request;
        Assert.Equal(TimeSpan.FromSeconds(seconds), request.QueueTimeout);
    }

    [Theory]
    [InlineData("wait", null, "invalid mode", "'conflict'")]
    [InlineData("queue", "0", "invalid queueTimeout", "from 1 to 7200")]
    [InlineData("queue", "7201", "invalid queueTimeout", "from 1 to 7200")]
    [InlineData("queue", "1.5", "invalid queueTimeout", "whole seconds")]
    [InlineData("queue", "-5", "invalid queueTimeout", "whole seconds")]
    [InlineData("queue", "PT1H", "invalid queueTimeout", "whole seconds")]
    [InlineData(null, "60", "invalid queueTimeout", "applies only to mode=queue")]
    public async Task Bad_mode_or_queueTimeout_is_refused_saying_what_to_send(string? mode, string? queueTimeout, string error, string detail)
    {
        var refuse = Assert.IsType<StartDecision.Refuse>(await Parse(mode, queueTimeout));
        Assert.Equal(400, refuse.StatusCode);
        Assert.Equal(error, refuse.Error);
        Assert.Contains(detail, refuse.Detail);
    }
}
