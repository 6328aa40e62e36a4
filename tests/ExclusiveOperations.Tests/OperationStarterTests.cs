using System.Text;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Starter;

namespace ExclusiveOperations.Tests;

/// <summary>The starter's status token: new per instance, the first one's for a repeated start.</summary>
public sealed class OperationStarterTests
{
    private static readonly OperationStarter Starter = new(new StartRequestParser(new OperationCatalog([new WaitOperation()])), new LockOptions());

    private static Task<OperationStarter.Result> StartAsync(IOrchestrationScheduler scheduler, string? requestId) =>
        Starter.StartAsync("wait", new MemoryStream(Encoding.UTF8.GetBytes("{\"seconds\":1}")), new StartQuery("k", null, requestId), scheduler);

    [Fact]
    public async Task Every_new_instance_gets_its_own_token_and_a_repeated_start_answers_the_first_ones()
    {
        var scheduler = new Scheduler();

        var first = Assert.IsType<OperationStarter.Result.Started>(await StartAsync(scheduler, "run-1"));
        var repeated = Assert.IsType<OperationStarter.Result.Started>(await StartAsync(scheduler, "run-1"));
        var other = Assert.IsType<OperationStarter.Result.Started>(await StartAsync(scheduler, null));

        Assert.NotNull(first.Request.StatusToken);
        Assert.Equal(first.InstanceId, repeated.InstanceId);
        Assert.Equal(first.Request.StatusToken, repeated.Request.StatusToken);
        Assert.NotEqual(first.Request.StatusToken, other.Request.StatusToken);
        Assert.Equal(first.Request.StatusToken, scheduler.Inputs[first.InstanceId].StatusToken);
    }

    [Fact]
    public async Task A_repeated_start_of_an_instance_started_without_a_token_is_409_saying_what_to_do()
    {
        var scheduler = new Scheduler();
        scheduler.Inputs[OperationStarter.InstanceIdFor("wait", "old-run")] = new OperationRequest("wait", "k", new JsonObject());

        var refused = Assert.IsType<OperationStarter.Result.Refused>(await StartAsync(scheduler, "old-run"));

        Assert.Equal(409, refused.Error.StatusCode);
        Assert.Contains("new request id", refused.Error.Detail);
    }

    private sealed class Scheduler : IOrchestrationScheduler
    {
        public Dictionary<string, OperationRequest> Inputs { get; } = [];

        public Task<OperationRequest> ScheduleIfNewAsync(string orchestratorName, string instanceId, OperationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(Inputs.TryAdd(instanceId, request) ? request : Inputs[instanceId]);
    }
}
