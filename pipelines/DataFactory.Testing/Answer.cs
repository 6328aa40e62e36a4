using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataFactory.Testing;

/// <summary>What a stubbed activity answers: an output, an HTTP response (Web activities), or a failure.</summary>
public abstract record Answer
{
    private protected Answer()
    {
    }

    /// <summary>
    /// Success with this output (a <see cref="JsonNode"/>, or any value serialized as JSON). A Web activity gets it as
    /// a 200 response's JSON body, so its output is what Data Factory's would be (plus ADFWebActivityResponseHeaders).
    /// </summary>
    public static Answer Ok(object? output = null) => new OkAnswer(ToJson(output));

    /// <summary>
    /// An HTTP response, for Web activities: Data Factory's rules then apply as to a real answer (a 202 with a Location
    /// is polled, each poll another call to the stub; a non-2xx status fails the activity with that status as its error code).
    /// Another activity type takes a 2xx body as its output and fails on any other status.
    /// </summary>
    public static Answer Http(HttpStatusCode status, object? body = null, IReadOnlyDictionary<string, string>? headers = null) =>
        new HttpAnswer(status, ToJson(body), headers ?? new Dictionary<string, string>());

    /// <summary>The activity fails with this error code and message (as a Copy failing, or a Web activity that got no answer).</summary>
    public static Answer Fail(string errorCode, string message) => new FailAnswer(errorCode, message);

    internal static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        _ => JsonSerializer.SerializeToNode(value),
    };
}

internal sealed record OkAnswer(JsonNode? Output) : Answer;

internal sealed record HttpAnswer(HttpStatusCode Status, JsonNode? Body, IReadOnlyDictionary<string, string> Headers) : Answer;

internal sealed record FailAnswer(string ErrorCode, string Message) : Answer;
