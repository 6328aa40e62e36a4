using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Operations;

/// <param name="Container">The container holding the parts.</param>
/// <param name="Prefix">Every blob whose name starts with it (but the target) is a part.</param>
/// <param name="Target">The merged blob; if it exists, its content comes first.</param>
/// <param name="RunId">The orchestration instance, which names the journal of this run.</param>
public sealed record CompactRequest(string Container, string Prefix, string Target, string RunId);

public sealed record CompactResult(string Target, int MergedParts, long Bytes);

/// <summary>
/// Merges the parts into the target and deletes them, safely retryable: before touching anything it
/// writes a journal (the parts it will merge and the target's ETag before the merge). A retry that
/// finds the journal knows whether the merge was written (the target's ETag changed) and only finishes
/// the deletes, so no part is ever merged twice or lost.
/// </summary>
public sealed class CompactBlobsActivity(BlobServiceClient blobs) : TaskActivity<CompactRequest, CompactResult>
{
    public const string JournalFolder = ".compact-journal/";

    private sealed record Journal(string Target, string[] Parts, string? TargetETagBefore);

    public override async Task<CompactResult> RunAsync(TaskActivityContext context, CompactRequest request)
    {
        var container = blobs.GetBlobContainerClient(request.Container);
        if (!await container.ExistsAsync())
            throw new InvalidOperationException($"Container '{request.Container}' does not exist in the storage account.");

        var journalBlob = container.GetBlobClient(JournalFolder + request.RunId + ".json");
        var target = container.GetBlobClient(request.Target);

        var journal = await ReadJournalAsync(journalBlob);
        if (journal is null)
        {
            var parts = new List<string>();
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = request.Prefix }))
            {
                if (item.Name != request.Target && !item.Name.StartsWith(JournalFolder, StringComparison.Ordinal))
                    parts.Add(item.Name);
            }
            parts.Sort(StringComparer.Ordinal);
            journal = new Journal(request.Target, [.. parts], (await TryGetETagAsync(target))?.ToString());
            await journalBlob.UploadAsync(BinaryData.FromObjectAsJson(journal), overwrite: true);
        }

        var currentETag = (await TryGetETagAsync(target))?.ToString();
        if (journal.Parts.Length > 0 && currentETag == journal.TargetETagBefore)
            await MergeAsync(container, target, journal);

        foreach (var part in journal.Parts)
            await container.GetBlobClient(part).DeleteIfExistsAsync();
        await journalBlob.DeleteIfExistsAsync();

        var size = (await TryGetPropertiesAsync(target))?.ContentLength ?? 0;
        return new CompactResult(request.Target, journal.Parts.Length, size);
    }

    private static async Task MergeAsync(BlobContainerClient container, BlobClient target, Journal journal)
    {
        using var merged = new MemoryStream();
        if (journal.TargetETagBefore is not null)
            await (await target.DownloadStreamingAsync()).Value.Content.CopyToAsync(merged);
        foreach (var part in journal.Parts)
            await (await container.GetBlobClient(part).DownloadStreamingAsync()).Value.Content.CopyToAsync(merged);
        merged.Position = 0;
        var conditions = journal.TargetETagBefore is { } before
            ? new BlobRequestConditions { IfMatch = new ETag(before) }
            : new BlobRequestConditions { IfNoneMatch = ETag.All };
        // The condition makes a concurrent writer of the target fail this run instead of being overwritten.
        await target.UploadAsync(merged, new BlobUploadOptions { Conditions = conditions });
    }

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

    private static async Task<ETag?> TryGetETagAsync(BlobClient blob) => (await TryGetPropertiesAsync(blob))?.ETag;

    private static async Task<BlobProperties?> TryGetPropertiesAsync(BlobClient blob)
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
