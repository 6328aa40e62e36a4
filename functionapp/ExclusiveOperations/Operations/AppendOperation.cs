using System.Text.Json.Nodes;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Orchestration;

namespace ExclusiveOperations.Operations;

/// <summary>
/// <c>append</c>: <c>{ "container", "blob", "entries", "intervalSeconds"? }</c> appends <c>entries</c> lines to a
/// shared append blob, one every <c>intervalSeconds</c>, each recording who wrote it under which lock generation.
/// Stands for a long job with side effects on shared state, as <c>wait</c> stands for one without: it shows the
/// fence at work (a writer that lost its lock cannot append any more). Its lock key is derived from container and blob.
/// </summary>
public sealed class AppendOperation(DataContainers containers) : IExclusiveOperation
{
    public const int MaxEntries = 10_000;
    public const double MaxIntervalSeconds = 60;

    public string Name => "append";

    public void Validate(JsonObject input) => Parse(input, "");

    public TimeSpan EstimateDuration(JsonObject input)
    {
        var request = Parse(input, "");
        return TimeSpan.FromSeconds(request.Entries * request.IntervalSeconds);
    }

    public string? LockKeyFor(JsonObject input)
    {
        var request = Parse(input, "");
        return LockKey.Derived(Name, request.Container, request.Blob);
    }

    public async Task<JsonNode?> RunAsync(OperationContext context)
    {
        var request = Parse(context.Input, context.Orchestration.InstanceId) with { Fence = context.Fence };
        var appended = await context.Orchestration.CallActivityAsync<int>(FunctionNames.AppendEntries, request);
        return new JsonObject { ["container"] = request.Container, ["blob"] = request.Blob, ["appended"] = appended };
    }

    private AppendRequest Parse(JsonObject input, string instanceId)
    {
        var container = OperationInput.RequiredString(input, "container");
        if (containers.Problem(container) is { } problem)
            throw new OperationInputException(problem);
        var blob = OperationInput.RequiredString(input, "blob");
        if (blob.Length > 1024)
            throw new OperationInputException("'blob' must be at most 1024 characters.");
        var entries = OperationInput.Number(input, "entries", 1, MaxEntries) ?? throw new OperationInputException($"'entries' is required: 1 to {MaxEntries}.");
        if (entries != Math.Floor(entries))
            throw new OperationInputException($"'entries' must be a whole number, but was {entries}.");
        var interval = OperationInput.Number(input, "intervalSeconds", 0, MaxIntervalSeconds) ?? 1;
        return new AppendRequest(container, blob, (int)entries, interval, instanceId, Fence: null!);
    }
}

/// <param name="Fence">The lock's fencing token: every append is conditional on it.</param>
public sealed record AppendRequest(string Container, string Blob, int Entries, double IntervalSeconds, string InstanceId, LockFence Fence);
