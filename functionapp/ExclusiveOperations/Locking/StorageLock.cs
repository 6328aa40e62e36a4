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
    /// A caller that gives a <paramref name="callerId"/> (the same on every attempt) joins the lock's wait list
    /// and is told when its turn comes (<see cref="TurnPlan"/>); a freed lock is kept for the first caller in line
    /// until that caller is overdue. A caller without a caller id has no place in line: it gets a free lock that
    /// nobody's turn is kept for, else a hint to come back after the holder and every waiting turn.
    /// </summary>
    public async Task<LockAttempt> TryAcquireAsync(
        string lockKey, string holderId, string operation, TimeSpan expectedDuration, string? callerId = null,
        CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var now = time.GetUtcNow();
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            state.Waiters.RemoveAll(w => w.ReturnBy < now);
            var plan = new TurnPlan(state, options, now);
            var holder = state.Holder;
            var mine = holder?.HolderId == holderId;
            var liveHolder = holder is not null && !mine && holder.ExpiresAt > now ? holder : null;
            var position = callerId is null ? -1 : state.Waiters.FindIndex(w => w.CallerId == callerId);
            if (position >= 0)
                plan.RecordReturn(state.Waiters[position]);
            // A freed lock waits for a caller ahead in line only while that caller is not overdue: a late caller
            // must not leave the lock idle (it keeps its place for the next turn).
            var ahead = position < 0 ? state.Waiters : state.Waiters.Take(position);
            var anotherCallersTurn = ahead.Any(plan.HasItsTurnKept);

            if (!mine && (liveHolder is not null || anotherCallersTurn))
            {
                DateTimeOffset retryAt;
                if (callerId is null)
                {
                    retryAt = plan.RetryAtAfterEveryone(liveHolder);
                }
                else
                {
                    if (position < 0)
                    {
                        state.Waiters.Add(new LockWaiter(callerId, now, expectedDuration.TotalSeconds, now));
                        position = state.Waiters.Count - 1;
                    }
                    retryAt = plan.RetryAtFor(position, liveHolder);
                    state.Waiters[position] = new LockWaiter(callerId, retryAt, expectedDuration.TotalSeconds,
                        plan.LatestReturn(retryAt) + options.WaiterGrace);
                }
                if (callerId is null || await TryWriteAsync(blob, state, etag, cancellationToken))
                    return new LockAttempt(false, liveHolder, plan.SecondsUntil(retryAt), RetryAt: retryAt);
                await BackOffAsync(lost, cancellationToken);
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
            await BackOffAsync(lost, cancellationToken);
        }
    }

    /// <summary>Extends the holder's expiry. False when the caller no longer holds the lock.</summary>
    public async Task<bool> RenewAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (state.Holder is not { } holder || holder.HolderId != holderId)
                return false;
            state.Holder = holder with { ExpiresAt = time.GetUtcNow() + options.TimeToLive };
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
                return true;
            await BackOffAsync(lost, cancellationToken);
        }
    }

    /// <summary>Frees the lock if, and only if, <paramref name="holderId"/> holds it. The wait list stays.</summary>
    public async Task<LockRelease> ReleaseAsync(string lockKey, string holderId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            if (state.Holder is not { } holder)
                return new LockRelease(ReleaseOutcome.NotHeld, time.GetUtcNow(), null);
            if (holder.HolderId != holderId)
                return new LockRelease(ReleaseOutcome.HeldByAnother, time.GetUtcNow(), holder);
            // Taken before the write: the next holder's write can only succeed after this instant.
            var releasedAt = time.GetUtcNow();
            new TurnPlan(state, options, releasedAt).RecordHold(holder, releasedAt);
            state.Holder = null;
            if (await TryWriteAsync(blob, state, etag, cancellationToken))
                return new LockRelease(ReleaseOutcome.Released, releasedAt, null);
            await BackOffAsync(lost, cancellationToken);
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

    /// <summary>
    /// After losing a conditional write to another writer: a short random pause, doubling with each loss, so that
    /// many callers asking at once (every waiter writes its place in line) take turns instead of all re-reading and
    /// failing again. Real time on purpose: it spaces storage requests, it is not part of the lock's timing.
    /// </summary>
    private static Task BackOffAsync(int lost, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4 << Math.Min(lost, 5))), cancellationToken);

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
