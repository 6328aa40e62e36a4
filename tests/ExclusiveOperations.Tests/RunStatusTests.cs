using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
    private readonly TimerRecordingTimeProvider _time = new(Now);
    private readonly Instances _instances = new();
    private readonly RecordingHook _hook = new();

    // No holds unless a test asks for them: the other tests are about the answer a poll gets at once.
    private RunStatus Status(TimeSpan? maxRetryAfter = null, IRunPollHook? hook = null, TimeSpan? holdPollFor = null, RunCommits? commits = null) =>
        new(new RunStatusOptions { MaxRetryAfter = maxRetryAfter ?? TimeSpan.FromSeconds(60), HoldPollFor = holdPollFor ?? TimeSpan.Zero },
            new FixedKey(), hook ?? new RecordingHook(), _time, commits ?? new RunCommits(announced: false));

    private Task<RunStatusAnswer> Ask(RunStatus status, string? token = null, bool internalServerErrorOnFailure = false, string id = Id,
        IRunInstanceReader? instances = null, CancellationToken cancellationToken = default) =>
        status.AnswerAsync(new RunStatusQuery(BaseUrl, id, token ?? _token, internalServerErrorOnFailure), instances ?? _instances, cancellationToken);

    private RunInstance Instance(string runtimeStatus, OperationOutcome? customStatus = null, OperationOutcome? output = null, RunFailure? failure = null,
        string? mode = null) =>
        _instances.Put(new RunInstance("ExclusiveOperation", Id, runtimeStatus,
            JsonSerializer.Serialize(new OperationRequest("wait", "k", new JsonObject { ["seconds"] = 5 }, Mode: mode)),
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

    private static readonly TimeSpan HoldPollFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HoldPollInterval = new RunStatusOptions().HoldPollInterval;

    /// <summary>Lets the clock run for a held poll: each wait it starts is advanced to its end at once, until it answers.</summary>
    private async Task<RunStatusAnswer> AnswerWhileTheClockRuns(Task<RunStatusAnswer> asking)
    {
        while (true)
        {
            var waiting = _time.NextTimerAsync();
            if (await Task.WhenAny(asking, waiting) == asking)
                return await asking;
            _time.Advance(await waiting);
        }
    }

    private TimeSpan Elapsed => _time.GetUtcNow() - Now;

    private RunInstance Running(double secondsToEnd, string? mode = null) =>
        Instance("Running", customStatus: Outcome(OperationStatus.Running, Now.AddSeconds(secondsToEnd)), mode: mode);

    private RunInstance Completed()
    {
        var outcome = Outcome(OperationStatus.Ok) with { CompletedAt = Now };
        return Instance("Completed", customStatus: outcome, output: outcome);
    }

    [Fact]
    public async Task A_poll_held_while_the_run_finishes_answers_200_with_the_output_at_the_next_read()
    {
        var instances = new ScriptedInstances([.. Enumerable.Repeat(Running(2), 8), Completed()]);
        var hook = new RecordingHook();

        var answer = await AnswerWhileTheClockRuns(Ask(Status(hook: hook, holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("OK", answer.Body["output"]!["status"]!.GetValue<string>());
        Assert.Null(answer.Location);
        Assert.Null(answer.RetryAfterSeconds);
        Assert.Equal(9, instances.Reads);
        Assert.Equal(8 * HoldPollInterval, Elapsed); // the first re-read that saw it finished answered
        Assert.Single(hook.Polls);
    }

    [Theory]
    [InlineData(0, 2000, 200)]      // well before the expected change: every HoldPollInterval
    [InlineData(1900, 2000, 100)]   // just before it: at the change
    [InlineData(2000, 2000, 10)]    // due now: the shortest interval
    [InlineData(2100, 2000, 25)]    // 100 ms overdue: a quarter of that
    [InlineData(3000, 2000, 200)]   // a second overdue: no more often than HoldPollInterval
    [InlineData(4950, 2000, 50)]    // the hold runs out first
    public void A_held_poll_reads_again_at_the_change_then_after_a_quarter_of_its_lateness(int nowMs, int dueMs, int waitMs)
    {
        var start = DateTimeOffset.Parse("2026-12-07T10:00:00Z");
        var wait = RunStatus.NextReadAfter(start.AddMilliseconds(dueMs), start.AddMilliseconds(nowMs), start.AddSeconds(5), HoldPollInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(waitMs), wait);
    }

    [Fact]
    public async Task On_a_host_that_announces_commits_a_held_poll_reads_the_run_when_it_is_committed_not_on_a_schedule()
    {
        var commits = new RunCommits(announced: true);
        var instances = new SwitchableInstances(Running(0.5));

        var asking = Ask(Status(holdPollFor: HoldPollFor, commits: commits), instances: instances);
        Assert.Equal(new RunStatusOptions().AnnouncedHoldPollInterval, await _time.NextTimerAsync()); // a commit, or one elsewhere
        instances.Current = Completed();
        commits.Committed("another-run");
        commits.Committed(Id);
        var answer = await asking;

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(TimeSpan.Zero, Elapsed);
        Assert.Equal(2, instances.Reads);
    }

    [Fact]
    public async Task On_a_host_that_announces_commits_a_held_poll_still_reads_every_AnnouncedHoldPollInterval_for_commits_elsewhere()
    {
        var instances = new ScriptedInstances(Running(2));

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor, commits: new RunCommits(announced: true)), instances: instances));

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), Elapsed);
        Assert.Equal(1 + 3, instances.Reads); // 3 s of hold, one read a second: no faster reads once the end is overdue
    }

    [Fact]
    public async Task A_commit_between_the_read_and_the_wait_is_not_missed_and_other_runs_commits_do_not_wake()
    {
        var commits = new RunCommits(announced: true);
        using var subscription = commits.Subscribe(Id);
        commits.Committed(Id);
        commits.Committed(Id); // two commits before one read: one wake

        Assert.True(await subscription.WaitAsync(TimeSpan.FromSeconds(1), _time, CancellationToken.None));
        var waiting = subscription.WaitAsync(TimeSpan.FromSeconds(1), _time, CancellationToken.None);
        commits.Committed("another-run");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await waiting);
    }

    [Fact]
    public async Task A_host_that_does_not_announce_commits_wakes_no_poll()
    {
        var commits = new RunCommits(announced: false);
        using var subscription = commits.Subscribe(Id);
        commits.Committed(Id);

        var waiting = subscription.WaitAsync(TimeSpan.FromSeconds(1), _time, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await waiting);
    }

    [Fact]
    public async Task A_run_that_fails_during_the_hold_answers_500_when_asked()
    {
        var failed = Instance("Failed", failure: new RunFailure("System.InvalidOperationException", "boom"));
        var instances = new ScriptedInstances(Instance("Pending"), failed);

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor), internalServerErrorOnFailure: true, instances: instances));

        Assert.Equal(500, answer.StatusCode);
        Assert.Equal("System.InvalidOperationException: boom", answer.Body["output"]!.GetValue<string>());
        Assert.Equal(HoldPollInterval, Elapsed); // deciding since its start 3 s ago: late enough to be read every interval
    }

    [Fact]
    public async Task A_hold_that_runs_out_a_second_after_the_expected_end_answers_202_with_Retry_After_from_then()
    {
        var instances = new ScriptedInstances(Running(2));

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal($"{BaseUrl}/api/runs/{Id}?token={_token}", answer.Location);
        Assert.Equal(1, answer.RetryAfterSeconds); // overrunning its estimate: look again in a second
        Assert.Equal(TimeSpan.FromSeconds(3), Elapsed);
        // The poll's read, 10 every 200 ms until the expected end at 2 s, then 19 in its overdue second (10 ms apart
        // at first, a quarter of the lateness later on).
        Assert.Equal(1 + 10 + 19, instances.Reads);
    }

    [Theory]
    [InlineData(4.5, 5.0)]  // a second after the expected end would be 5.5 s: capped at HoldPollFor
    [InlineData(5.0, 5.0)]
    [InlineData(0.3, 1.3)]
    [InlineData(-2, 1.0)]   // overdue: its end can come any moment, so it counts as now
    public async Task A_hold_lasts_until_a_second_after_the_expected_change_at_most_HoldPollFor(double secondsToEnd, double heldSeconds)
    {
        var instances = new ScriptedInstances(Running(secondsToEnd));

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(heldSeconds), Elapsed);
    }

    [Fact]
    public async Task A_deciding_run_is_held_a_second_and_a_Retry_After_follows_what_it_decided()
    {
        // It took the lock during the hold: the answer shows it running and sends the poller to its expected end.
        var instances = new ScriptedInstances(Instance("Pending"), Instance("Running"), Running(30));

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), Elapsed);
        Assert.Equal("Running", answer.Body["customStatus"]!["status"]!.GetValue<string>());
        Assert.Equal(29, answer.RetryAfterSeconds);
    }

    [Fact]
    public async Task A_conflict_decided_during_the_hold_is_answered_when_it_is_seen()
    {
        var conflict = Outcome(OperationStatus.Conflict) with { CompletedAt = Now };
        var instances = new ScriptedInstances(Instance("Running"), Instance("Completed", customStatus: conflict, output: conflict));

        var answer = await AnswerWhileTheClockRuns(Ask(Status(holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("Conflict", answer.Body["output"]!["status"]!.GetValue<string>());
        Assert.Equal(HoldPollInterval, Elapsed);
    }

    [Fact]
    public async Task The_hooks_estimate_decides_the_hold_of_a_queued_run_that_holds_the_lock()
    {
        // Queue mode: the holder's expected end plus the lock's measured overrun, nearer than the holder's own estimate.
        var instances = new ScriptedInstances(Running(30, LockMode.Queue), Completed());
        var hook = new RecordingHook { ChangeAt = Now.AddSeconds(1) };

        var answer = await AnswerWhileTheClockRuns(Ask(Status(hook: hook, holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(2, instances.Reads);
    }

    [Theory]
    [InlineData(5.5)]
    [InlineData(30)]
    public async Task A_run_expected_to_change_later_than_HoldPollFor_is_answered_at_once(double secondsToEnd)
    {
        var instances = new ScriptedInstances(Running(secondsToEnd), Completed());

        var answer = await Ask(Status(holdPollFor: HoldPollFor), instances: instances);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal((int)Math.Ceiling(secondsToEnd), answer.RetryAfterSeconds);
        Assert.Equal(1, instances.Reads);
        Assert.Equal(TimeSpan.Zero, Elapsed);
    }

    [Fact]
    public async Task A_queued_run_waiting_in_line_is_answered_at_once_whatever_its_turn()
    {
        var queued = Outcome(OperationStatus.Queued) with { Holder = null, Position = 1 };
        var instances = new ScriptedInstances(Instance("Running", customStatus: queued, mode: LockMode.Queue), Running(10, LockMode.Queue));
        var hook = new RecordingHook { ChangeAt = Now.AddSeconds(2) };

        var answer = await Ask(Status(hook: hook, holdPollFor: HoldPollFor), instances: instances);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(2, answer.RetryAfterSeconds);
        Assert.Equal(1, instances.Reads);
    }

    [Fact]
    public async Task A_queued_run_the_lock_was_handed_to_is_held_before_its_status_says_Running()
    {
        // Handed the lock, its orchestration has not yet replayed to set Running: told to come back in a whole second, it
        // would have learned of its end up to a second late.
        var queued = Outcome(OperationStatus.Queued) with { Holder = null, Position = 1 };
        var instances = new ScriptedInstances(Instance("Running", customStatus: queued, mode: LockMode.Queue), Completed());
        var hook = new RecordingHook { ChangeAt = Now.AddSeconds(1.1), ChangeIsEnd = true };

        var answer = await AnswerWhileTheClockRuns(Ask(Status(hook: hook, holdPollFor: HoldPollFor), instances: instances));

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(2, instances.Reads);
    }

    [Fact]
    public async Task A_queue_mode_run_still_joining_the_line_is_answered_at_once()
    {
        // Held, it could be answered Queued without its turn: the hook's estimate was made before it was in line.
        var queued = Outcome(OperationStatus.Queued) with { Holder = null, Position = 3 };
        var instances = new ScriptedInstances(Instance("Pending", mode: LockMode.Queue), Instance("Running", customStatus: queued, mode: LockMode.Queue));

        var answer = await Ask(Status(holdPollFor: HoldPollFor), instances: instances);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal("Pending", answer.Body["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(1, answer.RetryAfterSeconds);
        Assert.Equal(1, instances.Reads);
    }

    [Theory]
    [InlineData("Suspended")]
    [InlineData("ContinuedAsNew")]
    public async Task Only_a_pending_or_running_run_is_held(string runtimeStatus)
    {
        var instances = new ScriptedInstances(Instance(runtimeStatus), Completed());

        var answer = await Ask(Status(holdPollFor: HoldPollFor), instances: instances);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(1, instances.Reads);
    }

    [Fact]
    public async Task HoldPollFor_zero_answers_every_poll_at_once()
    {
        var instances = new ScriptedInstances(Instance("Pending"), Completed());

        var answer = await Ask(Status(holdPollFor: TimeSpan.Zero), instances: instances);

        Assert.Equal(202, answer.StatusCode);
        Assert.Equal(1, answer.RetryAfterSeconds);
        Assert.Equal(1, instances.Reads);
    }

    [Fact]
    public async Task A_poller_that_hangs_up_ends_the_hold()
    {
        var instances = new ScriptedInstances(Running(2));
        using var hangUp = new CancellationTokenSource();

        var asking = Ask(Status(holdPollFor: HoldPollFor), instances: instances, cancellationToken: hangUp.Token);
        _time.Advance(await _time.NextTimerAsync());
        await _time.NextTimerAsync();
        await hangUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asking);
        Assert.Equal(2, instances.Reads);
        Assert.Equal(HoldPollInterval, Elapsed);
    }

    [Theory]
    [InlineData("HoldPollFor", "-00:00:01")]
    [InlineData("HoldPollFor", "00:00:31")]
    [InlineData("HoldPollInterval", "00:00:00.001")]
    public void Hold_settings_out_of_range_are_refused_naming_the_setting(string setting, string value)
    {
        var options = new RunStatusOptions();
        typeof(RunStatusOptions).GetProperty(setting)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var e = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains($"ExclusiveOperations:Status:{setting}", e.Message);
    }

    [Fact]
    public void The_hold_settings_are_bound_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ExclusiveOperations:Status:HoldPollFor"] = "00:00:02",
            ["ExclusiveOperations:Status:HoldPollInterval"] = "00:00:00.050",
        }).Build();
        using var services = new ServiceCollection()
            .AddExclusiveOperations(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<RunStatusOptions>();

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50)), (options.HoldPollFor, options.HoldPollInterval));
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)), (new RunStatusOptions().HoldPollFor, new RunStatusOptions().HoldPollInterval));
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

    /// <summary>Answers what the test set last.</summary>
    private sealed class SwitchableInstances(RunInstance current) : IRunInstanceReader
    {
        private int _reads;

        public RunInstance Current { get; set; } = current;
        public int Reads => Volatile.Read(ref _reads);

        public Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return Task.FromResult<RunInstance?>(Current);
        }
    }

    /// <summary>Answers the given states in order, one per read, the last one from then on.</summary>
    private sealed class ScriptedInstances(params RunInstance[] states) : IRunInstanceReader
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public Task<RunInstance?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
            Task.FromResult<RunInstance?>(states[Math.Min(Interlocked.Increment(ref _reads), states.Length) - 1]);
    }

    /// <summary>A fake clock that tells when a wait starts and how long it is, so a test advances it exactly that far.</summary>
    private sealed class TimerRecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(dueTime);
            return timer;
        }

        /// <summary>The due time of the next wait started; fails instead of hanging when none starts.</summary>
        public async Task<TimeSpan> NextTimerAsync() =>
            await _timers.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private sealed class RecordingHook : IRunPollHook
    {
        public List<RunPoll> Polls { get; } = [];

        public DateTimeOffset? ChangeAt { get; set; }

        /// <summary>Whether the change is the run's end (it holds the lock), as the queue hook says.</summary>
        public bool ChangeIsEnd { get; set; }

        public Task<RunChange?> OnPollAsync(RunPoll poll, CancellationToken cancellationToken)
        {
            Polls.Add(poll);
            return Task.FromResult(ChangeAt is { } at ? new RunChange(at, ChangeIsEnd) : null);
        }
    }
}
