using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Status;
using Microsoft.Extensions.Time.Testing;

namespace ExclusiveOperations.Tests;

/// <summary>The app's own status endpoint, host-agnostic: codes, bodies, Location, Retry-After and the token check.</summary>
public sealed class RunStatusTests
{
    private const string BaseUrl = "https://app.example";
    private const string Id = "0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-01T12:00:00Z");

    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly string _token = StatusToken.For(Key, Id);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly Instances _instances = new();
    private readonly RecordingHook _hook = new();

    private RunStatus Status(TimeSpan? maxRetryAfter = null, IRunPollHook? hook = null) =>
        new(new RunStatusOptions { MaxRetryAfter = maxRetryAfter ?? TimeSpan.FromSeconds(60) }, new FixedKey(), hook ?? new RecordingHook(), _time);

    private Task<RunStatusAnswer> Ask(RunStatus status, string? token = null, bool internalServerErrorOnFailure = false, string id = Id) =>
        status.AnswerAsync(new RunStatusQuery(BaseUrl, id, token ?? _token, internalServerErrorOnFailure), _instances);

    private RunInstance Instance(string runtimeStatus, OperationOutcome? customStatus = null, OperationOutcome? output = null, RunFailure? failure = null) =>
        _instances.Put(new RunInstance("ExclusiveOperation", Id, runtimeStatus,
            JsonSerializer.Serialize(new OperationRequest("wait", "k", new JsonObject { ["seconds"] = 5 })),
            customStatus is null ? null : JsonSerializer.Serialize(customStatus),
            output is null ? null : JsonSerializer.Serialize(output),
            failure, Now.AddSeconds(-3), Now.AddSeconds(-1)));

    private static OperationOutcome Outcome(string status, DateTimeOffset? expectedEndAt = null) => new()
    {
        Status = status,
        Operation = "wait",
        LockKey = "k",
        InstanceId = Id,
        Holder = new LockHolder(Id, "wait", Now.AddSeconds(-1), Now.AddMinutes(5), expectedEndAt ?? Now.AddSeconds(4)),
        StartedAt = Now.AddSeconds(-2),
    };

    [Theory]
    [InlineData("Pending")]
    [InlineData("Running")]
    [InlineData("ContinuedAsNew")]
    [InlineData("Suspended")]
    public async Task An_unfinished_run_is_202_with_its_own_status_url_and_a_Retry_After(string runtimeStatus)
    {
        Instance(runtimeStatus);

        var answer = await Ask(Status());

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal($"{BaseUrl}/api/runs/{Id}?token={_token}", answer.Location);
        Assert.Equal(1, answer.RetryAfterSeconds);
        Assert.Equal(runtimeStatus, answer.Body["runtimeStatus"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Completed")]
    [InlineData("Terminated")]
    [InlineData("Canceled")]
    public async Task A_finished_run_is_200_with_the_durable_status_body_and_no_Location(string runtimeStatus)
    {
        var outcome = Outcome(OperationStatus.Ok) with { CompletedAt = Now };
        Instance(runtimeStatus, customStatus: outcome, output: outcome);

        var answer = await Ask(Status());

        Assert.Equal(200, answer.StatusCode);
        Assert.Null(answer.Location);
        Assert.Null(answer.RetryAfterSeconds);
        Assert.Equal(["name", "instanceId", "runtimeStatus", "customStatus", "output", "createdTime", "lastUpdatedTime"],
            answer.Body.Select(p => p.Key));
        Assert.Equal("ExclusiveOperation", answer.Body["name"]!.GetValue<string>());
        Assert.Equal(Id, answer.Body["instanceId"]!.GetValue<string>());
        Assert.Equal("OK", answer.Body["output"]!["status"]!.GetValue<string>());
        Assert.Equal("OK", answer.Body["customStatus"]!["status"]!.GetValue<string>());
        Assert.Equal("2026-03-01T11:59:57Z", answer.Body["createdTime"]!.GetValue<string>());
        Assert.Equal("2026-03-01T11:59:59Z", answer.Body["lastUpdatedTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_run_is_200_with_its_error_as_output_or_500_when_asked()
    {
        Instance("Failed", failure: new RunFailure("System.InvalidOperationException", "the container 'x' does not exist"));

        var answer = await Ask(Status());
        var asked = await Ask(Status(), internalServerErrorOnFailure: true);

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("System.InvalidOperationException: the container 'x' does not exist", answer.Body["output"]!.GetValue<string>());
        Assert.Equal(500, asked.StatusCode);
        Assert.Null(asked.Location);
    }

    [Fact]
    public async Task The_Location_keeps_returnInternalServerErrorOnFailure_so_the_poller_keeps_asking_for_it()
    {
        Instance("Running");

        var answer = await Ask(Status(), internalServerErrorOnFailure: true);

        Assert.Equal($"{BaseUrl}/api/runs/{Id}?token={_token}&returnInternalServerErrorOnFailure=true", answer.Location);
    }

    [Fact]
    public async Task An_unknown_instance_is_404_with_error_and_detail_but_only_with_its_token()
    {
        var answer = await Ask(Status(), token: StatusToken.For(Key, "no-such-instance"), id: "no-such-instance");
        var guessed = await Ask(Status(), token: _token, id: "no-such-instance");

        Assert.Equal(401, guessed.StatusCode); // without the token nobody learns whether an instance exists

        Assert.Equal(404, answer.StatusCode);
        Assert.Equal("instance not found", answer.Body["error"]!.GetValue<string>());
        Assert.Contains("no-such-instance", answer.Body["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("", "missing status token")]
    [InlineData("wrong", "wrong status token")]
    public async Task A_missing_or_wrong_token_is_401_and_tells_nothing_about_the_run(string token, string error)
    {
        Instance("Running", customStatus: Outcome(OperationStatus.Running));

        var answer = await Ask(Status(hook: _hook), token: token);

        Assert.Equal(401, answer.StatusCode);
        Assert.Equal(error, answer.Body["error"]!.GetValue<string>());
        Assert.Equal(["error", "detail"], answer.Body.Select(p => p.Key));
        Assert.Null(answer.Location);
        Assert.Empty(_hook.Polls);
    }

    [Fact]
    public async Task Another_runs_token_does_not_open_this_run()
    {
        Instance("Completed");

        _instances.Put(Instance("Completed") with { InstanceId = "other" });

        Assert.Equal(401, (await Ask(Status(), token: StatusToken.For(Key, "other"))).StatusCode);
        Assert.Equal(401, (await Ask(Status(), token: StatusToken.For(new byte[32], Id))).StatusCode);
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("Running")]
    [InlineData("Completed")]
    [InlineData("Failed")]
    public async Task The_token_and_the_input_never_appear_in_an_answer(string runtimeStatus)
    {
        var outcome = Outcome(runtimeStatus == "Completed" ? OperationStatus.Ok : OperationStatus.Running);
        Instance(runtimeStatus, customStatus: outcome, output: runtimeStatus == "Completed" ? outcome : null,
            failure: runtimeStatus == "Failed" ? new RunFailure("E", "m") : null);

        var answer = await Ask(Status());

        Assert.DoesNotContain(_token, answer.Body.ToJsonString());
        Assert.False(answer.Body.ContainsKey("input"));
    }

    [Theory]
    [InlineData(4.2, 5)]   // rounded up: coming back early would only find it still running
    [InlineData(4.0, 4)]
    [InlineData(0.3, 1)]   // at least 1 s
    [InlineData(-2, 1)]    // overrunning its estimate: look again in a second
    [InlineData(59.5, 60)]
    [InlineData(3600, 60)] // at most the cap
    public async Task While_the_operation_runs_Retry_After_is_the_time_until_the_holders_expected_end(double secondsToEnd, int expected)
    {
        Instance("Running", customStatus: Outcome(OperationStatus.Running, Now.AddSeconds(secondsToEnd)));

        Assert.Equal(expected, (await Ask(Status())).RetryAfterSeconds);
    }

    [Fact]
    public async Task The_cap_is_configurable()
    {
        Instance("Running", customStatus: Outcome(OperationStatus.Running, Now.AddMinutes(10)));

        Assert.Equal(300, (await Ask(Status(TimeSpan.FromMinutes(5)))).RetryAfterSeconds);
        Assert.Equal(1, (await Ask(Status(TimeSpan.FromSeconds(1)))).RetryAfterSeconds);
    }

    [Fact]
    public async Task Retry_After_follows_the_clock()
    {
        Instance("Running", customStatus: Outcome(OperationStatus.Running, Now.AddSeconds(10)));
        var status = Status();

        Assert.Equal(10, (await Ask(status)).RetryAfterSeconds);
        _time.Advance(TimeSpan.FromSeconds(7.5));
        Assert.Equal(3, (await Ask(status)).RetryAfterSeconds);
    }

    [Fact]
    public async Task A_run_without_a_running_holder_is_asked_again_in_a_second()
    {
        // Custom status that is not an outcome (another shape) counts as unknown.
        _instances.Put(Instance("Running") with { SerializedCustomStatus = "\"deciding\"" });

        Assert.Equal(1, (await Ask(Status())).RetryAfterSeconds);
    }

    [Fact]
    public async Task The_hook_sees_every_authorised_poll_of_an_unfinished_run_and_its_estimate_wins()
    {
        Instance("Running", customStatus: Outcome(OperationStatus.Running, Now.AddSeconds(30)));
        _hook.ChangeAt = Now.AddSeconds(7);
        var status = Status(hook: _hook);

        var answer = await Ask(status);

        Assert.Equal(7, answer.RetryAfterSeconds);
        var poll = Assert.Single(_hook.Polls);
        Assert.Equal((Id, "Running", "k", OperationStatus.Running, Now), (poll.InstanceId, poll.RuntimeStatus, poll.Request!.LockKey, poll.CustomStatus!.Status, poll.At));

        Instance("Completed");
        await Ask(status);
        Assert.Single(_hook.Polls);
    }

    [Fact]
    public void Options_below_one_second_are_refused_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new RunStatusOptions { MaxRetryAfter = TimeSpan.FromMilliseconds(500) }.Validate());
        Assert.Contains("ExclusiveOperations:Status:MaxRetryAfter", e.Message);
    }

    [Fact]
    public void A_token_is_256_bits_of_HMAC_in_base64url_the_same_for_one_instance_and_key_and_compared_exactly()
    {
        var tokens = Enumerable.Range(0, 100).Select(i => StatusToken.For(Key, $"instance-{i}")).ToList();

        Assert.Equal(100, tokens.Distinct().Count());
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{43}$", t));
        Assert.Equal(32, Convert.FromBase64String(tokens[0].Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Equal(tokens[0], StatusToken.For(Key, "instance-0"));
        Assert.NotEqual(tokens[0], StatusToken.For(new byte[32], "instance-0"));
        Assert.True(StatusToken.Matches(tokens[0], tokens[0]));
        Assert.False(StatusToken.Matches(tokens[0], tokens[1]));
        Assert.False(StatusToken.Matches(tokens[0][..42], tokens[0]));
        Assert.False(StatusToken.Matches(null, tokens[0]));
        Assert.False(StatusToken.Matches("", ""));
    }

    private sealed class FixedKey : IStatusTokens
    {
        public Task<string> ForAsync(string instanceId, CancellationToken cancellationToken = default) => Task.FromResult(StatusToken.For(Key, instanceId));
    }

    private sealed class Instances : IRunInstanceReader
    {
        private readonly Dictionary<string, RunInstance> _byId = [];

        public RunInstance Put(RunInstance instance) => _byId[instance.InstanceId] = instance;

        public Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
            Task.FromResult(_byId.GetValueOrDefault(instanceId));
    }

    private sealed class RecordingHook : IRunPollHook
    {
        public List<RunPoll> Polls { get; } = [];

        public DateTimeOffset? ChangeAt { get; set; }

        public Task<DateTimeOffset?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken)
        {
            Polls.Add(poll);
            return Task.FromResult(ChangeAt);
        }
    }
}
