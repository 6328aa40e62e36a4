using System.Diagnostics;
using System.Net;
using DataFactory.Runner.Run;

namespace DataFactory.Testing.Tests;

public sealed class PipelineTestTests
{
    /// <summary>An Until around a Web call and, while the answer is not OK, a Wait of one hour.</summary>
    private const string WaitForOk = """
        {
          "name": "WaitForOk",
          "properties": {
            "parameters": { "baseUrl": { "type": "String", "defaultValue": "https://api.example.com" } },
            "variables": { "status": { "type": "String" } },
            "activities": [
              {
                "name": "Until OK", "type": "Until",
                "typeProperties": {
                  "expression": { "value": "@equals(variables('status'), 'OK')", "type": "Expression" },
                  "timeout": "1.00:00:00",
                  "activities": [
                    {
                      "name": "Call", "type": "WebActivity",
                      "typeProperties": {
                        "method": "POST",
                        "url": { "value": "@concat(pipeline().parameters.baseUrl, '/jobs?attempt=', string(add(length(coalesce(variables('status'), '')), 0)))", "type": "Expression" },
                        "headers": { "x-caller": "@pipeline().Pipeline" },
                        "body": { "job": "nightly" }
                      }
                    },
                    {
                      "name": "Set Status", "type": "SetVariable",
                      "dependsOn": [ { "activity": "Call", "dependencyConditions": [ "Succeeded" ] } ],
                      "typeProperties": { "variableName": "status", "value": "@activity('Call').output.status" }
                    },
                    {
                      "name": "If Not OK", "type": "IfCondition",
                      "dependsOn": [ { "activity": "Set Status", "dependencyConditions": [ "Succeeded" ] } ],
                      "typeProperties": {
                        "expression": { "value": "@not(equals(variables('status'), 'OK'))", "type": "Expression" },
                        "ifTrueActivities": [ { "name": "Wait An Hour", "type": "Wait", "typeProperties": { "waitTimeInSeconds": 3600 } } ]
                      }
                    }
                  ]
                }
              }
            ]
          }
        }
        """;

