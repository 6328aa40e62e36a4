using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ExclusiveOperations.Locking;

namespace ExclusiveOperations.Operations;

/// <summary>
/// Makes a write to a shared blob conditional on the writer's fencing token, in two layers:
/// <list type="number">
/// <item>the fence check (<see cref="StorageLock.FenceAsync"/>): the lock blob still holds the writer's holder and
/// generation, and is renewed, so no newer holder can exist for one lifetime from just before the write;</item>
/// <item>the target's stamp: the blob's metadata records the highest generation that wrote it; a writer with a lower
/// generation is refused, and every write is conditional (If-Match) on the ETag read together with that stamp,
/// so a newer holder's write (which stamps its generation and so changes the ETag) makes an older writer's
/// pending write fail in storage itself.</item>
/// </list>
/// What it cannot cover: a write issued after the fence check, delayed (paused process) past the lock's lifetime,
/// landing on a target that no newer holder has written yet. It then lands before all of the newer holder's writes,
/// never between them, and the newer holder's own conditional writes see its ETag.
/// </summary>
public static class FencedBlobWrites
{
    /// <summary>Metadata names are C# identifiers; values ASCII.</summary>
    public const string GenerationMetadata = "lockgeneration";

    /// <summary>Stamps lost in a row to other writers before giving up (something writes the target continuously).</summary>
    public const int MaxAttempts = 20;

    /// <summary>
    /// Checks the fence and the target's stamp, stamping the writer's generation when it is higher; returns the
    /// target's ETag to make the write conditional on, or null when the target does not exist.
    /// </summary>
    public static async Task<ETag?> PrepareAsync(StorageLock locks, BlobBaseClient target, LockFence fence, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await locks.FenceAsync(fence, cancellationToken);
            BlobProperties properties;
            try
            {
                properties = (await target.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
                return null;
            }
            var stamped = Generation(properties.Metadata);
            if (stamped > fence.Generation)
                throw Refused(target, fence, stamped);
            if (stamped == fence.Generation)
                return properties.ETag;
            var metadata = new Dictionary<string, string>(properties.Metadata) { [GenerationMetadata] = fence.Generation.ToString(CultureInfo.InvariantCulture) };
            try
            {
                var info = await target.SetMetadataAsync(metadata, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken);
                return info.Value.ETag;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.PreconditionFailed)
            {
                // Somebody wrote meanwhile: decide again on what they left.
                if (attempt >= MaxAttempts)
                    throw Contended(target, e);
            }
        }
    }

    /// <summary>Metadata that stamps a newly created or fully rewritten target with the writer's generation.</summary>
    public static Dictionary<string, string> Stamp(LockFence fence, IDictionary<string, string>? metadata = null) =>
        new(metadata ?? new Dictionary<string, string>()) { [GenerationMetadata] = fence.Generation.ToString(CultureInfo.InvariantCulture) };

    public static long Generation(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(GenerationMetadata, out var value) && long.TryParse(value, CultureInfo.InvariantCulture, out var generation) ? generation : 0;

    /// <summary>Another writer won every one of <see cref="MaxAttempts"/> conditional writes in a row.</summary>
    public static InvalidOperationException Contended(BlobBaseClient target, Exception inner) => new(
        $"Blob '{target.Name}' was changed by other writers {MaxAttempts} times in a row while this holder tried to write it; " +
        "something else writes it continuously. Find that writer (operations' targets must be written only under their lock).", inner);

    private static LockLostException Refused(BlobBaseClient target, LockFence fence, long stamped) => new(
        $"Blob '{target.Name}' was already written under generation {stamped} of lock '{fence.LockKey}'; " +
        $"'{fence.HolderId}' holds generation {fence.Generation}, an older one, and must not write any more.");
}
