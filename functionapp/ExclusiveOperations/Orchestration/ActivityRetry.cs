using ExclusiveOperations.Locking;
using Microsoft.DurableTask;

namespace ExclusiveOperations.Orchestration;

/// <summary>
/// Retries for the lock activities and the idempotent operation activities (<c>compact</c>): a brief storage error
/// while acquiring, renewing, releasing or merging must not fail a run whose work would succeed. Every lock activity
/// is idempotent for its holder (a retried acquire finds its own lock, a retried release finds it free), and compact
/// resumes from its journal. Answers are not faults and are never retried: a lost lock, a missing lock container,
/// and a refused precondition (<see cref="InvalidOperationException"/>: a missing data container, a target changed
/// by another writer), which a retry would only meet again.
/// </summary>
public static class ActivityRetry
{
    public static readonly TaskOptions Options = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(15))
        {
            HandleFailure = failure => !failure.IsCausedBy<LockLostException>() && !failure.IsCausedBy<LockUnavailableException>()
                && !failure.IsCausedBy<InvalidOperationException>(),
        });
}
