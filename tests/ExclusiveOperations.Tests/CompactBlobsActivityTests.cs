using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExclusiveOperations.Tests;

/// <summary>
/// <c>compact</c>'s blob work against Azurite, with faults injected after every write it makes (journal, stamp, each
/// staged block, the commit, each delete) and retried, with and without an outside writer on the target.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(OrchestrationCollection.Name)]
public sealed class CompactBlobsActivityTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] Parts = ["in/001", "in/002", "in/010"];
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly BlobContainerClient _container = azurite.NewContainer("compact");
    private readonly StorageLock _locks = new(azurite.NewContainer("locks"), new LockOptions { TimeToLive = Lifetime }, TimeProvider.System);
    private LockFence _fence = null!;

    public async Task InitializeAsync() => _fence = await AcquireAsync("holder-1");

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<LockFence> AcquireAsync(string holder)
    {
        var attempt = await _locks.TryAcquireAsync("compact-key", holder, "compact", TimeSpan.FromMinutes(1), lifetime: Lifetime);
        Assert.True(attempt.Acquired);
        return new LockFence("compact-key", holder, attempt.Holder!.Generation, Lifetime, Lifetime / 4);
    }

    private CompactBlobsActivity Activity(BlobServiceClient? blobs = null) =>
        new(blobs ?? azurite.Blobs, _locks, TimeProvider.System, NullLogger<CompactBlobsActivity>.Instance);

    private CompactRequest Request(string runId = "run-1", LockFence? fence = null) => new(_container.Name, "in/", "in/compacted", runId, fence ?? _fence);

    private Task PutAsync(string name, string content) => _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true);

    private async Task<string> ReadAsync(string name) => (await _container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();

    private async Task<List<string>> NamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in _container.GetBlobsAsync())
            names.Add(item.Name);
        return names;
    }

    private async Task PutPartsAsync()
    {
        await PutAsync("in/compacted", "old;");
        await PutAsync("in/002", "b;");
        await PutAsync("in/001", "a;");
        await PutAsync("in/010", "c;");
        await PutAsync("other/001", "untouched");
    }

    [Fact]
    public async Task Merges_the_parts_in_name_order_after_the_targets_content_and_deletes_them()
    {
        await PutPartsAsync();

        var result = await Activity().RunAsync(new TestActivityContext(), Request());

        Assert.Equal(3, result.MergedParts);
        Assert.Empty(result.KeptParts);
        Assert.Equal("old;a;b;c;", await ReadAsync("in/compacted"));
        Assert.Equal(10, result.Bytes);
        Assert.Equal(["in/compacted", "other/001"], await NamesAsync());

        // Run again: nothing to merge, nothing changes.
        var again = await Activity().RunAsync(new TestActivityContext(), Request("run-2"));
        Assert.Equal(0, again.MergedParts);
        Assert.Equal("old;a;b;c;", await ReadAsync("in/compacted"));
    }

    [Fact]
    public async Task Parts_larger_than_one_chunk_are_streamed_in_blocks_and_arrive_whole()
    {
        var big = new string('x', CompactBlobsActivity.ChunkBytes + 1000) + "end";
        await PutAsync("in/1", big);
        await PutAsync("in/2", "tail");

        var result = await Activity().RunAsync(new TestActivityContext(), Request());

        Assert.Equal(big.Length + 4, result.Bytes);
        Assert.Equal(big + "tail", await ReadAsync("in/compacted"));
    }

    [Fact]
    public async Task A_crash_after_any_write_and_a_retry_put_every_parts_bytes_in_the_target_exactly_once()
    {
        var crashPoints = 0;
        for (var crashAfter = 1; ; crashAfter++)
        {
            await ClearAsync();
            await PutPartsAsync();
            var faults = new CrashAfterWrites(crashAfter);
            try
            {
                await Activity(FaultyClient(faults)).RunAsync(new TestActivityContext(), Request($"run-{crashAfter}"));
                break; // fewer writes than crashAfter: every write has had its crash
            }
            catch (CrashException)
            {
                crashPoints++;
            }

            var result = await Activity().RunAsync(new TestActivityContext(), Request($"run-{crashAfter}"));

            Assert.Equal("old;a;b;c;", await ReadAsync("in/compacted"));
            Assert.Equal(["in/compacted", "other/001"], await NamesAsync());
            Assert.Empty(result.KeptParts);
        }
        // Stamp, journal, a block per part and the old content (or none), commit, three deletes, the journal's delete.
        Assert.True(crashPoints >= 8, $"only {crashPoints} crash points");
    }

    [Fact]
    public async Task An_outside_writer_after_any_crash_never_loses_a_part_and_never_doubles_one()
    {
        for (var crashAfter = 1; ; crashAfter++)
        {
            await ClearAsync();
            await PutPartsAsync();
            try
            {
                await Activity(FaultyClient(new CrashAfterWrites(crashAfter))).RunAsync(new TestActivityContext(), Request($"run-{crashAfter}"));
                break;
            }
            catch (CrashException)
            {
            }
            // Someone else appends to the target (read, add, write back) while the run is down.
            await PutAsync("in/compacted", await ReadAsync("in/compacted") + "x;");

            Exception? failure = null;
            try
            {
                await Activity().RunAsync(new TestActivityContext(), Request($"run-{crashAfter}"));
            }
            catch (InvalidOperationException e)
            {
                failure = e;
            }

            var target = await ReadAsync("in/compacted");
            var names = await NamesAsync();
            foreach (var (part, bytes) in new[] { ("in/001", "a;"), ("in/002", "b;"), ("in/010", "c;") })
            {
                var inTarget = Occurrences(target, bytes);
                Assert.True(inTarget <= 1, $"crash after write {crashAfter}: '{bytes}' is {inTarget} times in '{target}'");
                Assert.True(inTarget == 1 || names.Contains(part), $"crash after write {crashAfter}: {part} is lost ('{target}', {string.Join(",", names)})");
                if (failure is null)
                    Assert.Equal(1, inTarget);
            }
            Assert.Contains("x;", target);
            if (failure is not null)
                Assert.Contains("changed by another writer", failure.Message);
        }
    }

    [Fact]
    public async Task A_part_changed_after_it_was_merged_is_kept()
    {
        await PutPartsAsync();
        // Crash right after the commit (stamp, journal, 4 staged blocks: old content re-staged + 3 parts, commit).
        await Assert.ThrowsAsync<CrashException>(() => Activity(FaultyClient(new CrashAfterWrites(7))).RunAsync(new TestActivityContext(), Request()));
        Assert.Equal("old;a;b;c;", await ReadAsync("in/compacted"));
        await PutAsync("in/002", "b2;");

        var result = await Activity().RunAsync(new TestActivityContext(), Request());

        Assert.Equal(["in/002"], result.KeptParts);
        Assert.Equal("b2;", await ReadAsync("in/002"));
        Assert.Equal(["in/002", "in/compacted", "other/001"], await NamesAsync());
    }

    [Fact]
    public async Task A_holder_that_lost_its_lock_writes_nothing_and_deletes_nothing()
    {
        await PutPartsAsync();
        await _locks.ReleaseAsync("compact-key", "holder-1");
        await AcquireAsync("holder-2");

        await Assert.ThrowsAsync<LockLostException>(() => Activity().RunAsync(new TestActivityContext(), Request()));

        Assert.Equal("old;", await ReadAsync("in/compacted"));
        Assert.Equal(["in/001", "in/002", "in/010", "in/compacted", "other/001"], await NamesAsync());
    }

    [Fact]
    public async Task A_missing_container_fails_with_its_name()
    {
        var request = Request() with { Container = "no-such-container-x" };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Activity().RunAsync(new TestActivityContext(), request));
        Assert.Contains("no-such-container-x", error.Message);
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    private async Task ClearAsync()
    {
        foreach (var name in await NamesAsync())
            await _container.DeleteBlobAsync(name);
    }

    private BlobServiceClient FaultyClient(CrashAfterWrites faults)
    {
        var options = new BlobClientOptions();
        options.AddPolicy(faults, HttpPipelinePosition.PerCall);
        return new BlobServiceClient(azurite.Server.ConnectionString, options);
    }

    /// <summary>Lets the Nth successful write (PUT or DELETE) land, then fails as a crashed worker would: the write happened, the answer never came.</summary>
    private sealed class CrashAfterWrites(int n) : HttpPipelinePolicy
    {
        private int _writes;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            AfterResponse(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            AfterResponse(message);
        }

        private void AfterResponse(HttpMessage message)
        {
            var method = message.Request.Method;
            if ((method == RequestMethod.Put || method == RequestMethod.Delete) && message.Response.Status < 300 && Interlocked.Increment(ref _writes) == n)
                throw new CrashException($"crashed after write {n}: {method} {message.Request.Uri}");
        }
    }

    private sealed class CrashException(string message) : Exception(message);

    private sealed class TestActivityContext : TaskActivityContext
    {
        public override TaskName Name => new("CompactBlobs");
        public override string InstanceId => "test";
    }
}
