using Microsoft.Extensions.Logging;

namespace ExclusiveOperations.Locking;

/// <summary>
/// Keeps a lock alive while one long activity runs: renews it through the fence every
/// <see cref="LockFence.RenewEvery"/>, and cancels <see cref="Lost"/> as soon as a renewal finds the lock taken,
/// so the activity stops instead of writing on. Its writes still go through <see cref="StorageLock.FenceAsync"/>:
/// the keeper shortens the time a lost holder keeps working, the fence is what refuses its writes.
/// </summary>
public sealed class LockKeeper : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost;
    private readonly Task _loop;

    private LockKeeper(StorageLock locks, LockFence fence, TimeProvider time, ILogger logger, CancellationToken activityCancelled)
    {
        _lost = CancellationTokenSource.CreateLinkedTokenSource(activityCancelled);
        _loop = RenewAsync(locks, fence, time, logger);
    }

    /// <summary>Cancelled when the lock was found lost (or the activity was cancelled).</summary>
    public CancellationToken Lost => _lost.Token;

    public static LockKeeper Start(StorageLock locks, LockFence fence, TimeProvider time, ILogger logger, CancellationToken activityCancelled = default) =>
        new(locks, fence, time, logger, activityCancelled);

    private async Task RenewAsync(StorageLock locks, LockFence fence, TimeProvider time, ILogger logger)
    {
        // Renewals are due on a fixed cadence from the start: a slow renewal does not push the next one back (a late
        // one is followed a whole period later, not by a burst).
        var due = time.GetUtcNow() + fence.RenewEvery;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, time, _stop.Token);
                var now = time.GetUtcNow();
                due = due + fence.RenewEvery > now ? due + fence.RenewEvery : now + fence.RenewEvery;
                await locks.FenceAsync(fence, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (LockLostException)
            {
                await _lost.CancelAsync();
                return;
            }
            catch (Exception e)
            {
                // A failed renewal is not a lost lock: the next one may succeed well within the lifetime.
                logger.LogWarning(e, "Renewing lock {LockKey} for {HolderId} (generation {Generation}) failed; trying again in {RenewEvery}",
                    fence.LockKey, fence.HolderId, fence.Generation, fence.RenewEvery);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
