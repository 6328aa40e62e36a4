namespace ExclusiveOperations.Locking;

/// <summary>Lock settings, bound from configuration section <c>ExclusiveOperations:Lock</c>.</summary>
public sealed class LockOptions
{
    public const string Section = "ExclusiveOperations:Lock";

    /// <summary>Blob container that holds one lock blob per lock key (in the app's own storage account).</summary>
    public string Container { get; set; } = "exclusive-operation-locks";

    /// <summary>
    /// How long a lock stays valid without renewal; unset: derived from <see cref="MaxQueuePollingInterval"/>
    /// (<see cref="LockTimings.For"/>). A holder that dies loses the lock at most this long after its last renewal.
    /// </summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// The host's longest idle queue poll: host.json's <c>extensions.durableTask.storageProvider.maxQueuePollingInterval</c>
    /// (the Function App reads it from there, <see cref="Hosting.HostJson"/>; the local host sets it from its own).
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = Hosting.HostJson.DefaultMaxQueuePollingInterval;

    /// <summary>
    /// How long an orchestration's messages can wait when its control-queue partition moves to another worker: the
    /// Durable Task Framework's partition lease interval (30 s by default, not a host.json setting; the local host sets
    /// it from its own).
    /// </summary>
    public TimeSpan PartitionLeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The lock's lifetime and renewal period for these settings.</summary>
    public LockTimings Timings => LockTimings.For(MaxQueuePollingInterval, PartitionLeaseInterval, TimeToLive);

    /// <summary>Upper bound of the <c>retryAfterSeconds</c> hint given with a Conflict.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long past its announced return a waiting caller keeps its place in the wait list; a caller that does
    /// not come back by then (a cancelled pipeline) is dropped, so it holds up the others at most this long.
    /// </summary>
    public TimeSpan WaiterGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a freed lock stays kept for the first waiting caller after the latest it was expected back;
    /// past it, the next caller may take the lock rather than leave it idle.
    /// </summary>
    public TimeSpan TurnReservation { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How precisely callers can come back: a Data Factory Wait takes whole seconds, so a pipeline told to come back
    /// at <c>retryAt</c> asks again up to this much later (plus its own latency). Turns are planned with it.
    /// </summary>
    public TimeSpan RetryGranularity { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait list: a caller beyond it gets no place in line (a Conflict saying so, with a hint to come
    /// after everyone), which bounds the lock blob and the work of every lock write.
    /// </summary>
    public int MaxWaiters { get; set; } = 100;

    /// <summary>Slack added to each planned turn for holders that overrun the measured average.</summary>
    public TimeSpan TurnMargin { get; set; } = TimeSpan.FromSeconds(0.25);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Container))
            throw new InvalidOperationException($"{Section}:Container must name a blob container.");
        if (TimeToLive < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException($"{Section}:TimeToLive must be at least 1 second (was {TimeToLive}).");
        if (MaxQueuePollingInterval <= TimeSpan.Zero)
            throw new InvalidOperationException($"{Section}:MaxQueuePollingInterval must be positive (was {MaxQueuePollingInterval}).");
        if (PartitionLeaseInterval < TimeSpan.Zero)
            throw new InvalidOperationException($"{Section}:PartitionLeaseInterval must not be negative (was {PartitionLeaseInterval}).");
        if (Timings.Problem(MaxQueuePollingInterval, PartitionLeaseInterval) is { } problem)
            throw new InvalidOperationException($"{Section}:TimeToLive: {problem}.");
        if (MaxRetryAfter < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException($"{Section}:MaxRetryAfter must be at least 1 second (was {MaxRetryAfter}).");
        if (MaxWaiters < 0)
            throw new InvalidOperationException($"{Section}:MaxWaiters must not be negative (was {MaxWaiters}).");
        foreach (var (name, value) in new[] { (nameof(WaiterGrace), WaiterGrace), (nameof(TurnReservation), TurnReservation), (nameof(RetryGranularity), RetryGranularity), (nameof(TurnMargin), TurnMargin) })
        {
            if (value < TimeSpan.Zero)
                throw new InvalidOperationException($"{Section}:{name} must not be negative (was {value}).");
        }
    }
}
