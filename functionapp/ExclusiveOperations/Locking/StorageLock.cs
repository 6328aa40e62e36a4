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
    /// A caller that gives a <paramref name="callerId"/> (the same on every attempt) joins the lock's wait list:
    /// it is told when its turn should come (the holder's remaining time plus one turn per caller ahead of it),
    /// and a freed lock goes to the first caller of the list. Without a caller id there is no list: first come,
    /// first served, with the holder's expected end as the hint.
    /// </summary>
    public async Task<LockAttempt> TryAcquireAsync(
        string lockKey, string holderId, string operation, TimeSpan expectedDuration, string? callerId = null,
        CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        while (true)
        {
            var now = time.GetUtcNow();
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            state.Waiters.RemoveAll(w => w.ReturnBy < now);
            var holder = state.Holder;
            var mine = holder?.HolderId == holderId;
            var holderLive = holder is not null && !mine && holder.ExpiresAt > now;
            var position = callerId is null ? -1 : state.Waiters.FindIndex(w => w.CallerId == callerId);
            // A freed lock waits for a caller ahead in line only while that caller is not overdue: a late caller
            // must not leave the lock idle (it keeps its place for the next turn).
            var ahead = position < 0 ? state.Waiters : state.Waiters.Take(position);
            var anotherCallersTurn = callerId is not null && ahead.Any(w => now <= w.DueAt + options.TurnReservation);

            if (!mine && (holderLive || anotherCallersTurn))
            {
                if (callerId is null)
                    return new LockAttempt(false, holder, Clamp(holderLive ? (holder!.ExpectedEndAt - now).TotalSeconds : 1));
                if (position < 0)
                {
                    state.Waiters.Add(new LockWaiter(callerId, now, now));
                    position = state.Waiters.Count - 1;
                }
                var turn = (state.AverageHoldSeconds ?? expectedDuration.TotalSeconds) + options.Handover.TotalSeconds;
                var remaining = holderLive ? Math.Max((holder!.ExpectedEndAt - now).TotalSeconds, 0) : 0;
                var retryAfter = Clamp(remaining + position * turn);
                var due = now + TimeSpan.FromSeconds(retryAfter);
                state.Waiters[position] = new LockWaiter(callerId, due, due + options.WaiterGrace);
                if (await TryWriteAsync(blob, state, etag, cancellationToken))
                    return new LockAttempt(false, holderLive ? holder : null, retryAfter);
                continue;
            }

            var acquiredAt = mine ? holder!.AcquiredAt : now;
            if (callerId is not null)
                state.Waiters.RemoveAll(w => w.CallerId == callerId);
            state.Holder = new LockHolder(holderId, operation, acquiredAt, now + options.TimeToLive, acquiredAt + expectedDuration);
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
            {
                // Taken after the write: the previous holder's release happened before this instant.
                var heldSince = mine ? acquiredAt : time.GetUtcNow();
                return new LockAttempt(true, state.Holder, HeldSince: heldSince);
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
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (state.Holder is not { } holder || holder.HolderId != holderId)
                return false;
            state.Holder = holder with { ExpiresAt = time.GetUtcNow() + options.TimeToLive };
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
                return true;
        }
    }

    /// <summary>Frees the lock if, and only if, <paramref name="holderId"/> holds it. The wait list stays.</summary>
    public async Task<LockRelease> ReleaseAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        while (true)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (state.Holder is not { } holder)
                return new LockRelease(ReleaseOutcome.NotHeld, time.GetUtcNow(), null);
            if (holder.HolderId != holderId)
                return new LockRelease(ReleaseOutcome.HeldByAnother, time.GetUtcNow(), holder);
            // Taken before the write: the next holder's write can only succeed after this instant.
            var releasedAt = time.GetUtcNow();
            var held = (releasedAt - holder.AcquiredAt).TotalSeconds;
            state.AverageHoldSeconds = state.AverageHoldSeconds is { } average ? (average + held) / 2 : held;
            state.Holder = null;
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
                return new LockRelease(ReleaseOutcome.Released, releasedAt, null);
        }
    }

    /// <summary>The callers waiting for the lock, first in line first.</summary>
    public async Task<IReadOnlyList<LockWaiter>> WaitersAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Waiters;
    }

    /// <summary>The current holder, or null when the lock is free. Expired holders are reported as they are.</summary>
    public async Task<LockHolder?> PeekAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Holder;
    }

    /// <summary>A retry hint in whole seconds (a Data Factory Wait takes whole seconds): at least 1, capped.</summary>
    private int Clamp(double seconds) => (int)Math.Min(Math.Ceiling(Math.Max(seconds, 1)), options.MaxRetryAfter.TotalSeconds);

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

    /// <summary>The lock's state and ETag; an empty state and no ETag when the blob does not exist yet.</summary>
    private static async Task<(LockState State, ETag? ETag)> ReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            var state = content.Value.Content.ToObjectFromJson<LockState>(Json)
                ?? throw new InvalidDataException($"Lock blob '{blob.Name}' is empty.");
            return (state, content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return (new LockState(), null);
        }
    }

    private static async Task<bool> TryWriteAsync(BlobClient blob, LockState state, ETag? expected, CancellationToken cancellationToken)
    {
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(state, Json), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict or (int)HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
