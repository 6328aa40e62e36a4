using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ExclusiveOperations.Locking;

/// <summary>
/// When each run's caller last polled its status: one tiny blob per instance beside the lock blobs, so a poll never
/// writes the lock blob (which every handover and renewal writes conditionally). A queued run nobody polled for
/// <see cref="QueueOptions.CallerGoneAfter"/> is presumed abandoned. Names start with <see cref="Prefix"/>: a lock blob's
/// name is its escaped key, which never contains '/', so the two never collide.
/// </summary>
public sealed class RunPolls(BlobContainerClient container)
{
    public const string Prefix = "polls/";

    public static string BlobName(string instanceId) => Prefix + Uri.EscapeDataString(instanceId);

    /// <summary>Records that the caller of <paramref name="instanceId"/> polled at <paramref name="at"/> (last writer wins).</summary>
    public async Task RecordAsync(string instanceId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        try
        {
            await container.GetBlobClient(BlobName(instanceId)).UploadAsync(
                BinaryData.FromString(at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)), overwrite: true, cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // No lock was ever taken here (the first run creates the container): the run's start still counts as its poll.
        }
    }

    /// <summary>The last recorded poll, or null when none was recorded.</summary>
    public async Task<DateTimeOffset?> LastAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await container.GetBlobClient(BlobName(instanceId)).DownloadContentAsync(cancellationToken);
            return DateTimeOffset.Parse(content.Value.Content.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
