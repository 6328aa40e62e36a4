using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;
using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>The local host on Azure's timings (<c>--LocalHost:Profile=azure</c>): host.json's queue polling, 30 s partition leases, 5 min visibility.</summary>
public sealed class AzureTimingsTests(LocalStackFixture azurite) : IClassFixture<LocalStackFixture>
{
    [Fact]
    public async Task With_the_azure_profile_the_lock_lives_for_three_late_renewals_and_operations_still_complete()
    {
        await using var host = await azurite.StartHostAsync(LocalStackFixture.NewTaskHub(),
            new Dictionary<string, string> { ["LocalHost:Profile"] = "azure" });
        // The lock's timings derive from the Function App's host.json polling and Azure's 30 s partition leases.
        var timings = LockTimings.For(HostJson.MaxQueuePollingInterval(LocalHostProfiles.AppHostJson)!.Value, TimeSpan.FromSeconds(30));
        Assert.Contains($"lock lifetime {timings.Lifetime.TotalSeconds:0.###} s, renewed every {timings.RenewEvery.TotalSeconds:0.###} s", host.Output);

        var client = new DurableHttpClient(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromSeconds(1));
        var watch = Stopwatch.StartNew();
        var run = await client.RunAsync(host.BaseUrl, "wait", new { seconds = 1, lockKey = $"azure-{Guid.NewGuid():N}" }, TimeSpan.FromMinutes(4));

        Assert.Equal("OK", run.OutcomeStatus);
        // The run's lock lifetime came from the starter: it is in the orchestration's input (which operators see).
        var builtIn = await azurite.Http.GetFromJsonAsync<JsonObject>(new Uri(host.BaseUrl,
            $"/runtime/webhooks/durabletask/instances/{run.InstanceId}?code={Uri.EscapeDataString(azurite.Keys.SystemKey)}"));
        Assert.Equal(timings.Lifetime.ToString("c"), builtIn!["input"]!["lockTimings"]!["lifetime"]!.GetValue<string>());
        Console.WriteLine($"wait 1 s on the azure profile: {watch.Elapsed.TotalSeconds:0.0} s end to end");
    }
}
