using System.Collections.Concurrent;
using System.Diagnostics;
using DataFactory.Pipelines.Model;
using DataFactory.Runner.Run;
using Activity = System.Diagnostics.Activity;

namespace DataFactory.Runner.Tests;

/// <summary>The runner's spans: one trace per run (its id), a span per activity run, per Web call and per 202 poll.</summary>
public sealed class RunnerTelemetryTests : IAsyncLifetime
{
    private readonly RunnerHarness _harness = new();
    private readonly ConcurrentBag<Activity> _spans = [];
    private ActivityListener _listener = null!;
    private ScriptedServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new ScriptedServer();
        // Other tests run at once: the spans of this test's run are told apart by its trace id.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RunnerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _server.DisposeAsync();
        _harness.Dispose();
    }

    [Fact]
    public void A_run_id_names_its_trace_id_and_the_span_id_of_Data_Factory_s_run()
    {
        var context = RunnerTelemetry.ContextOf("1B4E28BA-2FA1-11D2-883F-0016D3CCA427")!.Value;

        Assert.Equal("1b4e28ba2fa111d2883f0016d3cca427", context.TraceId.ToHexString());
        Assert.Equal("883f0016d3cca427", context.SpanId.ToHexString());
        Assert.Equal("00-1b4e28ba2fa111d2883f0016d3cca427-883f0016d3cca427-01", RunnerTelemetry.TraceParentOf("1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
        Assert.Null(RunnerTelemetry.ContextOf("not-a-guid"));
        Assert.Null(RunnerTelemetry.ContextOf(Guid.Empty.ToString()));
    }

    [Fact]
    public async Task A_run_s_spans_form_one_tree_in_the_trace_of_its_run_id_with_a_span_per_poll()
    {
        _server
            .Then(new(202, """{"id":"1"}""", new() { ["Location"] = "{base}/status/1?token=secret-token", ["Retry-After"] = "10" }))
            .Then(new(202, """{"runtimeStatus":"Running"}""", new() { ["Location"] = "{base}/status/1?token=secret-token", ["Retry-After"] = "10" }))
            .Then(new(200, """{"runtimeStatus":"Completed"}"""));
        var pipeline = new Pipeline("P")
        {
            Activities =
            {
                new WebActivity("Call")
                {
                    Method = "POST",
                    Url = new Uri(_server.BaseUrl, "start?code=secret-key").ToString(),
                    Headers = { ["x-functions-key"] = "secret-key" },
                    Body = DfValue.Json(new System.Text.Json.Nodes.JsonObject()),
                },
            },
        };

        var run = await _harness.RunAsync(pipeline);

        Assert.Equal(RunState.Succeeded, run.Status);
        var trace = RunnerTelemetry.ContextOf(run.RunId)!.Value;
        var spans = _spans.Where(s => s.TraceId == trace.TraceId).ToList();
        var root = Assert.Single(spans, s => s.DisplayName == "pipeline run P");
        Assert.Equal(trace.SpanId, root.ParentSpanId);
        Assert.Equal(run.RunId, root.GetTagItem(RunnerTelemetry.PipelineRunId));
        var activity = Assert.Single(spans, s => s.DisplayName == "activity Call");
        Assert.Equal(root.SpanId, activity.ParentSpanId);
        Assert.Equal(2, activity.GetTagItem(RunnerTelemetry.WebPolls));
        var requests = spans.Where(s => s.Kind == ActivityKind.Client).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["POST", "GET (poll)", "GET (poll)"], requests.Select(s => s.DisplayName));
        Assert.All(requests, s => Assert.Equal(activity.SpanId, s.ParentSpanId));
        Assert.Equal([202, 202, 200], requests.Select(s => (int)s.GetTagItem("http.response.status_code")!));
        Assert.Equal(["10"], (string[])requests[1].GetTagItem("http.response.header.retry-after")!);
        // Credentials in URLs are recorded as the run record shows them; headers are not recorded at all.
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), tag => $"{tag.Value}".Contains("secret", StringComparison.Ordinal));
        // The runner sends what the activity's headers say, not its own spans' context.
        Assert.All(_server.Requests, request => Assert.False(request.Headers.ContainsKey("traceparent")));
    }
}
