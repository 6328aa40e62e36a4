using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ExclusiveOperations.Contracts;

namespace ExclusiveOperations.Locking;

/// <summary>
/// One lock per lock key, stored as a small JSON blob in Azure Storage and changed only by conditional
/// writes (If-None-Match: * to create, If-Match: ETag to take over or release). Every Function App
/// instance shares it through the storage account, so acquisition is atomic across a scale-out.
/// A blob lease was the other option; leases last at most 60 s unless infinite, so a long operation
/// would need a renewer running outside any activity, and an infinite lease never frees a dead holder.
/// An expiry time inside the blob, renewed between steps, gives a TTL of any length.
/// </summary>
public sealed class StorageLock(BlobContainerClient container, LockOptions options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private int _containerReady;

    /// <summary>
    /// Takes the lock for <paramref name="lockKey"/> when it is free, expired, or already held by
    /// <paramref name="holderId"/> (a retried activity must not lock itself out). Never waits.
    /// </summary>
    public async Task<LockAttempt> TryAcquireAsync(
        string lockKey, string holderId, string operation, TimeSpan expectedDuration, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        while (true)
        {
            var now = time.GetUtcNow();
            var current = await ReadAsync(blob, cancellationToken);
            if (current is { } held && held.Holder.HolderId != holderId && held.Holder.ExpiresAt > now)
                return new LockAttempt(false, held.Holder, RetryAfterSeconds(held.Holder, now));

            var acquiredAt = current is { } mine && mine.Holder.HolderId == holderId ? mine.Holder.AcquiredAt : now;
            var holder = new LockHolder(holderId, operation, acquiredAt, now + options.TimeToLive, acquiredAt + expectedDuration);
            if (await TryWriteAsync(blob, holder, current?.ETag, cancellationToken))
            {
                // Taken after the write: the previous holder's release happened before this instant.
                var heldSince = holder.HolderId == current?.Holder.HolderId ? holder.AcquiredAt : time.GetUtcNow();
                return new LockAttempt(true, holder, HeldSince: heldSince);
            }
            // Somebody changed the blob between our read and write: read again and decide again.
        }
    }

    /// <summary>Extends the holder's expiry. False when the caller no longer holds the lock.</summary>
    public async Task<bool> RenewAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        while (true)
        {
            var current = await ReadAsync(blob, cancellationToken);
            if (current is not { } held || held.Holder.HolderId != holderId)
                return false;
            var renewed = held.Holder with { ExpiresAt = time.GetUtcNow() + options.TimeToLive };
            if (await TryWriteAsync(blob, renewed, held.ETag, cancellationToken))
                return true;
        }
    }

    /// <summary>Frees the lock if, and only if, <paramref name="holderId"/> holds it.</summary>
    public async Task<LockRelease> ReleaseAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        while (true)
        {
            var current = await ReadAsync(blob, cancellationToken);
            if (current is not { } held)
                return new LockRelease(ReleaseOutcome.NotHeld, time.GetUtcNow(), null);
            if (held.Holder.HolderId != holderId)
                return new LockRelease(ReleaseOutcome.HeldByAnother, time.GetUtcNow(), held.Holder);
            // Taken before the delete: the next holder's write can only succeed after this instant.
            var releasedAt = time.GetUtcNow();
            try
            {
                await blob.DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = held.ETag }, cancellationToken);
                return new LockRelease(ReleaseOutcome.Released, releasedAt, null);
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
            {
                // Changed under us (e.g. renewed by a retried activity): look again.
            }
        }
    }

    /// <summary>The current holder, or null when the lock is free. Expired holders are reported as they are.</summary>
    public async Task<LockHolder?> PeekAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken))?.Holder;
    }

    /// <summary>Seconds a refused caller should wait: until the holder's expected end, at least 1, capped.</summary>
    private int RetryAfterSeconds(LockHolder holder, DateTimeOffset now)
    {
        var untilEnd = holder.ExpectedEndAt - now;
        var seconds = Math.Ceiling(Math.Max(untilEnd.TotalSeconds, 1));
        return (int)Math.Min(seconds, options.MaxRetryAfter.TotalSeconds);
    }

    private async Task<BlobClient> BlobForAsync(string lockKey, CancellationToken cancellationToken)
    {
        LockKey.Validate(lockKey);
        if (Volatile.Read(ref _containerReady) == 0)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref _containerReady, 1);
        }
        return container.GetBlobClient(LockKey.BlobName(lockKey));
    }

    private static async Task<(LockHolder Holder, ETag ETag)?> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            var holder = content.Value.Content.ToObjectFromJson<LockHolder>(Json)
                ?? throw new InvalidDataException($"Lock blob '{blob.Name}' is empty.");
            return (holder, content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task<bool> TryWriteAsync(BlobClient blob, LockHolder holder, ETag? expected, CancellationToken cancellationToken)
    {
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(holder, Json), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict or (int)HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
