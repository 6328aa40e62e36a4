namespace ExclusiveOperations.Status;

/// <summary>Settings of the status endpoint, bound from configuration section <c>ExclusiveOperations:Status</c>.</summary>
public sealed class RunStatusOptions
{
    public const string Section = "ExclusiveOperations:Status";

    /// <summary>
    /// The longest hold: below Data Factory's Web activity <c>httpRequestTimeout</c> (default 1 min) and the Functions
    /// HTTP timeout (230 s) with room to spare, so a held poll is never cut off.
    /// </summary>
    public static readonly TimeSpan MaxHoldPollFor = TimeSpan.FromSeconds(30);

    /// <summary>The shortest re-read interval during a hold: each re-read is a read of the task hub.</summary>
    public static readonly TimeSpan MinHoldPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The longest <c>Retry-After</c> the status endpoint sends: a poller comes back at least this often even when the
    /// operation is expected to run for hours, so a run that ends early (or fails) is seen within this long.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A poll of a run expected to finish (or to decide OK or Conflict) within this long is held until the run finishes
    /// or the hold runs out, instead of answering 202 at once: the poller learns of the end when it happens, not up to a
    /// whole-second <c>Retry-After</c> later. Zero disables holds.
    /// </summary>
    public TimeSpan HoldPollFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a held poll re-reads the run at most: before the expected change, and once the change is overdue by
    /// four times this (sooner after the change is due: <see cref="RunStatus.NextReadAfter"/>).</summary>
    public TimeSpan HoldPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// On a host that announces its commits (<see cref="RunCommits.Announced"/>, the local host), how often a held poll
    /// re-reads the run anyway: for a run that another host on the same task hub processes (scale-out).
    /// </summary>
    public TimeSpan AnnouncedHoldPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (MaxRetryAfter < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException($"{Section}:MaxRetryAfter must be at least 1 second (was {MaxRetryAfter}); a poller waits whole seconds.");
        if (HoldPollFor < TimeSpan.Zero || HoldPollFor > MaxHoldPollFor)
            throw new InvalidOperationException(
                $"{Section}:HoldPollFor must be between 0 (no holds) and {MaxHoldPollFor} (was {HoldPollFor}); a longer hold risks the poller's HTTP timeout.");
        if (HoldPollInterval < MinHoldPollInterval)
            throw new InvalidOperationException(
                $"{Section}:HoldPollInterval must be at least {MinHoldPollInterval} (was {HoldPollInterval}); every re-read is a read of the task hub.");
        if (AnnouncedHoldPollInterval < MinHoldPollInterval)
            throw new InvalidOperationException(
                $"{Section}:AnnouncedHoldPollInterval must be at least {MinHoldPollInterval} (was {AnnouncedHoldPollInterval}); every re-read is a read of the task hub.");
    }
}
