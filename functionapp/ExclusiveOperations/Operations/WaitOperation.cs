using System.Text.Json.Nodes;
using ExclusiveOperations.Orchestration;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>wait</c>: stands for a long external job. Waits <c>seconds</c> on durable timers, holding the lock
/// but no compute (the last second or less excepted: <see cref="DurableDelay"/>); used by tests, the
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
        while (orchestration.CurrentUtcDateTime < end)
        {
            var stepEnd = orchestration.CurrentUtcDateTime + context.RenewInterval;
            await DurableDelay.UntilAsync(orchestration, stepEnd < end ? stepEnd : end);
            if (stepEnd < end)
                await context.KeepLockAsync();
        }
        return new JsonObject { ["waitedSeconds"] = seconds };
    }

    private static double Seconds(JsonObject input)
    {
        if (!input.TryGetPropertyValue("seconds", out var node) || node is null)
            throw new OperationInputException("'seconds' is required: a number of seconds to wait, e.g. { \"seconds\": 5 }.");
        // By its JSON: a value built in code as an int does not convert to double through TryGetValue.
        if (node.GetValueKind() != System.Text.Json.JsonValueKind.Number
            || !double.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            throw new OperationInputException($"'seconds' must be a number, but was {node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}.");
        if (double.IsNaN(seconds) || seconds < 0 || seconds > MaxSeconds)
            throw new OperationInputException($"'seconds' must be between 0 and {MaxSeconds} (7 days), but was {seconds}.");
        return seconds;
    }
}
