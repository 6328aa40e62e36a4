using ExclusiveOperations.Locking;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Retries for the lock activities: a brief storage error while acquiring, renewing or releasing must not fail a
/// run whose operation succeeded. Every lock activity is idempotent for its holder (a retried acquire finds its own
/// lock, a retried release finds it free). A lost lock is an answer, not a fault, and a missing lock container does
/// not come back by itself: neither is retried.
/// </summary>
public static class LockActivityRetry
{
    public static readonly TaskOptions Options = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(15))
        {
            HandleFailure = failure => !failure.IsCausedBy<LockLostException>() && !failure.IsCausedBy<LockUnavailableException>(),
        });
}
