using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using ExclusiveOperations.Operations;
using LocalTooling;

namespace LocalFunctionHost.Tests;

/// <summary>
/// The fence, with real processes: a holder whose host process is frozen (SIGSTOP) past its lock's lifetime loses the
/// lock to another host process, and after it thaws (SIGCONT) none of its writes lands.
/// </summary>
public sealed class FencingTests(LocalStackFixture azurite) : IClassFixture<LocalStackFixture>
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(8);
    private DurableHttpClient Client => new(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));

    [Fact]
    public async Task A_frozen_holder_loses_its_lock_to_another_process_and_none_of_its_writes_lands_after_it_thaws()
    {
        var ledgerContainer = $"ledger-{Guid.NewGuid():N}"[..20];
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(ledgerContainer);
        await container.CreateAsync();
        var ledger = container.GetBlobClient("ledger");
        var settings = new Dictionary<string, string>
        {
            ["ExclusiveOperations:Lock:TimeToLive"] = Lifetime.ToString(),
            // Each host has a task hub of its own (no partition moves), so short leases let the short lifetime pass the lock's timing check.
            ["LocalHost:PartitionLeaseInterval"] = TimeSpan.FromSeconds(2).ToString(),
            [DataContainers.Setting] = ledgerContainer,
        };
        // Two host processes of the same app on their own task hubs: only the lock (and the ledger) is shared.
        var starting = new[] { LocalStackFixture.NewTaskHub(), LocalStackFixture.NewTaskHub() }
            .Select(hub => azurite.StartHostAsync(hub, settings)).ToList();
        await using var frozen = await starting[0];
        await using var other = await starting[1];
        var input = new { container = ledgerContainer, blob = "ledger", entries = 300, intervalSeconds = 0.2 };

        using var start = await Client.PostAsync(frozen.BaseUrl, "append", input);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        await WaitUntilAsync(async () => (await ReadLedgerAsync(ledger)).Count >= 3, TimeSpan.FromSeconds(60), "the first holder's first entries");

        LocalProcesses.Signal(frozen.ProcessId, LocalProcesses.SIGSTOP);
        List<AppendEntry> beforeThaw;
        DurableHttpClient.Run second;
        try
        {
            var frozenAt = Stopwatch.StartNew();
            await Task.Delay(Lifetime + TimeSpan.FromSeconds(2));
            // The lock has expired: the other process takes it over (Conflict only if it looked too early; ask again).
            do
            {
                second = await Client.RunAsync(other.BaseUrl, "append", input with { entries = 5 }, TimeSpan.FromSeconds(120));
            } while (second.OutcomeStatus == "Conflict" && frozenAt.Elapsed < TimeSpan.FromSeconds(60));
            Assert.Equal("OK", second.OutcomeStatus);
            beforeThaw = await ReadLedgerAsync(ledger);
        }
        finally
        {
            LocalProcesses.Signal(frozen.ProcessId, LocalProcesses.SIGCONT);
        }

        var first = await Client.PollAsync(start.Headers.Location!, TimeSpan.FromSeconds(180));
        var final = await ReadLedgerAsync(ledger);

        var firstGeneration = final[0].Generation;
        var secondGeneration = second.Output!["holder"]!["generation"]!.GetValue<long>();
        Assert.True(secondGeneration > firstGeneration, $"generations {firstGeneration} then {secondGeneration}");
        // The first run failed: its writes were refused once it thawed.
        Assert.Equal("Failed", first.RuntimeStatus);
        var firstOutput = first.Status["output"]!.ToJsonString();
        // Refused by whichever fence its next step met: the lock's check before a write ("no longer held"), or the
        // blob's own generation stamp when the write was already under way (which one depends on where it froze).
        Assert.True(firstOutput.Contains("no longer held", StringComparison.Ordinal)
            || firstOutput.Contains($"already written under generation {secondGeneration}", StringComparison.Ordinal), $"the first run's output: {firstOutput}");
        // Nothing of the first holder landed after it thawed, and the two holders' entries never interleave.
        Assert.Equal(beforeThaw.Count, final.Count);
        Assert.Equal(final.OrderBy(e => e.Generation).ThenBy(e => e.Entry), final);
        Assert.Equal(5, final.Count(e => e.Generation == secondGeneration));
        Assert.All(final, e => Assert.True(e.Generation == firstGeneration || e.Generation == secondGeneration));
    }

    private static async Task<List<AppendEntry>> ReadLedgerAsync(BlobClient ledger)
    {
        if (!await ledger.ExistsAsync())
            return [];
        var text = (await ledger.DownloadContentAsync()).Value.Content.ToString();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<AppendEntry>(line, JsonSerializerOptions.Web)!)];
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
