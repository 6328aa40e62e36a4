using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExclusiveOperations.Orchestration;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>compact</c>: merges every blob under <c>prefix</c> of <c>container</c> into one blob (<c>target</c>,
/// default <c>{prefix}compacted</c>) and deletes the parts. Two compactions of one prefix at once would
/// read each other's half-deleted parts, which is why it runs under the lock. The blob work is the
/// <see cref="CompactBlobsActivity"/>.
/// </summary>
public sealed partial class CompactOperation : IExclusiveOperation
{
    public string Name => "compact";

    public void Validate(JsonObject input) => Parse(input);

    // Listing and copying is fast compared with a pipeline's polling; a minute is a fair hint.
    public TimeSpan EstimateDuration(JsonObject input) => TimeSpan.FromMinutes(1);

    public async Task<JsonNode?> RunAsync(OperationContext context)
    {
        var request = Parse(context.Input) with { RunId = context.Orchestration.InstanceId };
        var result = await context.Orchestration.CallActivityAsync<CompactResult>(FunctionNames.CompactBlobs, request);
        return new JsonObject
        {
            ["container"] = request.Container,
            ["target"] = result.Target,
            ["mergedParts"] = result.MergedParts,
            ["bytes"] = result.Bytes,
        };
    }

    private static CompactRequest Parse(JsonObject input)
    {
        var container = RequiredString(input, "container");
        if (!ContainerName().IsMatch(container))
            throw new OperationInputException(
                $"'container' must be a blob container name (3-63 lowercase letters, digits and single hyphens), but was '{container}'.");
        var prefix = RequiredString(input, "prefix");
        var target = OptionalString(input, "target") ?? prefix + "compacted";
        if (target.StartsWith(CompactBlobsActivity.JournalFolder, StringComparison.Ordinal))
            throw new OperationInputException($"'target' must not be under the reserved folder '{CompactBlobsActivity.JournalFolder}'.");
        if (prefix.Length > 512 || target.Length > 1024)
            throw new OperationInputException("'prefix' must be at most 512 characters and 'target' at most 1024.");
        return new CompactRequest(container, prefix, target, RunId: "");
    }

    private static string RequiredString(JsonObject input, string name) =>
        OptionalString(input, name) ?? throw new OperationInputException($"'{name}' is required (a non-empty string).");

    private static string? OptionalString(JsonObject input, string name)
    {
        if (!input.TryGetPropertyValue(name, out var node) || node is null)
            return null;
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
            throw new OperationInputException($"'{name}' must be a string, but was {node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}.");
        if (string.IsNullOrWhiteSpace(text))
            throw new OperationInputException($"'{name}' must not be empty.");
        return text;
    }

    [GeneratedRegex(@"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]\z")]
    private static partial Regex ContainerName();
}
