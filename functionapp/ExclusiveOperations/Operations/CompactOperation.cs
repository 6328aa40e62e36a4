using System.Text.Json.Nodes;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Orchestration;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>compact</c>: merges every blob under <c>prefix</c> of <c>container</c> into one blob (<c>target</c>,
/// default <c>{prefix}compacted</c>) and deletes the parts. Two compactions of one prefix at once would
/// read each other's half-deleted parts, which is why it runs under the lock, on a key derived from container and
/// prefix (callers cannot choose another). Only containers of <see cref="DataContainers"/> are accepted. The blob work
/// is the <see cref="CompactBlobsActivity"/>.
/// </summary>
public sealed class CompactOperation(DataContainers containers) : IExclusiveOperation
{
    public string Name => "compact";

    public void Validate(JsonObject input) => Parse(input);

    // Listing and copying is fast compared with a pipeline's polling; a minute is a fair hint.
    public TimeSpan EstimateDuration(JsonObject input) => TimeSpan.FromMinutes(1);

    public string? LockKeyFor(JsonObject input)
    {
        var (container, prefix, _) = Parse(input);
        return LockKey.Derived(Name, container, prefix);
    }

    public async Task<JsonNode?> RunAsync(OperationContext context)
    {
        var (container, prefix, target) = Parse(context.Input);
        var request = new CompactRequest(container, prefix, target, context.Orchestration.InstanceId, context.Fence);
        // Safe to retry (the journal makes every step idempotent); a lost lock is not retried.
        var result = await context.Orchestration.CallActivityAsync<CompactResult>(FunctionNames.CompactBlobs, request, ActivityRetry.Options);
        return new JsonObject
        {
            ["container"] = request.Container,
            ["target"] = result.Target,
            ["mergedParts"] = result.MergedParts,
            ["bytes"] = result.Bytes,
            ["keptParts"] = new JsonArray([.. result.KeptParts.Select(p => JsonValue.Create(p))]),
        };
    }

    private (string Container, string Prefix, string Target) Parse(JsonObject input)
    {
        var container = OperationInput.RequiredString(input, "container");
        if (containers.Problem(container) is { } problem)
            throw new OperationInputException(problem);
        var prefix = OperationInput.RequiredString(input, "prefix");
        var target = OperationInput.OptionalString(input, "target") ?? prefix + "compacted";
        if (target.StartsWith(CompactBlobsActivity.JournalFolder, StringComparison.Ordinal))
            throw new OperationInputException($"'target' must not be under the reserved folder '{CompactBlobsActivity.JournalFolder}'.");
        if (prefix.Length > 512 || target.Length > 1024)
            throw new OperationInputException("'prefix' must be at most 512 characters and 'target' at most 1024.");
        return (container, prefix, target);
    }
}
