using ExclusiveOperations.LocalHost;

namespace ExclusiveOperations.LocalEnvironment;

/// <summary>How callers behave after a Conflict.</summary>
public enum RetryStrategy
{
    /// <summary>Wait the function's <c>retryAfterSeconds</c> hint.</summary>
    Hint,

    /// <summary>Wait a fixed number of seconds (the original write-up's Until + Wait loop).</summary>
    Fixed,
}

/// <param name="Runs">How many callers start at once.</param>
/// <param name="Keys">Over how many lock keys they are spread (run i uses key i mod Keys).</param>
/// <param name="Seconds">How long each operation (<c>wait</c>) holds its lock.</param>
/// <param name="Strategy">What a caller waits after a Conflict.</param>
/// <param name="WaitSeconds">The fixed wait, for <see cref="RetryStrategy.Fixed"/>.</param>
/// <param name="MaxAttempts">A caller gives up after this many attempts (the pipeline's bounded Until).</param>
public sealed record ScenarioOptions(int Runs, int Keys, double Seconds, RetryStrategy Strategy, double WaitSeconds, int MaxAttempts)
{
    /// <summary>What is wrong with the options, one sentence each naming the option; empty when they are fine.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (Runs is < 1 or > 500) problems.Add($"--runs must be between 1 and 500 (was {Runs}).");
        if (Keys < 1) problems.Add($"--keys must be at least 1 (was {Keys}).");
        if (Seconds is < 0 or > 3600) problems.Add($"--seconds must be between 0 and 3600 (was {Seconds}).");
        if (WaitSeconds < 0) problems.Add($"--wait-seconds must not be negative (was {WaitSeconds}).");
        if (MaxAttempts < 1) problems.Add($"--max-attempts must be at least 1 (was {MaxAttempts}).");
        return problems;
    }
}

/// <summary>One call of the operation and how it ended.</summary>
public sealed record Attempt(int Number, DateTimeOffset StartedAt, DateTimeOffset EndedAt, DurableHttpClient.Run Run);

/// <summary>One caller: it asks until it gets OK (or gives up), as a pipeline's Until loop does.</summary>
public sealed record CallerResult(int RunNumber, string LockKey, IReadOnlyList<Attempt> Attempts)
{
    public bool Succeeded => Attempts.Count > 0 && Attempts[^1].Run.OutcomeStatus == "OK";
    public Attempt? Winning => Succeeded ? Attempts[^1] : null;
}

/// <summary>
/// Many callers asking for the same exclusive operation at once, each retrying after a Conflict until it
/// gets OK: the protocol of the product, driven over HTTP against the local function host.
/// </summary>
public sealed class ContentionScenario(DurableHttpClient client, Uri host, ScenarioOptions options)
{
    public event Action<CallerResult, Attempt>? AttemptFinished;

    public async Task<IReadOnlyList<CallerResult>> RunAsync(CancellationToken cancellationToken)
    {
        var callers = Enumerable.Range(1, options.Runs).Select(run => Task.Run(() => CallAsync(run, cancellationToken), cancellationToken));
        return await Task.WhenAll(callers);
    }

    private async Task<CallerResult> CallAsync(int run, CancellationToken cancellationToken)
    {
        var key = $"key-{(run - 1) % options.Keys + 1}";
        var attempts = new List<Attempt>();
        var result = new CallerResult(run, key, attempts);
        while (attempts.Count < options.MaxAttempts)
        {
            var startedAt = DateTimeOffset.UtcNow;
            var outcome = await client.RunAsync(host, "wait", new { seconds = options.Seconds, lockKey = key }, cancellationToken: cancellationToken);
            var attempt = new Attempt(attempts.Count + 1, startedAt, DateTimeOffset.UtcNow, outcome);
            attempts.Add(attempt);
            AttemptFinished?.Invoke(result, attempt);
            if (outcome.OutcomeStatus != "Conflict")
                break; // OK, or a failed orchestration: never retry a failure.
            var wait = options.Strategy == RetryStrategy.Hint ? outcome.RetryAfterSeconds ?? options.WaitSeconds : options.WaitSeconds;
            await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken);
        }
        return result;
    }
}