    [Fact]
    public async Task Conflict_twice_then_OK_makes_three_calls_and_two_one_hour_waits_in_virtual_time_in_well_under_a_second()
    {
        PipelineTest Test() => PipelineTest.FromJson(WaitForOk)
            .StubSequence("Call", Answer.Ok(new { status = "Conflict" }), Answer.Ok(new { status = "Conflict" }), Answer.Ok(new { status = "OK" }));
        // The first run in a process pays for compiling the runner (JIT); the run itself is what is timed.
        await Test().RunAsync();
        var clock = Stopwatch.StartNew();
        var result = await Test().RunAsync();
        clock.Stop();

        Assert.Equal(RunState.Succeeded, result.Status);
        Assert.Equal(3, result.CallsTo("Call").Count);
        var waits = result.RunsOf("Wait An Hour");
        Assert.Equal(2, waits.Count);
        Assert.All(waits, w => Assert.Equal(TimeSpan.FromHours(1), w.ActivityRunEnd - w.ActivityRunStart));
        Assert.Equal(TimeSpan.FromHours(2), result.Duration);
        Assert.Equal([1, 2, 3], result.RunsOf("Call").Select(c => c.Iteration));
        Assert.Equal("OK", result.Variables["status"]!.GetValue<string>());
        // The two hours were not waited; how few milliseconds it takes is a benchmark's business, not a test's.
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"took {clock.Elapsed} of real time");
    }

    [Fact]
    public async Task A_stub_function_sees_the_request_as_evaluated_url_body_and_headers()
    {
        var result = await PipelineTest.FromJson(WaitForOk)
            .WithParameter("baseUrl", "https://jobs.test")
            .Stub("Call", call => Answer.Ok(new { status = call.CallNumber < 2 ? "Conflict" : "OK" }))
            .RunAsync();

        var calls = result.CallsTo("Call");
        Assert.Equal(["https://jobs.test/jobs?attempt=0", "https://jobs.test/jobs?attempt=8"], calls.Select(c => c.Url));
        Assert.All(calls, c =>
        {
            Assert.Equal("POST", c.Input!["method"]!.GetValue<string>());
            Assert.Equal("""{"job":"nightly"}""", c.Input["body"]!.ToJsonString());
            Assert.Equal("WaitForOk", c.Input["headers"]!["x-caller"]!.GetValue<string>());
        });
        Assert.Equal(result.Start + TimeSpan.FromHours(1), calls[1].Time);
    }

    [Fact]
    public async Task A_sequence_used_up_fails_the_test_naming_the_activity()
    {
        var test = PipelineTest.FromJson(WaitForOk).StubSequence("Call", Answer.Ok(new { status = "Conflict" }));

        var error = await Assert.ThrowsAsync<PipelineTestException>(() => test.RunAsync());

        Assert.Contains("The stub of 'Call' has 1 answer(s); call 2", error.Message);
    }

    [Fact]
    public async Task An_unstubbed_web_activity_fails_the_test_naming_it()
    {
        var error = await Assert.ThrowsAsync<PipelineTestException>(() => PipelineTest.FromJson(WaitForOk).RunAsync());

        Assert.Contains("Web activity 'Call' has no stub (POST https://api.example.com/jobs?attempt=0)", error.Message);
        Assert.Contains(".WithHttp(handler)", error.Message);
    }

    [Fact]
    public async Task What_a_stub_function_throws_is_what_the_test_sees()
    {
        var test = PipelineTest.FromJson(WaitForOk).Stub("Call", call => throw new InvalidOperationException($"unexpected {call.Url}"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => test.RunAsync());

        Assert.Equal("unexpected https://api.example.com/jobs?attempt=0", error.Message);
    }

    [Theory]
    [InlineData("Cal", null, "The stub for 'Cal' names no activity of WaitForOk.")]
    [InlineData("Set Status", null, "The stub for 'Set Status' cannot answer: 'Set Status' is a SetVariable activity, which runs as in Data Factory.")]
    [InlineData(null, "Copy", "The stub for type 'Copy' matches no activity of WaitForOk.")]
    [InlineData(null, "wait", "The stub for type 'wait' cannot answer: wait activities run as in Data Factory.")]
    public async Task A_stub_that_could_never_answer_fails_the_test_before_the_run(string? name, string? type, string message)
    {
        var test = PipelineTest.FromJson(WaitForOk).Stub("Call", Answer.Ok(new { status = "OK" }));
        if (name is not null)
            test.Stub(name, Answer.Ok());
        if (type is not null)
            test.StubType(type, Answer.Ok());

        var error = await Assert.ThrowsAsync<PipelineTestException>(() => test.RunAsync());

        Assert.StartsWith(message, error.Message);
    }

    private const string CopyThenLookup = """
        {
          "name": "CopySales",
          "properties": {
            "parameters": { "day": { "type": "String" } },
            "variables": { "rows": { "type": "Integer" } },
            "activities": [
              {
                "name": "Copy Sales", "type": "Copy",
                "policy": { "retry": 2, "retryIntervalInSeconds": 60 },
                "typeProperties": {
                  "source": { "type": "AzureSqlSource", "sqlReaderQuery": { "value": "@concat('select * from sales where day = ''', pipeline().parameters.day, '''')", "type": "Expression" } },
                  "sink": { "type": "ParquetSink" }
                }
              },
              {
                "name": "Keep Rows", "type": "SetVariable",
                "dependsOn": [ { "activity": "Copy Sales", "dependencyConditions": [ "Succeeded" ] } ],
                "typeProperties": { "variableName": "rows", "value": "@activity('Copy Sales').output.rowsCopied" }
              },
              {
                "name": "Return", "type": "SetVariable",
                "dependsOn": [ { "activity": "Keep Rows", "dependencyConditions": [ "Succeeded" ] } ],
                "typeProperties": {
                  "variableName": "pipelineReturnValue", "setSystemVariable": true,
                  "value": [ { "key": "rows", "value": { "type": "Expression", "content": "@variables('rows')" } } ]
                }
              }
            ]
          }
        }
        """;

    [Fact]
    public async Task Any_activity_type_is_stubbed_with_its_evaluated_type_properties_and_retried_by_its_policy_in_virtual_time()
    {
        var result = await PipelineTest.FromJson(CopyThenLookup)
            .WithParameter("day", "2026-01-01")
            .StubSequence("Copy Sales", Answer.Fail("2200", "The source timed out"), Answer.Ok(new { rowsCopied = 42 }))
            .RunAsync();

        result.EnsureSucceeded();
        Assert.Equal("select * from sales where day = '2026-01-01'", result.CallsTo("Copy Sales")[0].Input!["source"]!["sqlReaderQuery"]!.GetValue<string>());
        var copies = result.RunsOf("Copy Sales");
        Assert.Equal([RunState.Failed, RunState.Succeeded], copies.Select(c => c.Status));
        Assert.Equal("2200", copies[0].Error!.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(60), copies[1].ActivityRunStart - copies[0].ActivityRunEnd);
        Assert.Equal(42, result.Variables["rows"]!.GetValue<long>());
        Assert.Equal("""{"rows":42}""", result.ReturnValue!.ToJsonString());
    }

    [Fact]
    public async Task A_stub_by_type_answers_every_activity_of_that_type()
    {
        var result = await PipelineTest.FromJson(CopyThenLookup).WithParameter("day", "d").StubType("Copy", Answer.Ok(new { rowsCopied = 1 })).RunAsync();

        Assert.Equal(RunState.Succeeded, result.Status);
        Assert.Equal("Copy", Assert.Single(result.Calls).ActivityType);
    }

    [Fact]
    public async Task An_unstubbed_activity_of_a_type_the_runner_does_not_execute_fails_the_test_naming_it()
    {
        var error = await Assert.ThrowsAsync<PipelineTestException>(() => PipelineTest.FromJson(CopyThenLookup).WithParameter("day", "d").RunAsync());

        Assert.StartsWith("Activity 'Copy Sales' (Copy) has no stub", error.Message);
        Assert.Contains(".StubType(\"Copy\"", error.Message);
    }

    [Fact]
    public async Task A_web_stub_answering_202_is_polled_at_its_location_after_its_Retry_After_and_a_non_2xx_fails_with_the_status()
    {
        var result = await PipelineTest.FromJson(WaitForOk)
            .StubSequence("Call",
                Answer.Http(HttpStatusCode.Accepted, new { id = "j1" }, new Dictionary<string, string> { ["Location"] = "https://api.example.com/jobs/j1", ["Retry-After"] = "30" }),
                Answer.Http(HttpStatusCode.Conflict, new { error = "busy" }),
                Answer.Http(HttpStatusCode.OK, new { status = "OK" }))
            .RunAsync();

        var calls = result.CallsTo("Call");
        Assert.Equal([false, true, false], calls.Select(c => c.IsStatusPoll));
        Assert.Equal("https://api.example.com/jobs/j1", calls[1].Url);
        Assert.Equal(TimeSpan.FromSeconds(30), calls[1].Time - calls[0].Time);
        var runs = result.RunsOf("Call");
        Assert.Equal("409", runs[0].Error!.ErrorCode);
        Assert.Equal(RunState.Succeeded, runs[1].Status);
        // A failed call leaves the status unset: no Wait, the loop goes round again at once.
        Assert.Empty(result.RunsOf("Wait An Hour"));
        Assert.Equal(RunState.Succeeded, result.Status);
    }

    [Fact]
    public async Task A_managed_identity_web_activity_sends_the_tests_token_for_its_resource()
    {
        const string json = """
            { "name": "Msi", "properties": { "activities": [ { "name": "Keys", "type": "WebActivity", "typeProperties": {
              "method": "POST", "url": "https://management.azure.com/x/listkeys",
              "authentication": { "type": "MSI", "resource": "https://management.azure.com/" } } } ] } }
            """;

        var byDefault = await PipelineTest.FromJson(json).Stub("Keys", Answer.Ok()).RunAsync();
        var given = await PipelineTest.FromJson(json).WithManagedIdentityToken(resource => "t-" + resource.Length).Stub("Keys", Answer.Ok()).RunAsync();

        Assert.Equal("Bearer test-managed-identity-token:https://management.azure.com/", Assert.Single(byDefault.Calls).Input!["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal("Bearer t-29", Assert.Single(given.Calls).Input!["headers"]!["Authorization"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_activity_timeout_ends_a_web_activity_that_is_still_polling_in_virtual_time_and_its_retry_starts_after_the_interval()
    {
        const string json = """
            { "name": "Poll", "properties": { "activities": [ { "name": "Job", "type": "WebActivity",
              "policy": { "timeout": "0.00:10:00", "retry": 1, "retryIntervalInSeconds": 120 },
              "typeProperties": { "method": "POST", "url": "https://api.example.com/jobs" } } ] } }
            """;
        var running = Answer.Http(HttpStatusCode.Accepted, null, new Dictionary<string, string> { ["Location"] = "https://api.example.com/jobs/1", ["Retry-After"] = "60" });

        var result = await PipelineTest.FromJson(json).Stub("Job", running).RunAsync();

        var runs = result.RunsOf("Job");
        Assert.Equal(["ActivityTimedOut", "ActivityTimedOut"], runs.Select(r => r.Error!.ErrorCode));
        Assert.All(runs, r => Assert.Equal(TimeSpan.FromMinutes(10), r.ActivityRunEnd - r.ActivityRunStart));
        Assert.Equal(TimeSpan.FromMinutes(2), runs[1].ActivityRunStart - runs[0].ActivityRunEnd);
        // Each attempt: the call, then a poll a minute until the timeout (the tenth poll would be at 10 min).
        Assert.Equal(20, result.CallsTo("Job").Count);
    }

    private const string Clocked = """
        {
          "name": "Clocked",
          "properties": {
            "variables": { "at": { "type": "String" } },
            "activities": [
              { "name": "Nap", "type": "Wait", "typeProperties": { "waitTimeInSeconds": 5400 } },
              { "name": "Note Time", "type": "SetVariable", "dependsOn": [ { "activity": "Nap", "dependencyConditions": [ "Succeeded" ] } ],
                "typeProperties": { "variableName": "at", "value": "@utcNow()" } },
              { "name": "Never", "type": "Until", "typeProperties": { "expression": { "value": "@equals(1, 2)", "type": "Expression" }, "timeout": "0.03:00:00",
                "activities": [ { "name": "Tick", "type": "Wait", "typeProperties": { "waitTimeInSeconds": 3600 } } ] } }
            ]
          }
        }
        """;

    [Fact]
    public async Task UtcNow_Waits_and_Until_timeouts_run_on_the_tests_clock()
    {
        var result = await PipelineTest.FromJson(Clocked).StartingAt(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero)).RunAsync();

        Assert.Equal("2030-06-01T13:30:00.0000000Z", result.Variables["at"]!.GetValue<string>());
        var never = result.SingleRun("Never");
        Assert.Equal("ActivityTimedOut", never.Error!.ErrorCode);
        Assert.Equal(TimeSpan.FromHours(3), never.ActivityRunEnd - never.ActivityRunStart);
        Assert.Equal(RunState.Failed, result.Status);
        Assert.Equal(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero), result.Start);
    }

    [Fact]
    public async Task A_run_that_loops_without_waiting_is_stopped_at_the_wall_clock_limit_saying_why()
    {
        const string json = """
            { "name": "Spin", "properties": { "variables": { "n": { "type": "String" } }, "activities": [ { "name": "Forever", "type": "Until",
              "typeProperties": { "expression": { "value": "@equals(1, 2)", "type": "Expression" },
                "activities": [ { "name": "Touch", "type": "SetVariable", "typeProperties": { "variableName": "n", "value": "x" } } ] } } ] } }
            """;
        var test = PipelineTest.FromJson(json);
        test.WallClockLimit = TimeSpan.FromMilliseconds(300);

        var error = await Assert.ThrowsAsync<PipelineTestException>(() => test.RunAsync());

        Assert.Contains("did not end within 0.3 s of real time (WallClockLimit)", error.Message);
    }

    [Fact]
    public async Task A_failed_run_is_described_with_the_trace_of_its_failing_expression()
    {
        const string json = """
            { "name": "Broken", "properties": { "variables": { "v": { "type": "String" } }, "activities": [ { "name": "Read", "type": "SetVariable",
              "typeProperties": { "variableName": "v", "value": "@string(pipeline().parameters.missing)" } } ] } }
            """;

        var result = await PipelineTest.FromJson(json).RunAsync();

        Assert.Equal(RunState.Failed, result.Status);
        var failing = Assert.Single(result.Trace, t => t.Error is not null);
        Assert.Equal(("Read", "@string(pipeline().parameters.missing)"), (failing.ActivityName, failing.Expression));
        var error = Assert.Throws<PipelineTestException>(() => result.EnsureSucceeded());
        Assert.Contains("Read: @string(pipeline().parameters.missing) => ERROR The object has no property 'missing'", error.Message);
    }

    [Fact]
    public async Task A_factory_folder_resolves_execute_pipeline_and_global_parameters()
    {
        var root = Directory.CreateTempSubdirectory("factory-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "pipeline"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "factory"));
            File.WriteAllText(Path.Combine(root.FullName, "factory", "f1.json"),
                """{ "name": "f1", "properties": { "globalParameters": { "env": { "type": "String", "value": "prod" } } } }""");
            File.WriteAllText(Path.Combine(root.FullName, "pipeline", "Parent.json"), """
                { "name": "Parent", "properties": { "activities": [ { "name": "Run Child", "type": "ExecutePipeline", "typeProperties": {
                  "pipeline": { "referenceName": "Child", "type": "PipelineReference" }, "waitOnCompletion": true,
                  "parameters": { "who": "@pipeline().globalParameters.env" } } } ] } }
                """);
            File.WriteAllText(Path.Combine(root.FullName, "pipeline", "Child.json"), """
                { "name": "Child", "properties": { "parameters": { "who": { "type": "String" } }, "activities": [ { "name": "Ping", "type": "WebActivity",
                  "typeProperties": { "method": "GET", "url": "@concat('https://', pipeline().parameters.who, '.example.com/ping')" } } ] } }
                """);

            var fromFile = await PipelineTest.FromFolder(root.FullName, "Parent").Stub("Ping", Answer.Ok()).RunAsync();
            var overridden = await PipelineTest.FromFolder(root.FullName, "Parent").WithGlobalParameter("env", "test").Stub("Ping", Answer.Ok()).RunAsync();

            Assert.Equal(RunState.Succeeded, fromFile.Status);
            Assert.Equal("https://prod.example.com/ping", Assert.Single(fromFile.Calls).Url);
            Assert.Equal("https://test.example.com/ping", Assert.Single(overridden.Calls).Url);
            Assert.Equal("Run Child>Child/", fromFile.SingleRun("Ping").Scope);
            Assert.Contains("No pipeline 'Nope'", Assert.Throws<FileNotFoundException>(() => PipelineTest.FromFolder(root.FullName, "Nope")).Message);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unstubbed_web_activities_go_to_the_tests_http_handler()
    {
        var handler = new Recording();

        var result = await PipelineTest.FromJson(WaitForOk).WithHttp(handler).RunAsync();

        Assert.Equal(RunState.Succeeded, result.Status);
        Assert.Equal(["https://api.example.com/jobs?attempt=0"], handler.Urls);
        Assert.Empty(result.Calls); // no stub was called
    }

    private sealed class Recording : HttpMessageHandler
    {
        public List<string> Urls { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Urls.Add(request.RequestUri!.ToString());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"status":"OK"}""") });
        }
    }

    [Fact]
    public void The_clock_fires_timers_in_order_each_at_its_time()
    {
        var clock = new VirtualClock();
        var fired = new List<(string, TimeSpan)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.Elapsed)), null, TimeSpan.FromMinutes(2), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.Elapsed)), null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal([("early", TimeSpan.FromMinutes(1)), ("late", TimeSpan.FromMinutes(2))], fired);
        Assert.Equal(TimeSpan.FromMinutes(5), clock.Elapsed);
    }
}
