using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Runner.Run;

namespace DataFactory.Testing;

/// <summary>A test setup error (an unstubbed activity, a stub's answers used up, a stub that threw); the run's result would not mean anything.</summary>
public sealed class PipelineTestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The stubs of a test, by activity name or type, and the calls of one run.</summary>
internal sealed class Stubs(Dictionary<string, Func<ActivityCall, Answer>> byName, Dictionary<string, Func<ActivityCall, Answer>> byType, TimeProvider time,
    Action stopRun)
{
    private readonly object _gate = new();
    private readonly List<ActivityCall> _calls = [];
    private readonly HashSet<ActivityRun> _webRunsSeen = [];
    private ExceptionDispatchInfo? _setupError;

    public IReadOnlyList<ActivityCall> Calls
    {
        get
        {
            lock (_gate)
                return [.. _calls];
        }
    }

    /// <summary>Throws the first setup error of the run (after it ended), as it was thrown: a stub's failed assertion reads as itself.</summary>
    public void ThrowSetupError() => _setupError?.Throw();

    public Func<ActivityCall, Answer>? For(string name, string type) =>
        byName.GetValueOrDefault(name) ?? byType.FirstOrDefault(t => t.Key.Equals(type, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The runner's <see cref="RunnerOptions.ExternalActivity"/>: activities of types it does not execute.</summary>
    public ValueTask<JsonNode?> ExternalAsync(ExternalActivityCall external, CancellationToken cancellationToken)
    {
        var run = external.Run;
        var call = Record(run, external.Input, isPoll: false);
        var stub = For(run.ActivityName, run.ActivityType)
            ?? throw SetupError(run, new PipelineTestException(
                $"Activity '{run.ActivityName}' ({run.ActivityType}) has no stub, and the runner cannot execute its type. " +
                $"Stub it: .Stub(\"{run.ActivityName}\", Answer.Ok(output)), or every {run.ActivityType} activity: .StubType(\"{run.ActivityType}\", ...)."));
        return Answer(run, call, stub) switch
        {
            OkAnswer ok => ValueTask.FromResult(ok.Output),
            FailAnswer fail => throw Failed(run, fail.ErrorCode, fail.Message),
            HttpAnswer { Status: var status } http when (int)status is >= 200 and < 300 => ValueTask.FromResult(http.Body),
            HttpAnswer http => throw Failed(run, ((int)http.Status).ToString(), $"The stub answered {(int)http.Status} {http.Status}: {http.Body?.ToJsonString()}"),
            var other => throw new InvalidOperationException($"Unknown answer {other}"),
        };
    }

    /// <summary>A Web activity's request: the stub's answer as an HTTP response, or null when the activity has no stub.</summary>
    public async Task<HttpResponseMessage?> WebAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(PipelineRunner.ActivityRunOption, out var run))
            throw new PipelineTestException($"A request to {request.RequestUri} came from no Web activity.");
        var stub = For(run.ActivityName, run.ActivityType);
        if (stub is null)
            return null;
        bool isPoll;
        lock (_gate)
            isPoll = !_webRunsSeen.Add(run);
        var call = Record(run, await DescribeAsync(request, cancellationToken), isPoll);
        switch (Answer(run, call, stub))
        {
            case OkAnswer ok:
                return Response(HttpStatusCode.OK, ok.Output, new Dictionary<string, string>());
            case HttpAnswer http:
                return Response(http.Status, http.Body, http.Headers);
            case FailAnswer fail:
                throw Failed(run, fail.ErrorCode, fail.Message);
            default:
                throw new InvalidOperationException("Unknown answer");
        }
    }

    /// <summary>A Web activity with neither a stub nor an HTTP handler to send it to.</summary>
    public Exception Unstubbed(HttpRequestMessage request)
    {
        var run = request.Options.TryGetValue(PipelineRunner.ActivityRunOption, out var r) ? r : null;
        var name = run?.ActivityName ?? "?";
        var error = new PipelineTestException(
            $"Web activity '{name}' has no stub ({request.Method} {request.RequestUri}). Stub it: .Stub(\"{name}\", Answer.Ok(body)), " +
            "or send unstubbed Web activities to a real handler: .WithHttp(handler).");
        return run is null ? error : SetupError(run, error);
    }

    private ActivityCall Record(ActivityRun run, JsonNode? input, bool isPoll)
    {
        lock (_gate)
        {
            var call = new ActivityCall
            {
                ActivityName = run.ActivityName,
                ActivityType = run.ActivityType,
                Input = input,
                CallNumber = _calls.Count(c => c.ActivityName == run.ActivityName) + 1,
                Attempt = run.Attempt,
                Scope = run.Scope,
                Iteration = run.Iteration,
                IsStatusPoll = isPoll,
                Time = time.GetUtcNow(),
            };
            _calls.Add(call);
            return call;
        }
    }

    private Answer Answer(ActivityRun run, ActivityCall call, Func<ActivityCall, Answer> stub)
    {
        try
        {
            return stub(call);
        }
        catch (Exception e)
        {
            throw SetupError(run, e);
        }
    }

    /// <summary>
    /// Keeps the error, which the test's RunAsync throws, and stops the run: what follows would not mean anything (an Until
    /// around the activity would loop until the wall clock limit). The activity fails, so the run record shows why.
    /// </summary>
    private ActivityFailedException SetupError(ActivityRun run, Exception error)
    {
        lock (_gate)
            _setupError ??= ExceptionDispatchInfo.Capture(error);
        stopRun();
        return Failed(run, "TestSetupError", error.Message);
    }

    private static ActivityFailedException Failed(ActivityRun run, string code, string message) =>
        new(new RunError(code, message, "UserError", run.ActivityName));

    private static async Task<JsonNode> DescribeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
            headers[name] = string.Join(",", values);
        JsonNode? body = null;
        if (request.Content is not null)
        {
            var text = await request.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                body = text;
            }
        }
        return new JsonObject
        {
            ["method"] = request.Method.Method,
            ["url"] = request.RequestUri?.ToString(),
            ["headers"] = headers,
            ["body"] = body,
        };
    }

    private static HttpResponseMessage Response(HttpStatusCode status, JsonNode? body, IReadOnlyDictionary<string, string> headers)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent(body?.ToJsonString() ?? "", Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
                response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }
}

/// <summary>
/// The runner's HTTP: a Web activity's request goes to its stub, else to the test's handler, else fails naming the
/// activity; every request is run as outside work of the loop (the clock waits for it).
/// </summary>
internal sealed class StubbingHttpClient(Stubs stubs, HttpMessageHandler? real, RunLoop loop)
    : HttpClient(new StubHandler(stubs, real), disposeHandler: true)
{
    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        loop.Outside(base.SendAsync(request, cancellationToken));

    /// <summary>The test's handler is the test's: it outlives each run's client.</summary>
    private sealed class StubHandler(Stubs stubs, HttpMessageHandler? real) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker? _real = real is null ? null : new HttpMessageInvoker(real, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (await stubs.WebAsync(request, cancellationToken) is { } stubbed)
                return stubbed;
            if (_real is null)
                throw stubs.Unstubbed(request);
            var response = await _real.SendAsync(request, cancellationToken);
            // Read the body while the request still counts as outside work: HttpClient would read it later otherwise.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
    }
}
