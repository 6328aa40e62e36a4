using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>State lives in storage: a host that stops or dies mid-operation loses no orchestration.</summary>
public sealed class RestartTests(LocalStackFixture azurite) : IClassFixture<LocalStackFixture>
{
    private DurableHttpClient Client => new(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));

    // The test watches each run reach Running through its status URL; a held poll would only answer at its end.
    private static readonly Dictionary<string, string> NoHeldPolls = new() { ["ExclusiveOperations:Status:HoldPollFor"] = "00:00:00" };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Operations_running_when_the_host_goes_away_complete_after_it_comes_back(bool kill)
    {
        var hub = LocalStackFixture.NewTaskHub();
        var host = await azurite.StartHostAsync(hub, NoHeldPolls);
        var port = host.BaseUrl.Port;
        var statusUrls = new List<Uri>();
        for (var i = 0; i < 6; i++)
        {
            using var start = await Client.PostAsync(host.BaseUrl, "wait", new { seconds = 4, lockKey = $"restart-{i}" });
            statusUrls.Add(start.Headers.Location!);
        }
        await WaitUntilAllHoldTheirLockAsync(statusUrls);

        if (kill)
            await host.KillAsync();
        else
            await host.StopAsync();
        await host.DisposeAsync();

        await using var restarted = await azurite.StartHostAsync(hub, NoHeldPolls, port: port);
        var runs = await Task.WhenAll(statusUrls.Select(url => Client.PollAsync(url, TimeSpan.FromSeconds(120))));

        Assert.All(runs, r =>
        {
            Assert.Equal("Completed", r.RuntimeStatus);
            Assert.Equal("OK", r.OutcomeStatus);
        });
    }

    private async Task WaitUntilAllHoldTheirLockAsync(IEnumerable<Uri> statusUrls)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var url in statusUrls)
        {
            while (true)
            {
                var body = (await azurite.Http.GetFromJsonAsync<JsonObject>(url))!;
                if (body["customStatus"]?["status"]?.GetValue<string>() == "Running")
                    break;
                Assert.True(DateTime.UtcNow < deadline, $"{url} did not take its lock within 60 s: {body.ToJsonString()}");
                await Task.Delay(100);
            }
        }
    }
}
