namespace ExclusiveOperations.Locking;

/// <summary>Queue-mode settings, bound from configuration section <c>ExclusiveOperations:Queue</c>.</summary>
public sealed class QueueOptions
{
    public const string Section = "ExclusiveOperations:Queue";

    /// <summary>How long a queued run waits for its turn when the start gives no <c>queueTimeout</c>.</summary>
    public TimeSpan DefaultQueueTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest <c>queueTimeout</c> a start may ask for.</summary>
    public TimeSpan MaxQueueTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A queued run whose status nobody polled for this long (the start counts as a poll) is presumed abandoned by its
    /// caller (a cancelled pipeline never says so): it is never handed the lock and leaves the line.
    /// </summary>
    public TimeSpan CallerGoneAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest line per lock key: a run that finds it full ends at once with <c>QueueFull</c>. Bounds the lock blob.</summary>
    public int MaxQueued { get; set; } = 100;

    public void Validate()
    {
        if (DefaultQueueTimeout < TimeSpan.FromSeconds(1) || DefaultQueueTimeout > MaxQueueTimeout)
            throw new InvalidOperationException($"{Section}:DefaultQueueTimeout must be between 1 second and MaxQueueTimeout ({MaxQueueTimeout}) (was {DefaultQueueTimeout}).");
        if (CallerGoneAfter < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException($"{Section}:CallerGoneAfter must be at least 1 second (was {CallerGoneAfter}).");
        if (MaxQueued < 0)
            throw new InvalidOperationException($"{Section}:MaxQueued must not be negative (was {MaxQueued}).");
    }
}
