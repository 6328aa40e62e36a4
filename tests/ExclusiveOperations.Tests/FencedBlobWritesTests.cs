using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>The target side of the fence: the generation stamp and the conditional write.</summary>
[Trait("Needs", "Processes")]
[Collection(AzuriteCollection.Name)]
public sealed class FencedBlobWritesTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_old_holders_write_prepared_before_a_takeover_is_refused_by_storage_once_the_new_holder_wrote()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = new StorageLock(azurite.NewContainer("locks"), new LockOptions { TimeToLive = Lifetime }, time);
        var target = azurite.NewContainer("data").GetAppendBlobClient("ledger");
        await target.CreateAsync();

        var old = await FenceAsync(locks, "old");
        var oldETag = await FencedBlobWrites.PrepareAsync(locks, target, old, CancellationToken.None);
        // The old holder freezes between its fence check and its write; its lock expires and is taken over.
        time.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var newer = await FenceAsync(locks, "new");
        var newETag = await FencedBlobWrites.PrepareAsync(locks, target, newer, CancellationToken.None);
        await target.AppendBlockAsync(BinaryData.FromString("new;").ToStream(), new AppendBlobAppendBlockOptions { Conditions = new() { IfMatch = newETag } });

        // The old holder thaws and sends the write it prepared: storage refuses it (the stamp changed the ETag).
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() =>
            target.AppendBlockAsync(BinaryData.FromString("old;").ToStream(), new AppendBlobAppendBlockOptions { Conditions = new() { IfMatch = oldETag } }));
        Assert.Equal(412, refused.Status);
        // Preparing again, it is told it lost the lock.
        await Assert.ThrowsAsync<LockLostException>(() => FencedBlobWrites.PrepareAsync(locks, target, old, CancellationToken.None));

        Assert.Equal("new;", (await target.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(newer.Generation, FencedBlobWrites.Generation((await target.GetPropertiesAsync()).Value.Metadata));
    }

    [Fact]
    public async Task A_target_stamped_by_a_newer_generation_refuses_an_older_writer_even_while_its_lock_blob_looks_fine()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T09:00:00Z"));
        var locks = new StorageLock(azurite.NewContainer("locks"), new LockOptions { TimeToLive = Lifetime }, time);
        var target = azurite.NewContainer("data").GetAppendBlobClient("ledger");
        var fence = await FenceAsync(locks, "holder");
        await target.CreateAsync(new AppendBlobCreateOptions { Metadata = new Dictionary<string, string> { [FencedBlobWrites.GenerationMetadata] = (fence.Generation + 1).ToString() } });

        var refused = await Assert.ThrowsAsync<LockLostException>(() => FencedBlobWrites.PrepareAsync(locks, target, fence, CancellationToken.None));
        Assert.Contains($"already written under generation {fence.Generation + 1}", refused.Message);
    }

    private static async Task<LockFence> FenceAsync(StorageLock locks, string holder)
    {
        var attempt = await locks.TryAcquireAsync("key", holder, "append", TimeSpan.FromSeconds(5));
        Assert.True(attempt.Acquired);
        return new LockFence("key", holder, attempt.Holder!.Generation, Lifetime, Lifetime / 4);
    }
}
