namespace ContentionReports;

/// <summary>What a pipeline run waits after a Conflict.</summary>
public enum RetryStrategy
{
    /// <summary>The function's <c>retryAfterSeconds</c> hint (pipeline parameter useRetryHint = true).</summary>
    Hint,

    /// <summary>A fixed <c>retryIntervalSeconds</c>: the original write-up's Until + Wait loop.</summary>
    Fixed,
}

/// <summary>The local host's timing profile (docs/configuration.md, LocalHost__Profile).</summary>
public enum HostProfile
{
    /// <summary>Short polling, so local runs are quick.</summary>
    Fast,

    /// <summary>The app's timings in Azure: host.json's queue polling, Azure's partition leases and visibility timeouts.</summary>
    Azure,
}

/// <summary>How a run gets the lock.</summary>
public enum LockMode
{
    /// <summary>RunExclusiveOperation: a held lock answers Conflict at once and the pipeline calls again after a Wait.</summary>
    Conflict,

    /// <summary>RunExclusiveOperationQueued: one call; the run waits in the lock's line and is handed the lock.</summary>
    Queue,
}

/// <param name="Runs">Pipeline runs started at once.</param>
/// <param name="Keys">Lock keys they are spread over (run i uses key i mod Keys).</param>
/// <param name="Seconds">How long each operation (<c>wait</c>) holds its lock.</param>
/// <param name="Strategy">What a run waits after a Conflict.</param>
/// <param name="WaitSeconds">The fixed wait (retryIntervalSeconds) for <see cref="RetryStrategy.Fixed"/>, and the fallback for Hint.</param>
/// <param name="MaxAttempts">The pipeline's bound on attempts (then it fails with LockNotAcquired).</param>
/// <param name="Mode">Conflict (the strategy applies) or queue (one call per run; strategy, wait and attempts do not apply).</param>
/// <param name="JitterSeconds">The fixed wait's jitter (retryJitterSeconds); null: the pipeline's default.</param>
/// <param name="Profile">The local host's timings: fast (the default) or azure (the app's timings in Azure).</param>
public sealed record ScenarioOptions(int Runs, int Keys, double Seconds, RetryStrategy Strategy, int WaitSeconds, int MaxAttempts, LockMode Mode = LockMode.Conflict,
    int? JitterSeconds = null, HostProfile Profile = HostProfile.Fast)
{
    /// <summary>The host's settings for <see cref="Profile"/> (the host's LocalHost:Profile).</summary>
    public IReadOnlyDictionary<string, string>? HostSettings => Profile == HostProfile.Azure
        ? new Dictionary<string, string> { ["LocalHost:Profile"] = "azure" }
        : null;

    /// <summary>The scenario's folder and column name: its label, the keys when more than one, and the profile unless it is the fast one.</summary>
    public string Name => Label + (Keys > 1 ? $"-{Keys}keys" : "") + (Profile == HostProfile.Azure ? "-azure" : "");

    /// <summary>The generated pipeline each mode runs.</summary>
    public string DefaultPipelinePath => Path.Combine("pipelines", "generated", "pipeline",
        Mode == LockMode.Queue ? "RunExclusiveOperationQueued.json" : "RunExclusiveOperation.json");

    /// <summary>What the scenario is called in reports: fixed, hint or queue.</summary>
    public string Label => Mode == LockMode.Queue ? "queue" : Strategy.ToString().ToLowerInvariant();

    /// <summary>What is wrong with the options, one sentence each naming the option; empty when they are fine.</summary>
    /// <param name="maxRuns">The most runs the caller can take (real processes: 500; the simulator: far more).</param>
    public List<string> Problems(int maxRuns = 500)
    {
        var problems = new List<string>();
        if (Runs < 1 || Runs > maxRuns) problems.Add($"--runs must be between 1 and {maxRuns} (was {Runs}).");
        if (Keys < 1) problems.Add($"--keys must be at least 1 (was {Keys}).");
        if (Seconds is < 0 or > 3600) problems.Add($"--seconds must be between 0 and 3600 (was {Seconds}).");
        if (WaitSeconds < 1) problems.Add($"--wait-seconds must be at least 1 (was {WaitSeconds}).");
        if (JitterSeconds < 0) problems.Add($"--jitter-seconds must be at least 0 (was {JitterSeconds}).");
        if (MaxAttempts < 1) problems.Add($"--max-attempts must be at least 1 (was {MaxAttempts}).");
        return problems;
    }

    public string KeyOf(int run) => $"key-{(run - 1) % Keys + 1}";
}
