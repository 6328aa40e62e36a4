using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Shared;

/// <summary>Runs pipelines on virtual time: waits, polling intervals and timeouts pass without real waiting.</summary>
internal sealed class RunnerHarness : IDisposable
{
    private readonly InFlight _inFlight = new() { InnerHandler = new SocketsHttpHandler() };

    public RunnerHarness() => Http = new HttpClient(_inFlight) { Timeout = TimeSpan.FromSeconds(30) };

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    public HttpClient Http { get; }

    /// <summary>
    /// Whether virtual time may pass while an HTTP request is in flight. Off by default: a real request takes
    /// real milliseconds, which must not count as virtual minutes (an httpRequestTimeout would fire at random).
    /// </summary>
    public bool AdvanceDuringRequests { get; set; }
    public Dictionary<string, Pipeline> Pipelines { get; } = [];

    /// <summary>The runner's managed identity token source (MSI Web activities); null: none, as on a machine without one.</summary>
    public Func<string, CancellationToken, ValueTask<string>>? ManagedIdentityToken { get; set; }

    public Dictionary<string, JsonNode?> GlobalParameters { get; } = [];

    /// <param name="step">How much virtual time passes per real millisecond while the run is in progress.</param>
    public async Task<PipelineRun> RunAsync(Pipeline pipeline, Dictionary<string, JsonNode?>? parameters = null, TimeSpan? step = null)
    {
        var runner = new PipelineRunner(Http, Time, new RunnerOptions
        {
            PipelineResolver = name => Pipelines.GetValueOrDefault(name),
            ManagedIdentityToken = ManagedIdentityToken,
            GlobalParameters = GlobalParameters,
        });
        var task = runner.RunAsync(pipeline, parameters);
        while (!task.IsCompleted)
        {
            await Task.Delay(1);
            if (AdvanceDuringRequests || Volatile.Read(ref _inFlight.Count) == 0)
                Time.Advance(step ?? TimeSpan.FromSeconds(1));
        }
        return await task;
    }

    public Task<PipelineRun> RunJsonAsync(string json, Dictionary<string, JsonNode?>? parameters = null, TimeSpan? step = null) =>
        RunAsync(PipelineJson.Deserialize(json), parameters, step);

    public static ActivityRun Only(PipelineRun run, string activity) => Assert.Single(run.ActivityRuns, a => a.ActivityName == activity);

    public void Dispose() => Http.Dispose();

    private sealed class InFlight : DelegatingHandler
    {
        public int Count;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            try
            {
                // Read the body here: HttpClient would otherwise read it after this handler returned, with virtual
                // time running and the request's timeout armed (a loaded machine then saw random RequestTimeouts).
                var response = await base.SendAsync(request, cancellationToken);
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }
            finally
            {
                Interlocked.Decrement(ref Count);
            }
        }
    }
}
