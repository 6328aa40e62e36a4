using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using ExclusiveOperations.Locking;
using LocalTooling;
using Xunit.Abstractions;

namespace LocalFunctionHost.Tests;

/// <summary>Queue mode on real host processes: one start per run, first come first served, handover without the caller.</summary>
public sealed class QueueModeTests(LocalStackFixture azurite, ITestOutputHelper output) : IClassFixture<LocalStackFixture>
{
    /// <summary>The starter route with queue mode (the client posts to <c>/api/operations/{operation}</c>).</summary>
    private const string QueuedWait = "wait?mode=queue";

    private DurableHttpClient Client => new(azurite.Http, azurite.Keys.FunctionKey, TimeSpan.FromMilliseconds(500));

    private StorageLock Locks => new(new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(new LockOptions().Container),
        new LockOptions(), TimeProvider.System);

    [Fact]
    public async Task Twenty_simultaneous_queued_starts_on_one_key_all_run_once_in_join_order_without_overlap()
    {
        await using var host = await azurite.StartHostAsync(LocalStackFixture.NewTaskHub());
        var lockKey = $"queue-{Guid.NewGuid():N}";

        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => Client.RunAsync(host.BaseUrl, QueuedWait, new { seconds = 1, lockKey }, TimeSpan.FromMinutes(5)))));

        Assert.All(runs, r => Assert.True(r.OutcomeStatus == "OK", r.Status.ToJsonString()));
        Assert.Equal(20, runs.Select(r => r.InstanceId).Distinct().Count()); // one orchestration per run: no Conflict, no retry
        var overlaps = LockIntervals.Overlaps(runs);
        Assert.True(overlaps.Count == 0, string.Join('\n', overlaps));
        // First come, first served: the one run that found the lock free first, then the line in the order it was joined.
        var byAcquisition = runs.OrderBy(r => r.LockAcquiredAt).ToList();
        Assert.Null(byAcquisition[0].Output!["queuedAt"]?.GetValue<DateTimeOffset?>());
        Assert.Equal(byAcquisition.Skip(1).Select(r => r.InstanceId),
            byAcquisition.Skip(1).OrderBy(r => r.Output!["queuedAt"]!.GetValue<DateTimeOffset>()).Select(r => r.InstanceId));
        var generations = byAcquisition.Select(r => r.Output!["holder"]!["generation"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => generations[0] + i), generations);

        // The figure the target is about (printed, not asserted: a loaded machine must not fail the build).
        var firstStart = runs.Min(r => r.Output!["startedAt"]!.GetValue<DateTimeOffset>());
        var lastEnd = runs.Max(r => r.Output!["completedAt"]!.GetValue<DateTimeOffset>());
        var lockSpan = runs.Max(r => r.LockReleasedAt!.Value) - runs.Min(r => r.LockAcquiredAt!.Value);
        var gaps = byAcquisition.Zip(byAcquisition.Skip(1), (a, b) => (b.LockAcquiredAt!.Value - a.LockReleasedAt!.Value).TotalMilliseconds).ToList();
        output.WriteLine($"20 queued 1 s waits on one key: makespan {(lastEnd - firstStart).TotalSeconds:0.00} s " +
            $"({(lastEnd - firstStart).TotalSeconds / 20:0.000} x ideal), lock held from first acquisition to last release {lockSpan.TotalSeconds:0.00} s " +
            $"({lockSpan.TotalSeconds / 20:0.000} x); handover gaps {gaps.Min():0} to {gaps.Max():0} ms");
        // Each hold: from the handover (the release instant) to its own release, i.e. the hop latency plus the 1 s wait.
        var holds = runs.Select(r => (r.LockReleasedAt!.Value - r.LockAcquiredAt!.Value).TotalSeconds).Order().ToList();
        output.WriteLine($"holds (handover to release) {holds[0]:0.00} s to {holds[^1]:0.00} s, median {holds[holds.Count / 2]:0.00} s");
        output.WriteLine("in order: " + string.Join(" ", byAcquisition.Select(r => $"{(r.LockReleasedAt!.Value - r.LockAcquiredAt!.Value).TotalSeconds:0.00}")));
    }

    [Fact]
    public async Task A_queued_run_gets_the_lock_after_its_lifetime_when_the_holders_process_is_killed()
    {
        var lifetime = TimeSpan.FromSeconds(8);
        var settings = new Dictionary<string, string>
        {
            ["ExclusiveOperations:Lock:TimeToLive"] = lifetime.ToString(),
            // Each host has a task hub of its own (no partition moves), so short leases let the short lifetime pass the lock's timing check.
            ["LocalHost:PartitionLeaseInterval"] = TimeSpan.FromSeconds(2).ToString(),
        };
        var starting = new[] { LocalStackFixture.NewTaskHub(), LocalStackFixture.NewTaskHub() }
            .Select(hub => azurite.StartHostAsync(hub, settings)).ToList();
        await using var doomed = await starting[0];
        await using var survivor = await starting[1];
        var lockKey = $"queue-kill-{Guid.NewGuid():N}";

        using var first = await Client.PostAsync(doomed.BaseUrl, QueuedWait, new { seconds = 120, lockKey });
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var held = await WaitForAsync(() => Locks.PeekAsync(lockKey), TimeSpan.FromSeconds(60), "the first run's lock");
        var waiting = Task.Run(() => Client.RunAsync(survivor.BaseUrl, QueuedWait, new { seconds = 1, lockKey }, TimeSpan.FromMinutes(3)));
        await WaitForAsync(async () => (await Locks.QueueAsync(lockKey)).Count == 1 ? true : (bool?)null, TimeSpan.FromSeconds(60), "the second run in line");

        var lastExpiry = (await Locks.PeekAsync(lockKey))!.ExpiresAt;
        await doomed.KillAsync();
        var second = await waiting;

        Assert.True(second.OutcomeStatus == "OK", second.Status.ToJsonString());
        Assert.Equal(held.Generation + 1, second.Output!["holder"]!["generation"]!.GetValue<long>());
        // Taken over only once the dead holder's lock had expired (it renewed up to the kill, so at least the last expiry seen).
        Assert.True(second.LockAcquiredAt >= lastExpiry, $"acquired {second.LockAcquiredAt:O}, the dead holder's lock lived until at least {lastExpiry:O}");
        output.WriteLine($"the queued run got the lock {(second.LockAcquiredAt!.Value - lastExpiry).TotalSeconds:0.0} s after the dead holder's last seen expiry");
    }

    [Fact]
    public async Task Through_the_status_endpoint_a_polled_run_keeps_its_place_and_is_told_its_turn_while_an_unpolled_one_is_dropped()
    {
        var settings = new Dictionary<string, string>
        {
            ["ExclusiveOperations:Queue:CallerGoneAfter"] = TimeSpan.FromSeconds(3).ToString(),
            // A short lifetime so the dropped run notices at its next check within seconds; one host, so short leases are safe.
            ["ExclusiveOperations:Lock:TimeToLive"] = TimeSpan.FromSeconds(8).ToString(),
            ["LocalHost:PartitionLeaseInterval"] = TimeSpan.FromSeconds(2).ToString(),
        };
        await using var host = await azurite.StartHostAsync(LocalStackFixture.NewTaskHub(), settings);
        var lockKey = $"queue-polls-{Guid.NewGuid():N}";

        var holder = Task.Run(() => Client.RunAsync(host.BaseUrl, QueuedWait, new { seconds = 20, lockKey }, TimeSpan.FromMinutes(3)));
        await WaitForAsync(() => Locks.PeekAsync(lockKey), TimeSpan.FromSeconds(60), "the first run's lock");
        using var unpolled = await Client.PostAsync(host.BaseUrl, QueuedWait, new { seconds = 1, lockKey });
        Assert.Equal(HttpStatusCode.Accepted, unpolled.StatusCode);
        await WaitForAsync(async () => (await Locks.QueueAsync(lockKey)).Count == 1 ? true : (bool?)null, TimeSpan.FromSeconds(60), "the unpolled run in line");
        using var polled = await Client.PostAsync(host.BaseUrl, QueuedWait, new { seconds = 1, lockKey });
        var polledUrl = polled.Headers.Location!;

        // While it waits behind the 20 s holder and the unpolled run, its status URL says so and when to look again.
        var (queuedStatus, retryAfter) = await WaitForAsync(async () =>
        {
            using var answer = await azurite.Http.GetAsync(polledUrl);
            var body = await answer.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
            return answer.StatusCode == HttpStatusCode.Accepted && body!["customStatus"]?["status"]?.GetValue<string>() == "Queued"
                ? Tuple.Create(body, answer.Headers.RetryAfter!.Delta!.Value) : null;
        }, TimeSpan.FromSeconds(60), "the polled run's Queued status");
        Assert.Equal(2, queuedStatus["customStatus"]!["position"]!.GetValue<int>());
        Assert.InRange(retryAfter.TotalSeconds, 2, 22); // the holder's expected end plus the unpolled run's second, from now

        var second = await Client.PollAsync(polledUrl, TimeSpan.FromMinutes(3)); // polls every 0.5 s at most: its caller is there
        var first = await holder;
        var dropped = await Client.PollAsync(unpolled.Headers.Location!, TimeSpan.FromMinutes(2));

        Assert.Equal("OK", first.OutcomeStatus);
        Assert.True(second.OutcomeStatus == "OK", second.Status.ToJsonString());
        Assert.True(second.Output!["queuedSeconds"]!.GetValue<double>() > 10, second.Status.ToJsonString());
        // Nobody polled it for longer than CallerGoneAfter: the release skipped it, and it ended without the lock.
        Assert.True(dropped.OutcomeStatus == "Abandoned", dropped.Status.ToJsonString());
        Assert.Null(dropped.LockAcquiredAt);
        Assert.Equal(first.Output!["holder"]!["generation"]!.GetValue<long>() + 1, second.Output["holder"]!["generation"]!.GetValue<long>());
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForAsync(Func<Task<bool?>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await probe() is not true)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
