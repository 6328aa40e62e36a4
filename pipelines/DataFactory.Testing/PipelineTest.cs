using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;

namespace DataFactory.Testing;

/// <summary>
/// One pipeline under test: where it comes from, its parameters, its stubs. <see cref="RunAsync"/> runs the whole
/// pipeline on the local runner (control flow, expressions, variables, Execute Pipeline) on a virtual clock, and
/// returns what happened. Activities that reach outside the factory (Web, Copy, Lookup, ...) are answered by stubs,
/// or Web activities by a real HTTP handler; one with neither fails the test naming it.
/// </summary>
public sealed class PipelineTest
{
    private readonly Dictionary<string, Pipeline> _pipelines = [];
    private readonly DirectoryInfo? _folder;
    private readonly Dictionary<string, JsonNode?> _parameters = [];
    private readonly Dictionary<string, JsonNode?> _globalParameters;
    private readonly Dictionary<string, Func<ActivityCall, Answer>> _byName = [];
    private readonly Dictionary<string, Func<ActivityCall, Answer>> _byType = [];
    private Func<string, string>? _managedIdentityToken = DefaultManagedIdentityToken;
    private HttpMessageHandler? _http;

    private PipelineTest(Pipeline pipeline, DirectoryInfo? folder, Dictionary<string, JsonNode?> globalParameters)
    {
        Pipeline = pipeline;
        _folder = folder;
        _globalParameters = globalParameters;
    }

    /// <summary>A pipeline's JSON (<c>{ "name", "properties" }</c>, as in a factory's git folder).</summary>
    public static PipelineTest FromJson(string json) => new(PipelineJson.Deserialize(json), null, []);

    /// <summary>
    /// A pipeline file. In Data Factory's git layout (<c>ROOT/pipeline/NAME.json</c>), Execute Pipeline finds the
    /// pipelines beside it and <c>pipeline().globalParameters</c> reads <c>ROOT/factory/*.json</c>'s.
    /// </summary>
    public static PipelineTest FromFile(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new FileNotFoundException($"No pipeline file at {file.FullName}.", file.FullName);
        var pipeline = PipelineJson.Deserialize(File.ReadAllText(file.FullName), file.FullName);
        var factory = GlobalParameters.FactoryFileFor(file);
        var globals = factory is null ? [] : GlobalParameters.Resolve(GlobalParameters.Read(factory), []);
        return new PipelineTest(pipeline, file.Directory, globals);
    }

    /// <summary>The pipeline <paramref name="pipelineName"/> of a factory's git folder (the one holding <c>pipeline/</c> and <c>factory/</c>).</summary>
    public static PipelineTest FromFolder(string factoryFolder, string pipelineName)
    {
        var file = Path.Combine(factoryFolder, "pipeline", pipelineName + ".json");
        if (!File.Exists(file))
        {
            throw new FileNotFoundException(
                $"No pipeline '{pipelineName}' in {Path.GetFullPath(factoryFolder)}: expected {Path.GetFullPath(file)} (Data Factory's git layout).", file);
        }
        return FromFile(file);
    }

    /// <summary>A pipeline of the typed model (e.g. defined in C#).</summary>
    public static PipelineTest For(Pipeline pipeline) => new(pipeline, null, []);

    /// <summary>The token a managed identity (MSI) Web activity gets when the test gives none: <c>test-managed-identity-token:RESOURCE</c>.</summary>
    public static string DefaultManagedIdentityToken(string resource) => "test-managed-identity-token:" + resource;

    public Pipeline Pipeline { get; }

    /// <summary>The test's clock; <see cref="VirtualClock.DefaultStart"/> unless <see cref="StartingAt"/> says otherwise. Runs of one test share it.</summary>
    public VirtualClock Clock { get; private set; } = new();

    /// <summary>The runner's knobs (default activity timeout, poll interval, ForEach batch count); the test sets the rest.</summary>
    public RunnerOptions RunnerOptions { get; set; } = new();

    /// <summary>
    /// Let the clock jump to the next timer when a real request (<see cref="WithHttp"/>) has been out for 200 ms of real
    /// time with nothing else to do, so a request that hangs meets its httpRequestTimeout. Off by default: a real
    /// request takes real milliseconds, which are no virtual time.
    /// </summary>
    public bool AdvanceTimeDuringHttp { get; set; }

