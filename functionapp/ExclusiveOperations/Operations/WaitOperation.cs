using System.Text.Json.Nodes;
using ExclusiveOperations.Orchestration;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>wait</c>: stands for a long external job. Waits <c>seconds</c> on durable timers, holding the lock
/// but no compute (the last second or less excepted: <see cref="WaitRemainderActivity"/>); used by tests, the
/// local environment and benchmarks.
/// </summary>
public sealed class WaitOperation : IExclusiveOperation
{
    public const double MaxSeconds = 7 * 24 * 3600;

    public string Name => "wait";

    public void Validate(JsonObject input) => Seconds(input);

    public TimeSpan EstimateDuration(JsonObject input) => TimeSpan.FromSeconds(Seconds(input));

    public async Task<JsonNode?> RunAsync(OperationContext context)
    {
        var orchestration = context.Orchestration;
        var seconds = Seconds(context.Input);
        var end = orchestration.CurrentUtcDateTime.AddSeconds(seconds);
        // A timer can fire up to a second early (whole-second queue visibility, truncated); what is left then is waited
        // by an activity. A timer a second past the end was measured slower (docs/benchmarks.md).
        while (orchestration.CurrentUtcDateTime < end)
        {
            var remainder = end - orchestration.CurrentUtcDateTime;
            // A second or less: a timer that far away fires at once (its delay is a hair under a second when sent).
            if (remainder <= WaitRemainderActivity.TimerGranularity)
            {
                await orchestration.CallActivityAsync<bool>(FunctionNames.WaitRemainder, remainder, ActivityRetry.Options);
                break;
            }
            var stepEnd = orchestration.CurrentUtcDateTime + context.RenewInterval;
            await orchestration.CreateTimer(stepEnd < end ? stepEnd : end, CancellationToken.None);
            if (stepEnd < end)
                await context.KeepLockAsync();
        }
        return new JsonObject { ["waitedSeconds"] = seconds };
    }

    private static double Seconds(JsonObject input)
    {
        if (!input.TryGetPropertyValue("seconds", out var node) || node is null)
            throw new OperationInputException("'seconds' is required: a number of seconds to wait, e.g. { \"seconds\": 5 }.");
        if (node is not JsonValue value || !value.TryGetValue<double>(out var seconds))
            throw new OperationInputException($"'seconds' must be a number, but was {node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}.");
        if (double.IsNaN(seconds) || seconds < 0 || seconds > MaxSeconds)
            throw new OperationInputException($"'seconds' must be between 0 and {MaxSeconds} (7 days), but was {seconds}.");
        return seconds;
    }
}
