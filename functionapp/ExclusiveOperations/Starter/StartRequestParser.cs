using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;

namespace ExclusiveOperations.Starter;

/// <summary>
/// Turns <c>POST /api/operations/{operation}</c> + body into a validated <see cref="OperationRequest"/>,
/// or into a 400/404 that says what was wrong. Shared by the Functions starter and the local host, so
/// both refuse exactly the same inputs.
/// </summary>
public sealed class StartRequestParser(OperationCatalog catalog, QueueOptions? queueOptions = null)
{
    private readonly QueueOptions _queue = queueOptions ?? new QueueOptions();

    public const int MaxBodyBytes = 1024 * 1024;
    public const string LockKeyProperty = "lockKey";
    public const string CallerIdProperty = "callerId";
    public const string RequestIdProperty = "requestId";
    public const string ModeProperty = "mode";
    public const string QueueTimeoutProperty = "queueTimeout";

    /// <param name="query">The <c>lockKey</c> and <c>callerId</c> query parameters, if any: pipelines send them there so
    /// that the body can be the operation's input object exactly as the user wrote it.</param>
    public async Task<StartDecision> ParseAsync(string? operationName, Stream body, StartQuery? query = null, CancellationToken cancellationToken = default)
    {
        var queryLockKey = query?.LockKey;
        if (!OperationName.IsValid(operationName))
            return BadRequest("invalid operation name",
                $"The operation name '{Printable(operationName)}' must be 1-64 characters of A-Z, a-z, 0-9, '-' and '_'.");
        var operation = catalog.Find(operationName!);
        if (operation is null)
            return new StartDecision.Refuse(404, "unknown operation",
                $"No operation is named '{operationName}'. Known operations: {string.Join(", ", catalog.Names.Order())}.");

        var bytes = await ReadBoundedAsync(body, cancellationToken);
        if (bytes is null)
            return BadRequest("body too large", $"The request body is larger than {MaxBodyBytes} bytes (1 MB). Send a smaller input, e.g. a reference to data in storage.");

        JsonObject input;
        if (bytes.Length == 0 || bytes.AsSpan().IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            input = [];
        }
        else
        {
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
                return BadRequest("malformed JSON", "The request body is not valid UTF-8 text; send JSON encoded as UTF-8.");
            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException e)
            {
                return BadRequest("malformed JSON", $"The request body is not valid JSON: {e.Message}");
            }
            if (parsed is not JsonObject obj)
                return BadRequest("body must be a JSON object",
                    $"The request body must be a JSON object such as {{ \"lockKey\": \"k\", ... }}, but was {Kind(parsed)}.");
            input = obj;
        }

        string? bodyLockKey = null;
        if (input.TryGetPropertyValue(LockKeyProperty, out var keyNode))
        {
            if (keyNode is not JsonValue keyValue || !keyValue.TryGetValue<string>(out bodyLockKey))
                return BadRequest("invalid lockKey", $"'{LockKeyProperty}' must be a string, but was {Kind(keyNode)}.");
        }
        if (bodyLockKey is not null && queryLockKey is not null && bodyLockKey != queryLockKey)
        {
            return BadRequest("invalid lockKey",
                $"The body's '{LockKeyProperty}' ('{Printable(bodyLockKey)}') differs from the query's ('{Printable(queryLockKey)}'); send one of them.");
        }
        var lockKey = bodyLockKey ?? queryLockKey ?? operation.Name;
        if (LockKey.Problem(lockKey) is { } problem)
            return BadRequest("invalid lockKey", $"'{LockKeyProperty}': {problem}. Omit it to lock on the operation name.");
        var callerChoseKey = bodyLockKey is not null || queryLockKey is not null;

        if (query?.CallerId is { } callerId && LockKey.Problem(callerId) is { } callerProblem)
            return BadRequest("invalid callerId", $"'{CallerIdProperty}': {callerProblem.Replace("lock key", "caller id")}. Send the same id on every attempt, e.g. the pipeline run id.");