    /// <summary>Real time after which a run is stopped (an Until whose activities take no time and never ends loops without waiting).</summary>
    public TimeSpan WallClockLimit { get; set; } = TimeSpan.FromSeconds(30);

    public PipelineTest WithParameter(string name, object? value)
    {
        _parameters[name] = Answer.ToJson(value);
        return this;
    }

    /// <summary>A global parameter (<c>pipeline().globalParameters.NAME</c>); overrides the factory file's value.</summary>
    public PipelineTest WithGlobalParameter(string name, object? value)
    {
        _globalParameters[name] = Answer.ToJson(value);
        return this;
    }

    /// <summary>The factory's managed identity: the bearer token MSI Web activities send, by resource.</summary>
    public PipelineTest WithManagedIdentityToken(Func<string, string> tokenForResource)
    {
        _managedIdentityToken = tokenForResource;
        return this;
    }

    public PipelineTest WithManagedIdentityToken(string token) => WithManagedIdentityToken(_ => token);

    /// <summary>No managed identity: MSI Web activities fail (ManagedIdentityUnavailable), as with <c>adf run</c> given no token.</summary>
    public PipelineTest WithoutManagedIdentity()
    {
        _managedIdentityToken = null;
        return this;
    }

    /// <summary>A pipeline Execute Pipeline may run (besides those of the folder the pipeline came from).</summary>
    public PipelineTest WithPipeline(Pipeline pipeline)
    {
        _pipelines[pipeline.Name] = pipeline;
        return this;
    }

    public PipelineTest WithPipelineJson(string json) => WithPipeline(PipelineJson.Deserialize(json));

    /// <summary>Unstubbed Web activities send their requests through this handler (e.g. a real <c>SocketsHttpHandler</c>, or a test server's).</summary>
    public PipelineTest WithHttp(HttpMessageHandler handler)
    {
        _http = handler;
        return this;
    }

    /// <summary>The clock's start: <c>utcNow()</c> and <c>pipeline().TriggerTime</c> read it.</summary>
    public PipelineTest StartingAt(DateTimeOffset start) => OnClock(new VirtualClock(start));

    /// <summary>Runs on this clock (e.g. one the test read the time from before the run, or shares between runs).</summary>
    public PipelineTest OnClock(VirtualClock clock)
    {
        Clock = clock;
        return this;
    }

    /// <summary>Every call of the activity named <paramref name="activityName"/> (in any pipeline of the run) gets this answer.</summary>
    public PipelineTest Stub(string activityName, Answer answer) => Stub(activityName, _ => answer);

    /// <summary>Each call is answered by the function, which sees the call's evaluated input (assert on it there, or later on the result's calls).</summary>
    public PipelineTest Stub(string activityName, Func<ActivityCall, Answer> answer)
    {
        _byName[activityName] = answer;
        return this;
    }

    /// <summary>The calls are answered in this order (over all runs of this test); a call after the last answer fails the test.</summary>
    public PipelineTest StubSequence(string activityName, params Answer[] answers) => Stub(activityName, Sequence(activityName, answers));

    /// <summary>Every activity of this type (e.g. <c>Copy</c>, <c>WebActivity</c>) without a stub by name gets this answer.</summary>
    public PipelineTest StubType(string activityType, Answer answer) => StubType(activityType, _ => answer);

    public PipelineTest StubType(string activityType, Func<ActivityCall, Answer> answer)
    {
        _byType[activityType] = answer;
        return this;
    }

