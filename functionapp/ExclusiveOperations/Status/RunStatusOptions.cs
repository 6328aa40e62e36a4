namespace ExclusiveOperations.Status;

/// <summary>Settings of the status endpoint, bound from configuration section <c>ExclusiveOperations:Status</c>.</summary>
public sealed class RunStatusOptions
{
    public const string Section = "ExclusiveOperations:Status";

    /// <summary>
    /// The longest <c>Retry-After</c> the status endpoint sends: a poller comes back at least this often even when the
    /// operation is expected to run for hours, so a run that ends early (or fails) is seen within this long.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    public void Validate()
    {
        if (MaxRetryAfter < TimeSpan.FromSeconds(1))
            throw new InvalidOperationException($"{Section}:MaxRetryAfter must be at least 1 second (was {MaxRetryAfter}); a poller waits whole seconds.");
    }
}
