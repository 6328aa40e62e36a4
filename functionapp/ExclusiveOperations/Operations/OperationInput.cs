using System.Text.Json.Nodes;

namespace ExclusiveOperations.Operations;

/// <summary>Reading an operation's JSON input with errors that name the field and what was wrong.</summary>
internal static class OperationInput
{
    public static string RequiredString(JsonObject input, string name) =>
        OptionalString(input, name) ?? throw new OperationInputException($"'{name}' is required (a non-empty string).");

    public static string? OptionalString(JsonObject input, string name)
    {
        if (!input.TryGetPropertyValue(name, out var node) || node is null)
            return null;
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
            throw new OperationInputException($"'{name}' must be a string, but was {node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}.");
        if (string.IsNullOrWhiteSpace(text))
            throw new OperationInputException($"'{name}' must not be empty.");
        return text;
    }

    /// <summary>The number, null when absent; refused outside [min, max].</summary>
    public static double? Number(JsonObject input, string name, double min, double max)
    {
        if (!input.TryGetPropertyValue(name, out var node) || node is null)
            return null;
        if (node is not JsonValue value || !value.TryGetValue<double>(out var number))
            throw new OperationInputException($"'{name}' must be a number, but was {node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}.");
        if (double.IsNaN(number) || number < min || number > max)
            throw new OperationInputException($"'{name}' must be between {min} and {max}, but was {number}.");
        return number;
    }
}