        if (query?.RequestId is { } requestId && LockKey.Problem(requestId) is { } requestProblem)
            return BadRequest("invalid requestId", $"'{RequestIdProperty}': {requestProblem.Replace("lock key", "request id")}. Send the same id when repeating one request, e.g. the pipeline run id and attempt.");

        var mode = query?.Mode is { Length: > 0 } modeText ? modeText.Trim().ToLowerInvariant() : LockMode.Conflict;
        if (mode is not (LockMode.Conflict or LockMode.Queue))
            return BadRequest("invalid mode", $"'{ModeProperty}' is '{Printable(query!.Mode)}'; send '{LockMode.Conflict}' (the default: end with Conflict when the lock is held) or '{LockMode.Queue}' (wait in line for the lock).");
        TimeSpan? queueTimeout = null;
        if (mode == LockMode.Queue)
        {
            queueTimeout = _queue.DefaultQueueTimeout;
            if (query?.QueueTimeout is { } timeoutText)
            {
                var max = _queue.MaxQueueTimeout.TotalSeconds;
                if (!int.TryParse(timeoutText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 1 || seconds > max)
                    return BadRequest("invalid queueTimeout", $"'{QueueTimeoutProperty}' is '{Printable(timeoutText)}'; send whole seconds from 1 to {max:0} (how long the run may wait in line), or omit it for {_queue.DefaultQueueTimeout.TotalSeconds:0}.");
                queueTimeout = TimeSpan.FromSeconds(seconds);
            }
        }
        else if (query?.QueueTimeout is not null)
        {
            return BadRequest("invalid queueTimeout", $"'{QueueTimeoutProperty}' applies only to {ModeProperty}={LockMode.Queue}; a conflict-mode run never waits. Add {ModeProperty}={LockMode.Queue} or omit it.");
        }

        try
        {
            operation.Validate(input);
        }
        catch (OperationInputException e)
        {
            return BadRequest($"invalid input for operation '{operation.Name}'", e.Message);
        }

        if (operation.LockKeyFor(input) is { } derived)
        {
            if (callerChoseKey && lockKey != derived)
            {
                return BadRequest("invalid lockKey",
                    $"Operation '{operation.Name}' locks on a key derived from its input ('{Printable(derived)}'), so that two runs on the same data " +
                    $"never hold different keys; omit '{LockKeyProperty}' or send exactly that.");
            }
            lockKey = derived;
        }

        // A queued run has its place in the lock's line; the conflict-mode wait list's caller id does not apply.
        return mode == LockMode.Queue
            ? new StartDecision.Start(new OperationRequest(operation.Name, lockKey, input, Mode: LockMode.Queue, QueueTimeout: queueTimeout))
            : new StartDecision.Start(new OperationRequest(operation.Name, lockKey, input, query?.CallerId));
    }

    private static StartDecision.Refuse BadRequest(string error, string detail) => new(400, error, detail);

    /// <summary>Reads at most <see cref="MaxBodyBytes"/>; null when the body is larger (whatever Content-Length said).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static string Kind(JsonNode? node) => node is null ? "null" : $"{node.GetValueKind().ToString().ToLowerInvariant()} {Truncate(node.ToJsonString())}";

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static string Printable(string? text)
    {
        if (text is null) return "";
        var builder = new StringBuilder();
        foreach (var c in Truncate(text))
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return builder.ToString();
    }
}

/// <summary>The starter's query parameters.</summary>
/// <param name="LockKey">The lock key (instead of the body's <c>lockKey</c>).</param>
/// <param name="CallerId">Who asks, the same on every attempt: joins the lock's wait list.</param>
/// <param name="RequestId">What makes this request unique (a pipeline run id and its attempt): a repeated POST with the same
/// id returns the instance the first one started instead of starting another.</param>
/// <param name="Mode"><c>conflict</c> (default) or <c>queue</c>, as sent.</param>
/// <param name="QueueTimeout">Queue mode: whole seconds the run may wait for its turn, as sent.</param>
public sealed record StartQuery(string? LockKey, string? CallerId, string? RequestId = null, string? Mode = null, string? QueueTimeout = null);
