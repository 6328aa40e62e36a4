using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;
using DataFactory.Testing;

namespace Tests.Shared;

/// <summary>
/// The runner's own tests' shape over DataFactory.Testing: each run is a <see cref="PipelineTest"/> on one shared
/// virtual clock, whose Web activities go to real servers (the scripted ones) instead of stubs.
/// </summary>
internal sealed class RunnerHarness : IDisposable
{
    private readonly SocketsHttpHandler _http = new();

    public VirtualClock Time { get; } = new();

    /// <summary>Let virtual time pass while a request is out (<see cref="PipelineTest.AdvanceTimeDuringHttp"/>): for requests that hang.</summary>
    public bool AdvanceDuringRequests { get; set; }

    public Dictionary<string, Pipeline> Pipelines { get; } = [];

    /// <summary>The factory's managed identity token source; null: none, as on a machine without one.</summary>
    public Func<string, string>? ManagedIdentityToken { get; set; }

    public Dictionary<string, JsonNode?> GlobalParameters { get; } = [];

    public async Task<PipelineRun> RunAsync(Pipeline pipeline, Dictionary<string, JsonNode?>? parameters = null)
    {
        var test = PipelineTest.For(pipeline).OnClock(Time).WithHttp(_http);
        test.AdvanceTimeDuringHttp = AdvanceDuringRequests;
        foreach (var child in Pipelines.Values)
            test.WithPipeline(child);
        foreach (var (name, value) in parameters ?? [])
            test.WithParameter(name, value);
        foreach (var (name, value) in GlobalParameters)
            test.WithGlobalParameter(name, value);
        if (ManagedIdentityToken is { } source)
            test.WithManagedIdentityToken(source);
        else
            test.WithoutManagedIdentity();
        return (await test.RunAsync()).Run;
    }

    public Task<PipelineRun> RunJsonAsync(string json, Dictionary<string, JsonNode?>? parameters = null) =>
        RunAsync(PipelineJson.Deserialize(json), parameters);

    public static ActivityRun Only(PipelineRun run, string activity) => Assert.Single(run.ActivityRuns, a => a.ActivityName == activity);

    public void Dispose() => _http.Dispose();
}
