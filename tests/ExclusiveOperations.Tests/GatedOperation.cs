using System.Text.Json.Nodes;
using ExclusiveOperations.Operations;

namespace ExclusiveOperations.Tests;

/// <summary>A test operation that holds the lock, without renewing it, until the test raises <see cref="OpenEvent"/>.</summary>
internal sealed class GatedOperation : IExclusiveOperation
{
    public const string OperationName = "gated";
    public const string OpenEvent = "open";

    public string Name => OperationName;

    public void Validate(JsonObject input) { }

    public TimeSpan EstimateDuration(JsonObject input) => TimeSpan.FromSeconds(1);

    public async Task<JsonNode?> RunAsync(OperationContext context)
    {
        await context.Orchestration.WaitForExternalEvent<object?>(OpenEvent);
        return null;
    }
}