    /// <summary>
    /// A stub that can never answer is a mistake in the test (a misspelt name, an activity the runner runs itself): it
    /// fails before the run, instead of a run that silently ignores it.
    /// </summary>
    private void CheckStubs()
    {
        var pipelines = new List<Pipeline> { Pipeline };
        pipelines.AddRange(_pipelines.Values);
        // The folder's other pipelines, as Execute Pipeline would read them (one that does not parse is its own run's problem).
        foreach (var file in _folder?.GetFiles("*.json") ?? [])
        {
            try
            {
                pipelines.Add(PipelineJson.Deserialize(File.ReadAllText(file.FullName), file.FullName));
            }
            catch (PipelineFormatException)
            {
            }
        }
        var activities = pipelines.SelectMany(p => p.AllActivities().Select(a => a.Activity)).ToList();
        var where = string.Join(", ", pipelines.Select(p => p.Name).Distinct());
        foreach (var name in _byName.Keys)
        {
            var named = activities.Where(a => a.Name == name).ToList();
            if (named.Count == 0)
                throw new PipelineTestException($"The stub for '{name}' names no activity of {where}.");
            if (!named.Any(Stubbable))
                throw new PipelineTestException($"The stub for '{name}' cannot answer: '{name}' is a {named[0].Type} activity, which runs as in Data Factory. " + StubbableText);
        }
        foreach (var type in _byType.Keys)
        {
            var typed = activities.Where(a => a.Type.Equals(type, StringComparison.OrdinalIgnoreCase)).ToList();
            if (typed.Count == 0)
                throw new PipelineTestException($"The stub for type '{type}' matches no activity of {where}.");
            if (!typed.Any(Stubbable))
                throw new PipelineTestException($"The stub for type '{type}' cannot answer: {type} activities run as in Data Factory. " + StubbableText);
        }
    }

    private static bool Stubbable(Activity activity) => activity is WebActivity or UnknownActivity;

    private const string StubbableText = "Stubs answer Web activities and the activity types the runner does not execute (Copy, Lookup, Azure Function, ...).";

    private static Func<ActivityCall, Answer> Sequence(string target, Answer[] answers)
    {
        var next = 0;
        return call => Interlocked.Increment(ref next) is var n && n <= answers.Length
            ? answers[n - 1]
            : throw new PipelineTestException($"The stub of '{target}' has {answers.Length} answer(s); call {n} ({call.ActivityName}, {call.Scope}) has none. " +
                "Add answers, or stub with a function.");
    }

    /// <summary>
    /// Runs the pipeline to its end on the virtual clock. Throws <see cref="PipelineTestException"/> (or what a stub
    /// threw) when the test's setup was wrong, and when the run did not end within <see cref="WallClockLimit"/>.
    /// </summary>
    public async Task<PipelineTestResult> RunAsync(CancellationToken cancellationToken = default)
    {
        CheckStubs();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stubs = new Stubs(new(_byName), new(_byType), Clock, stop.Cancel);
        var trace = new List<ExpressionEvaluation>();
        IReadOnlyDictionary<string, JsonNode?>? variables = null;
        var runId = Guid.NewGuid().ToString();
        var limitReached = false;
        var folder = _folder;
        var pipelines = new Dictionary<string, Pipeline>(_pipelines);
        var token = _managedIdentityToken;
        var options = RunnerOptions with
        {
            PipelineResolver = name => pipelines.GetValueOrDefault(name) ?? (folder is null ? null : PipelineFolder.Resolver(folder)(name)),
            GlobalParameters = new Dictionary<string, JsonNode?>(_globalParameters),
            ManagedIdentityToken = token is null ? null : (resource, _) => ValueTask.FromResult(token(resource)),
            ExternalActivity = stubs.ExternalAsync,
            ExpressionEvaluated = evaluation =>
            {
                lock (trace)
                    trace.Add(evaluation);
            },
            PipelineRunEnded = (run, values) =>
            {
                if (run.RunId == runId)
                    variables = values;
            },
        };
        var parameters = new Dictionary<string, JsonNode?>(_parameters.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        var run = await RunLoop.RunAsync(async loop =>
        {
            using var http = new StubbingHttpClient(stubs, _http, loop) { Timeout = TimeSpan.FromMinutes(5) };
            return await new PipelineRunner(http, Clock, options).RunAsync(Pipeline, parameters, runId: runId, cancellationToken: stop.Token);
        }, Clock, AdvanceTimeDuringHttp, WallClockLimit, () =>
        {
            limitReached = true;
            stop.Cancel();
        });
        stubs.ThrowSetupError();
        var result = new PipelineTestResult(run, variables ?? new Dictionary<string, JsonNode?>(), stubs.Calls, trace);
        if (limitReached)
        {
            throw new PipelineTestException(
                $"The run of '{Pipeline.Name}' did not end within {WallClockLimit.TotalSeconds:0.#} s of real time (WallClockLimit); it was stopped at " +
                $"{result.Duration} of virtual time. An Until whose activities neither wait nor end the loop runs without end here.\n{result.Describe()}");
        }
        return result;
    }
}
