using System.Text.Json.Nodes;
using Azure;
using Smoke;

namespace LocalEnvironment.Tests;

/// <summary>
/// The smoke run's code path (ARM client, Data Factory REST operations, summaries, exit codes) against the local
/// host's ARM-shaped API: the generated pipeline run by the local runner against the real function code.
/// </summary>
public sealed class SmokeAgainstLocalFactoryTests(LocalFactoryFixture fixture) : IClassFixture<LocalFactoryFixture>
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private static SmokeOptions Options(int runs, string lockKey, double seconds, int? maxAttempts = null) =>
        new("RunExclusiveOperation", runs, lockKey, "wait", new JsonObject { ["seconds"] = seconds }, maxAttempts, Poll, TimeSpan.FromMinutes(5), null);

    [Fact]
    public async Task Runs_that_cannot_take_the_lock_in_their_one_attempt_fail_and_the_exit_code_and_message_name_the_activity_and_its_error()
    {
        var output = new StringWriter();
        // Two runs at once on one key, one attempt each, 10 s operations: the second finds the lock held.
        var (exitCode, runs) = await new SmokeRun(fixture.Factory, Options(2, "failing-" + Guid.NewGuid().ToString("N")[..6], 10, maxAttempts: 1), output, TimeProvider.System)
            .RunAsync(CancellationToken.None);

        Assert.Equal(1, exitCode);
        var failed = Assert.Single(runs, r => !r.Succeeded);
        Assert.Single(runs, r => r.Succeeded);
        Assert.Equal("Failed", failed.Status);
        Assert.Equal("Operation Not Completed", failed.FailedActivity);
        Assert.StartsWith("LockNotAcquired: Operation wait could not take its lock after 1 attempt(s)", failed.Error);
        Assert.Equal((1, 1), (failed.Attempts, failed.Conflicts));
        Assert.Contains($"FAILED run {failed.Number} ({failed.RunId}) Failed: activity 'Operation Not Completed' failed: LockNotAcquired: ", output.ToString());
        Assert.Contains("1/2 runs succeeded", output.ToString());
    }

    [Fact]
    public async Task Queued_runs_call_once_each_and_the_second_waits_in_line_for_the_first()
    {
        var output = new StringWriter();
        var options = Options(2, "queued-" + Guid.NewGuid().ToString("N")[..6], 5) with { Pipeline = "RunExclusiveOperationQueued" };

        var (exitCode, runs) = await new SmokeRun(fixture.Factory, options, output, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.All(runs, r => Assert.Equal((true, 1, 0), (r.Succeeded, r.Attempts, r.Conflicts)));
        // One of them held the lock 5 s while the other waited in line (its queuedSeconds), even if it started a little later.
        Assert.InRange(runs.Max(r => r.WaitSeconds), 1.0, 60);
        Assert.Contains("2/2 runs succeeded, 0 conflicts, 2 attempts", output.ToString());
    }

    [Fact]
    public async Task A_run_cancelled_through_the_API_ends_Cancelled_and_fails_the_smoke_run()
    {
        var output = new LockedWriter();
        var lockKey = "cancelled-" + Guid.NewGuid().ToString("N")[..6];
        var smoke = new SmokeRun(fixture.Factory, Options(1, lockKey, 120), output, TimeProvider.System).RunAsync(CancellationToken.None);

        var runId = await WaitForAsync(() => System.Text.RegularExpressions.Regex.Match(output.Text, "run 1: started ([0-9a-f-]{36})") is { Success: true } m ? m.Groups[1].Value : null);
        // Cancel while the Web activity is polling the 120 s operation: it starts right after "Store Attempt" ends (the
        // API lists activity runs once they end), so a margin of 2 s is plenty even on a loaded machine.
        await WaitForAsync(async () => (await fixture.Factory.QueryActivityRunsAsync(runId, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
            .Any(a => a["activityName"]?.GetValue<string>() == "Store Attempt") ? true : (bool?)null);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("InProgress", (await fixture.Factory.GetRunAsync(runId, CancellationToken.None))["status"]!.GetValue<string>());
        await fixture.Factory.CancelAsync(runId, CancellationToken.None);

        var (exitCode, runs) = await smoke.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, exitCode);
        var run = Assert.Single(runs);
        Assert.Equal("Cancelled", run.Status);
        Assert.Equal("the run was cancelled", run.Error);
        Assert.Contains($"FAILED run 1 ({runId}) Cancelled: the run was cancelled", output.Text);
        var call = Assert.Single(await fixture.Factory.QueryActivityRunsAsync(runId, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None),
            a => a["activityName"]?.GetValue<string>() == RunSummary.CallFunction);
        Assert.Equal("Cancelled", call["status"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_run_still_in_progress_at_the_timeout_fails_the_smoke_run_and_says_so()
    {
        var output = new StringWriter();
        var options = Options(1, "slow-" + Guid.NewGuid().ToString("N")[..6], 60) with { Timeout = TimeSpan.FromSeconds(3) };
        var (exitCode, runs) = await new SmokeRun(fixture.Factory, options, output, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(1, exitCode);
        var run = Assert.Single(runs);
        Assert.Equal("TimedOut", run.Status);
        Assert.Equal("still InProgress after 0.1 min (--timeout-minutes)", run.Error);
        Assert.Contains("giving up on it (it keeps running in the factory)", output.ToString());
        await fixture.Factory.CancelAsync(run.RunId, CancellationToken.None);
    }

    [Fact]
    public async Task The_API_refuses_like_ARM_a_missing_pipeline_and_unknown_parameters()
    {
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => fixture.Factory.CreateRunAsync("NoSuchPipeline", [], CancellationToken.None));
        Assert.Equal((404, "PipelineNotFound"), (missing.Status, missing.ErrorCode));

        var unknown = await Assert.ThrowsAsync<RequestFailedException>(() => fixture.Factory.CreateRunAsync("RunExclusiveOperation", new JsonObject { ["lockkeyy"] = "x" }, CancellationToken.None));
        Assert.Equal((400, "BadRequest"), (unknown.Status, unknown.ErrorCode));
        Assert.Contains("has no parameter 'lockkeyy'", unknown.Message);

        var wrongType = await Assert.ThrowsAsync<RequestFailedException>(() => fixture.Factory.CreateRunAsync("RunExclusiveOperation", new JsonObject { ["maxAttempts"] = "many" }, CancellationToken.None));
        Assert.Equal(400, wrongType.Status);

        var noRun = await Assert.ThrowsAsync<RequestFailedException>(() => fixture.Factory.GetRunAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        Assert.Equal((404, "PipelineRunNotFound"), (noRun.Status, noRun.ErrorCode));

        var elsewhere = new DataFactoryRuns(fixture.Local.CreateArmClient(), DataFactoryRuns.FactoryId(LocalFactory.SubscriptionId, LocalFactory.ResourceGroup, "another-factory"));
        var notFound = await Assert.ThrowsAsync<RequestFailedException>(() => elsewhere.GetRunAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        Assert.Equal((404, "ResourceNotFound"), (notFound.Status, notFound.ErrorCode));
    }

    [Fact]
    public async Task Without_the_token_or_with_another_api_version_the_API_answers_as_ARM_does()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var run = new Uri(fixture.Local.ManagementEndpoint,
            DataFactoryRuns.FactoryId(LocalFactory.SubscriptionId, LocalFactory.ResourceGroup, LocalFactory.FactoryName) + "/pipelineruns/x?api-version=2018-06-01");

        var anonymous = await http.GetAsync(run);
        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("AuthenticationFailed", JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());

        using var wrongToken = new HttpRequestMessage(HttpMethod.Get, run);
        wrongToken.Headers.Authorization = new("Bearer", "not-the-token");
        var refused = await http.SendAsync(wrongToken);
        Assert.Equal(401, (int)refused.StatusCode);
        Assert.Equal("InvalidAuthenticationToken", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Activity_runs_are_queried_by_their_last_update_and_filtered_by_name_type_or_status()
    {
        var (exitCode, runs) = await new SmokeRun(fixture.Factory, Options(1, "query-" + Guid.NewGuid().ToString("N")[..6], 0), new StringWriter(), TimeProvider.System)
            .RunAsync(CancellationToken.None);
        Assert.Equal(0, exitCode);
        var runId = Assert.Single(runs).RunId;
        var all = await fixture.Factory.QueryActivityRunsAsync(runId, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None);
        var call = Assert.Single(all, a => a["activityName"]!.GetValue<string>() == RunSummary.CallFunction && a["status"]!.GetValue<string>() == "Succeeded");
        // The runner's record of the call and its status polls comes through the API, credentials redacted.
        Assert.Equal(202, call["executionDetails"]!["call"]!["statusCode"]!.GetValue<int>());
        Assert.NotEmpty(call["executionDetails"]!["polls"]!.AsArray());
        Assert.DoesNotContain("token=", call["executionDetails"]!.ToJsonString().Replace("token=***", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(all, a => Assert.Equal(runId, a["pipelineRunId"]!.GetValue<string>()));
        Assert.Empty(await fixture.Factory.QueryActivityRunsAsync(runId, DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow.AddHours(2), CancellationToken.None));

        var factory = new ArmCall(fixture.Local.CreateArmClient(), DataFactoryRuns.FactoryId(LocalFactory.SubscriptionId, LocalFactory.ResourceGroup, LocalFactory.FactoryName));
        var window = $"\"lastUpdatedAfter\": \"{DateTimeOffset.UtcNow.AddHours(-1):O}\", \"lastUpdatedBefore\": \"{DateTimeOffset.UtcNow.AddHours(1):O}\"";
        var (status, body) = await factory.PostAsync($"/pipelineruns/{runId}/queryActivityruns?api-version=2018-06-01",
            $$"""{ {{window}}, "filters": [{ "operand": "ActivityType", "operator": "In", "values": ["WebActivity"] }, { "operand": "Status", "operator": "Equals", "values": ["Succeeded"] }] }""");
        Assert.Equal(200, status);
        var web = JsonNode.Parse(body)!["value"]!.AsArray();
        Assert.Equal(all.Count(a => a["activityType"]!.GetValue<string>() == "WebActivity" && a["status"]!.GetValue<string>() == "Succeeded"), web.Count);
        Assert.All(web, a => Assert.Equal("WebActivity", a!["activityType"]!.GetValue<string>()));

        Assert.Equal(400, (await factory.PostAsync($"/pipelineruns/{runId}/queryActivityruns?api-version=2018-06-01", "{}")).Status);
        Assert.Equal(400, (await factory.PostAsync($"/pipelineruns/{runId}/queryActivityruns?api-version=2018-06-01",
            $$"""{ {{window}}, "filters": [{ "operand": "RunGroupId", "operator": "Equals", "values": ["x"] }] }""")).Status);
    }

    [Fact]
    public async Task Listkeys_of_the_starter_answers_the_hosts_function_key_in_ARMs_shape_to_the_token_only()
    {
        var site = new ArmCall(fixture.Local.CreateArmClient(), new Azure.Core.ResourceIdentifier(LocalFactory.FunctionAppResourceId));
        var (status, body) = await site.PostAsync("/functions/StartOperation/listkeys?api-version=2024-04-01");
        Assert.Equal(200, status);
        var keys = JsonNode.Parse(body)!;
        Assert.Equal(fixture.Local.Host.Keys.FunctionKey, keys["properties"]!["default"]!.GetValue<string>());
        Assert.Equal(LocalFactory.FunctionAppResourceId + "/functions/StartOperation", keys["id"]!.GetValue<string>());

        Assert.Equal(404, (await site.PostAsync("/functions/NoSuchFunction/listkeys?api-version=2024-04-01")).Status);
        Assert.Equal(400, (await site.PostAsync("/functions/StartOperation/listkeys")).Status);
        var otherSite = new ArmCall(fixture.Local.CreateArmClient(), new Azure.Core.ResourceIdentifier(LocalFactory.FunctionAppResourceId.Replace(LocalFactory.FunctionAppName, "other-app")));
        Assert.Equal(404, (await otherSite.PostAsync("/functions/StartOperation/listkeys?api-version=2024-04-01")).Status);

        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var anonymous = await http.PostAsync(new Uri(fixture.Local.ManagementEndpoint, LocalFactory.FunctionAppResourceId + "/functions/StartOperation/listkeys?api-version=2024-04-01"), null);
        Assert.Equal(401, (int)anonymous.StatusCode);
        Assert.DoesNotContain(fixture.Local.Host.Keys.FunctionKey, await anonymous.Content.ReadAsStringAsync());
    }

    /// <summary>A POST through the ARM client's pipeline (token, TLS) to a path under a resource.</summary>
    private sealed class ArmCall(Azure.ResourceManager.ArmClient client, Azure.Core.ResourceIdentifier id) : Azure.ResourceManager.ArmResource(client, id)
    {
        public async Task<(int Status, string Body)> PostAsync(string pathAndQuery, string? json = null)
        {
            using var message = Pipeline.CreateMessage();
            message.Request.Method = Azure.Core.RequestMethod.Post;
            message.Request.Uri.Reset(new Uri(Endpoint, Id + pathAndQuery));
            if (json is not null)
            {
                message.Request.Headers.Add("Content-Type", "application/json");
                message.Request.Content = Azure.Core.RequestContent.Create(BinaryData.FromString(json));
            }
            await Pipeline.SendAsync(message, CancellationToken.None);
            return (message.Response.Status, message.Response.Content.ToString());
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : class =>
        await WaitForAsync(() => Task.FromResult(probe()));

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition was not met within 2 minutes.");
            await Task.Delay(100);
        }
    }

    /// <summary>A writer the test can read while the smoke run writes from several tasks.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly object _gate = new();

        public string Text
        {
            get { lock (_gate) return ToString(); }
        }

        public override void Write(char value) { lock (_gate) base.Write(value); }
        public override void Write(string? value) { lock (_gate) base.Write(value); }
        public override void WriteLine(string? value) { lock (_gate) base.WriteLine(value); }
    }
}
