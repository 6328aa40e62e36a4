using System.Net;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ExclusiveOperations.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExclusiveOperations.Locking;

/// <summary>
/// One lock per lock key, stored as a small JSON blob in Azure Storage and changed only by conditional
/// writes (If-None-Match: * to create, If-Match: ETag to take over or release). Every Function App
/// instance shares it through the storage account, so acquisition is atomic across a scale-out.
/// A blob lease was the other option; leases last at most 60 s unless infinite, so a long operation
/// would need a renewer running outside any activity, and an infinite lease never frees a dead holder.
/// An expiry time inside the blob, renewed between steps, gives a TTL of any length.
/// </summary>
/// <remarks>
/// Queue mode (<see cref="JoinQueueAsync"/>, <see cref="CheckTurnAsync"/>): runs wait in a line inside the lock blob, first come
/// first served, and every release hands the lock to the first eligible one in the same conditional write.
/// </remarks>
public sealed class StorageLock(
    BlobContainerClient container, LockOptions options, TimeProvider time, ILogger<StorageLock>? logger = null,
    QueueOptions? queueOptions = null, RunPolls? polls = null)
{
    /// <summary>
    /// Conditional writes lost in a row before giving up: with the doubling back-off (capped at 128 ms) that is
    /// several seconds of nothing but other writers winning, which means something is wrong, not busy.
    /// </summary>
    public const int MaxLostWrites = 40;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ILogger _log = logger ?? (ILogger)NullLogger.Instance;
    private readonly QueueOptions _queue = queueOptions ?? new QueueOptions();
    private readonly RunPolls _polls = polls ?? new RunPolls(container);
    private int _containerReady;

    /// <summary>
    /// Conflict mode (<see cref="LockProtocol.Acquire"/>): takes the lock for <paramref name="lockKey"/> when it is free,
    /// expired, or already held by <paramref name="holderId"/>; a caller with a <paramref name="callerId"/> joins the wait
    /// list and is told when its turn comes (<see cref="TurnPlan"/>). Never waits.
    /// </summary>
    /// <param name="lifetime">How long the lock lives without renewal; the orchestration's own (from its input), else the options'.</param>
    public async Task<LockAttempt> TryAcquireAsync(
        string lockKey, string holderId, string operation, TimeSpan expectedDuration, string? callerId = null,
        TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        var request = new AcquireRequest(holderId, operation, expectedDuration, callerId, lifetime ?? options.Timings.Lifetime);
        var attempt = await ApplyAsync(lockKey, (protocol, state, now, polls) => protocol.Acquire(state, request, now, polls), cancellationToken);
        // Taken after the write: the previous holder's release happened before this instant.
        return attempt.Acquired && attempt.HeldSince is null ? attempt with { HeldSince = time.GetUtcNow() } : attempt;
    }

    /// <summary>
    /// The fence check (<see cref="LockProtocol.Fence"/>): renews the lock if, and only if, it still holds
    /// <paramref name="fence"/>'s holder and generation, so the caller may act for one more lifetime from the instant
    /// before the write; else throws <see cref="LockLostException"/> and the caller must not act. Returns the new expiry.
    /// </summary>
    public async Task<DateTimeOffset> FenceAsync(LockFence fence, CancellationToken cancellationToken = default)
    {
        var renewed = await ApplyAsync(fence.LockKey, (protocol, state, now, _) => protocol.Fence(state, fence, now), cancellationToken);
        if (renewed is null)
        {
            var current = await PeekAsync(fence.LockKey, cancellationToken);
            _log.LogWarning("Lock {LockKey} fence refused {HolderId} (generation {Generation}): now held by {CurrentHolder} (generation {CurrentGeneration})",
                fence.LockKey, fence.HolderId, fence.Generation, current?.HolderId, current?.Generation);
            throw new LockLostException(
                $"The lock for key '{fence.LockKey}' is no longer held by '{fence.HolderId}' with generation {fence.Generation} " +
                $"(now: {(current is null ? "free" : $"'{current.HolderId}', generation {current.Generation}")}); its lifetime ran out and the write was refused.");
        }
        return renewed.Value;
    }

    /// <summary>
    /// Frees the lock if, and only if, <paramref name="holderId"/> holds it, and in the same write hands it to the first
    /// eligible queued run (<see cref="LockProtocol.Release"/>), which the caller must then tell (<see cref="LockRelease.HandedTo"/>).
    /// </summary>
    public Task<LockRelease> ReleaseAsync(string lockKey, string holderId, CancellationToken cancellationToken = default) =>
        ApplyAsync(lockKey, (protocol, state, now, polls) => protocol.Release(state, holderId, now, polls), cancellationToken);

    /// <summary>
    /// Queue mode (<see cref="LockProtocol.JoinQueue"/>): takes the lock at once when it is free or expired and no eligible
    /// run is queued ahead, else puts the run at the end of the line. Never waits. The run then waits for a release to hand
    /// it the lock, or checks its turn (<see cref="CheckTurnAsync"/>).
    /// </summary>
    /// <param name="startedAt">When the run started (its caller counts as polling from then on).</param>
    /// <param name="deadline">When its queueTimeout runs out.</param>
    public Task<QueueTurn> JoinQueueAsync(
        string lockKey, string instanceId, string operation, TimeSpan expectedDuration, TimeSpan lifetime, DateTimeOffset startedAt,
        DateTimeOffset deadline, CancellationToken cancellationToken = default)
    {
        var request = new QueueRequest(instanceId, operation, expectedDuration, lifetime, startedAt, deadline);
        return ApplyAsync(lockKey, (protocol, state, now, polls) => protocol.JoinQueue(state, request, now, polls), cancellationToken);
    }

    /// <summary>
    /// Queue mode, when a waiting run's timer fires (no handover came): <see cref="LockProtocol.CheckTurn"/>. Idempotent.
    /// </summary>
    public Task<QueueTurn> CheckTurnAsync(
        string lockKey, string instanceId, string operation, TimeSpan expectedDuration, TimeSpan lifetime, DateTimeOffset deadline,
        CancellationToken cancellationToken = default)
    {
        // The start instant only matters to a join (a run checking its turn is in line with its own).
        var request = new QueueRequest(instanceId, operation, expectedDuration, lifetime, default, deadline);
        return ApplyAsync(lockKey, (protocol, state, now, polls) => protocol.CheckTurn(state, request, now, polls), cancellationToken);
    }

    /// <summary>When something is next expected to change for <paramref name="instanceId"/> (<see cref="LockProtocol.ExpectedTurn"/>),
    /// for the status endpoint's Retry-After.</summary>
    public async Task<ExpectedTurn?> ExpectedTurnAsync(string lockKey, string instanceId, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        var (state, _) = await ReadAsync(blob, cancellationToken);
        return LockProtocol.ExpectedTurn(state, instanceId, time.GetUtcNow());
    }

    /// <summary>The queue-mode runs waiting for the lock, first in line first.</summary>
    public async Task<IReadOnlyList<QueuedRun>> QueueAsync(string lockKey, CancellationToken cancellationToken = default)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        return (await ReadAsync(blob, cancellationToken)).State.Queue;
    }

    /// <summary>
    /// The one storage loop: reads the lock blob, takes the time (after the read: every change already in the blob
    /// happened before it), lets the protocol decide (reading the poll records the decision asks for, one at a time),
    /// and writes the decided state conditionally on the ETag read; a lost write backs off and decides again on a
    /// fresh read, within <see cref="MaxLostWrites"/>. Logs the decision's events once its write succeeded.
    /// </summary>
    private async Task<T> ApplyAsync<T>(
        string lockKey, Func<LockProtocol, LockState, DateTimeOffset, IPollView, LockStep<T>> decide, CancellationToken cancellationToken)
    {
        var blob = await BlobForAsync(lockKey, cancellationToken);
        var protocol = new LockProtocol(lockKey, options, _queue);
        for (var lost = 1; ; lost++)
        {
            var (state, etag) = await ReadAsync(blob, cancellationToken);
            var now = time.GetUtcNow();
            var polls = new ReadPolls();
            LockStep<T> step;
            while ((step = decide(protocol, state, now, polls)).NeedsPollOf is { } instanceId)
                polls.Known[instanceId] = await _polls.LastAsync(instanceId, cancellationToken);
            if (step.Write is null || await TryWriteAsync(blob, step.Write, etag, cancellationToken))
            {
                foreach (var log in step.Logs)
                    log(_log);
                return step.Answer;
            }
            // Somebody changed the blob between our read and write: read again and decide again.
            await BackOffAsync(lockKey, lost, cancellationToken);
        }
    }

    /// <summary>The poll records read so far for one decision.</summary>
    private sealed class ReadPolls : IPollView
    {
        public Dictionary<string, DateTimeOffset?> Known { get; } = [];

        public bool TryGetLast(string instanceId, out DateTimeOffset? lastPoll) => Known.TryGetValue(instanceId, out lastPoll);
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
    private static Task BackOffAsync(string lockKey, int lost, CancellationToken cancellationToken)
    {
        if (lost >= MaxLostWrites)
        {
            throw new LockUnavailableException(
                $"Gave up on the lock for key '{lockKey}' after losing {lost} conditional writes in a row to other writers; " +
                "retry later (if it persists, something rewrites the lock blob continuously).");
        }
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4 << Math.Min(lost, 5))), cancellationToken);
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
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound && e.ErrorCode != BlobErrorCode.ContainerNotFound)
        {
            return (new LockState(), null);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw ContainerGone(blob, e);
        }
    }

    /// <summary>False when another writer won (the ETag moved, or the blob was created meanwhile): read again and decide again.</summary>
    private static async Task<bool> TryWriteAsync(BlobClient blob, LockState state, ETag? expected, CancellationToken cancellationToken)
    {
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(state, Json), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Not a lost race: re-reading would find the same missing container forever.
            throw ContainerGone(blob, e);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict or (int)HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// The container is not re-created on the fly: the locks it held (and their generations) are gone, so a holder
    /// could still be running; an operator must look before locks are handed out again.
    /// </summary>
    private static LockUnavailableException ContainerGone(BlobClient blob, Exception inner) => new(
        $"The lock container '{blob.BlobContainerName}' does not exist (was it deleted?), so lock '{blob.Name}' cannot be read or written. " +
        "Make sure no operation still runs, then restart the app (it creates the container) or create the container.", inner);
}
