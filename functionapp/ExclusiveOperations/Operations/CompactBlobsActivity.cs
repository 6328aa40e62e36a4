using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ExclusiveOperations.Locking;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace ExclusiveOperations.Operations;

/// <param name="Container">The container holding the parts.</param>
/// <param name="Prefix">Every blob whose name starts with it (but the target) is a part.</param>
/// <param name="Target">The merged blob; if it exists, its content comes first.</param>
/// <param name="RunId">The orchestration instance, which names the journal of this run and marks the target it wrote.</param>
/// <param name="Fence">The lock's fencing token: every write is conditional on it.</param>
public sealed record CompactRequest(string Container, string Prefix, string Target, string RunId, LockFence Fence);

/// <param name="KeptParts">Parts not deleted because they changed after they were merged (their new content is not in the target).</param>
public sealed record CompactResult(string Target, int MergedParts, long Bytes, IReadOnlyList<string> KeptParts);

/// <summary>
/// Merges the parts into the target and deletes them, safely retryable after a fault at any step:
/// <list type="number">
/// <item>the journal (written once, before anything else changes) records each part with its ETag and the target's
/// ETag after this run stamped its lock generation on it;</item>
/// <item>each part, read only at its journaled ETag, is staged as blocks of at most <see cref="ChunkBytes"/> (streamed:
/// memory holds one chunk, never the merge); the target's existing content is kept as its committed blocks, or
/// staged too when it has none of the usable kind;</item>
/// <item>one Put Block List commits the target, conditional on the journaled ETag and marking the target with this
/// run's id: the merge either lands whole, exactly once, or not at all;</item>
/// <item>only then, parts are deleted, each conditional on its journaled ETag (a part changed since is kept).</item>
/// </list>
/// A retry that finds the target marked with this run only finishes the deletes; one that finds it unchanged merges
/// again; one that finds it changed by another writer fails and deletes nothing: the parts stay, nothing is lost.
/// Every write is conditional on the lock's fence, and a keeper renews the lock while the activity runs.
/// </summary>
public sealed class CompactBlobsActivity(BlobServiceClient blobs, StorageLock locks, TimeProvider time, ILogger<CompactBlobsActivity> logger)
    : TaskActivity<CompactRequest, CompactResult>
{
    public const string JournalFolder = ".compact-journal/";
    public const string RunMetadata = "compactrun";

    /// <summary>The largest block staged at once: what the activity holds in memory.</summary>
    public const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>Block ids of this scheme all have one length (Put Block List requires it): base64 of 36 ASCII characters.</summary>
    private const int BlockIdLength = 48;

    private sealed record JournalPart(string Name, string ETag);

    private sealed record Journal(string Target, JournalPart[] Parts, string? TargetETagBefore);

    public override async Task<CompactResult> RunAsync(TaskActivityContext context, CompactRequest request)
    {
        var container = blobs.GetBlobContainerClient(request.Container);
        if (!await container.ExistsAsync())
            throw new InvalidOperationException($"Container '{request.Container}' does not exist in the storage account.");
        await using var keeper = LockKeeper.Start(locks, request.Fence, time, logger);

        var journalBlob = container.GetBlobClient(JournalFolder + request.RunId + ".json");
        var target = container.GetBlockBlobClient(request.Target);
        var journal = await ReadJournalAsync(journalBlob) ?? await StartJournalAsync(container, journalBlob, target, request);

        var targetNow = await TryGetPropertiesAsync(target);
        if (!MarkedByThisRun(targetNow, request))
        {
            if (targetNow?.ETag.ToString() != journal.TargetETagBefore)
            {
                throw new InvalidOperationException(
                    $"Target '{request.Target}' was changed by another writer after run '{request.RunId}' recorded it (and does not carry this run's mark); " +
                    $"this try merges and deletes nothing: the parts still under '{request.Prefix}' are kept (journal '{journalBlob.Name}'). Check the target, then compact again.");
            }
            if (journal.Parts.Length == 0)
            {
                await journalBlob.DeleteIfExistsAsync();
                return new CompactResult(request.Target, 0, targetNow?.ContentLength ?? 0, []);
            }
            await MergeAsync(container, target, targetNow, journal, request, keeper);
        }

        var kept = new List<string>();
        foreach (var part in journal.Parts)
        {
            await locks.FenceAsync(request.Fence);
            try
            {
                await container.GetBlobClient(part.Name).DeleteAsync(conditions: new BlobRequestConditions { IfMatch = new ETag(part.ETag) });
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.NotFound or (int)HttpStatusCode.PreconditionFailed)
            {
                // Gone: deleted by a previous try of this run (a missing blob may answer either). Still there: changed since merged.
                if (await container.GetBlobClient(part.Name).ExistsAsync())
                    kept.Add(part.Name);
            }
        }
        await journalBlob.DeleteIfExistsAsync();

        var size = (await TryGetPropertiesAsync(target))?.ContentLength ?? 0;
        return new CompactResult(request.Target, journal.Parts.Length - kept.Count, size, kept);
    }

    /// <summary>Lists the parts, stamps the target with the lock generation (the fence), and records both before any merge.</summary>
    private async Task<Journal> StartJournalAsync(BlobContainerClient container, BlobClient journalBlob, BlockBlobClient target, CompactRequest request)
    {
        var parts = new List<JournalPart>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = request.Prefix }))
        {
            if (item.Name != request.Target && !item.Name.StartsWith(JournalFolder, StringComparison.Ordinal))
                parts.Add(new JournalPart(item.Name, item.Properties.ETag!.Value.ToString()));
        }
        parts.Sort((a, b) => StringComparer.Ordinal.Compare(a.Name, b.Name));
        var targetETag = await FencedBlobWrites.PrepareAsync(locks, target, request.Fence, CancellationToken.None);
        var journal = new Journal(request.Target, [.. parts], targetETag?.ToString());
        await journalBlob.UploadAsync(BinaryData.FromObjectAsJson(journal), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });
        return journal;
    }

    private async Task MergeAsync(BlobContainerClient container, BlockBlobClient target, BlobProperties? targetBefore, Journal journal, CompactRequest request, LockKeeper keeper)
    {
        var blockIds = new List<string>();
        if (targetBefore is not null)
        {
            // Read without a condition (Get Block List takes no If-Match): the commit below is conditional on the same ETag.
            var committed = (await target.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToList();
            if (committed.Count > 0 && committed.Sum(b => b.SizeLong) == targetBefore.ContentLength && committed.All(b => b.Name.Length == BlockIdLength))
                blockIds.AddRange(committed.Select(b => b.Name));
            else
                blockIds.AddRange(await StageAsync(target, target, targetBefore.ETag, request.RunId, partIndex: 0, keeper));
        }
        for (var i = 0; i < journal.Parts.Length; i++)
        {
            var part = journal.Parts[i];
            blockIds.AddRange(await StageAsync(container.GetBlobClient(part.Name), target, new ETag(part.ETag), request.RunId, i + 1, keeper));
        }

        await locks.FenceAsync(request.Fence);
        var conditions = journal.TargetETagBefore is { } before
            ? new BlobRequestConditions { IfMatch = new ETag(before) }
            : new BlobRequestConditions { IfNoneMatch = ETag.All };
        var metadata = FencedBlobWrites.Stamp(request.Fence, targetBefore?.Metadata);
        metadata[RunMetadata] = request.RunId;
        // The condition makes a concurrent writer of the target (or a newer lock generation) fail this run instead of being overwritten.
        await target.CommitBlockListAsync(blockIds, new CommitBlockListOptions { Conditions = conditions, Metadata = metadata });
    }

    /// <summary>Streams one source into uncommitted blocks of the target, one chunk in memory at a time.</summary>
    private static async Task<List<string>> StageAsync(BlobBaseClient source, BlockBlobClient target, ETag sourceETag, string runId, int partIndex, LockKeeper keeper)
    {
        var ids = new List<string>();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            await using var stream = await source.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false)
            {
                Conditions = new BlobRequestConditions { IfMatch = sourceETag },
                BufferSize = ChunkBytes,
            }, keeper.Lost);
            for (var chunk = 0; ; chunk++)
            {
                var filled = await stream.ReadAtLeastAsync(buffer.AsMemory(0, ChunkBytes), ChunkBytes, throwOnEndOfStream: false, keeper.Lost);
                if (filled == 0)
                    break;
                var id = BlockId(runId, partIndex, chunk);
                using var content = new MemoryStream(buffer, 0, filled, writable: false);
                await target.StageBlockAsync(id, content, cancellationToken: keeper.Lost);
                ids.Add(id);
                if (filled < ChunkBytes)
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return ids;
    }

    /// <summary>Deterministic per run, part and chunk (a retry stages the same ids again), all of one length.</summary>
    private static string BlockId(string runId, int partIndex, int chunk)
    {
        var run = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..16];
        return Convert.ToBase64String(Encoding.ASCII.GetBytes($"{run}-{partIndex:D9}-{chunk:D9}"));
    }

    private static bool MarkedByThisRun(BlobProperties? target, CompactRequest request) =>
        target is not null && target.Metadata.TryGetValue(RunMetadata, out var run) && run == request.RunId;

    private static async Task<Journal?> ReadJournalAsync(BlobClient blob)
    {
        try
        {
            var content = await blob.DownloadContentAsync();
            return content.Value.Content.ToObjectFromJson<Journal>();
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<BlobProperties?> TryGetPropertiesAsync(BlobBaseClient blob)
    {
        try
        {
            return (await blob.GetPropertiesAsync()).Value;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
