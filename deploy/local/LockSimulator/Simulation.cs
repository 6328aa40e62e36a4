using ContentionReports;
using DataFactory.Runner.Run;
using ExclusiveOperations.Locking;
using ScenarioMode = ContentionReports.LockMode;

namespace LockSimulator;

/// <summary>What a simulation counts that Azure bills.</summary>
public sealed class Billable
{
    /// <summary>Data Factory activity runs (every activity of every pipeline run: Web, Wait, Set variable, If, Until).</summary>
    public long ActivityRuns { get; set; }

    /// <summary>Seconds the Web activities that call the function ran (Data Factory bills activity execution time).</summary>
    public double WebActivitySeconds { get; set; }

    /// <summary>Seconds the Wait activities ran.</summary>
    public double WaitActivitySeconds { get; set; }

    /// <summary>Function executions: HTTP starts, status polls, orchestrator episodes, activities.</summary>
    public long FunctionExecutions { get; set; }

    /// <summary>Seconds those executions ran (a held status poll runs for its hold).</summary>
    public double FunctionSeconds { get; set; }

    /// <summary>Lock blob reads and conditional writes.</summary>
    public long LockBlobTransactions { get; set; }

    /// <summary>Poll record writes (every status poll of a queued run) and reads (a release choosing the next run).</summary>
    public long PollRecordTransactions { get; set; }

    /// <summary>Task hub: queue messages (put, get, delete), history and instance table writes, status reads.</summary>
    public long TaskHubTransactions { get; set; }

    /// <summary>Task hub: polls of idle queues over the makespan (an upper bound: every queue idle all the time).</summary>
    public long IdleQueuePolls { get; set; }

    public long StorageTransactions => LockBlobTransactions + PollRecordTransactions + TaskHubTransactions + IdleQueuePolls;
}

/// <summary>Arrival of the runs: all at once, a Poisson process, or the instants of a schedule file.</summary>
public sealed record Arrivals(double? PoissonPerSecond = null, IReadOnlyList<double>? Schedule = null)
{
    public double[] Times(int runs, Random random)
    {
        if (Schedule is { } schedule)
            return [.. Enumerable.Range(0, runs).Select(i => i < schedule.Count ? schedule[i] : schedule[^1])];
        var times = new double[runs];
        if (PoissonPerSecond is not { } rate) return times;
        var t = 0.0;
        for (var i = 0; i < runs; i++)
        {
            times[i] = t;
            t += -Math.Log(1 - random.NextDouble()) / rate;
        }
        return times;
    }
}

/// <summary>
/// The runs of a scenario on virtual time: a priority queue of events (no tasks, no timers), the lock's own transitions
/// (<see cref="LockProtocol"/>) applied at the instants the latency model gives, and the pipelines' control flow as the
/// generated pipelines define it (RunExclusiveOperation: Until + Web + Wait; RunExclusiveOperationQueued: one Web).
/// </summary>
public sealed class Simulation
{
    /// <summary>Durable Task Azure Storage backend: control-queue partitions (its default) plus the work-item queue.</summary>
    public const int Queues = 5;

    private static readonly DateTimeOffset Epoch = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly PriorityQueue<Action, (double At, long Seq)> _events = new();
    private readonly ScenarioOptions _options;
    private readonly PlatformModel _model;
    private readonly Random _random;
    private readonly LockOptions _lockOptions;
    private readonly QueueOptions _queueOptions = new();
    private readonly TimeSpan _holdPollFor = TimeSpan.FromSeconds(5);
    private readonly double _maxRetryAfter = 60;
    private readonly Dictionary<string, (LockState State, LockProtocol Protocol)> _locks = [];
    private readonly Dictionary<string, Op> _ops = [];
    private readonly Dictionary<string, double> _lastPoll = [];
    private readonly double[] _queueLastBusy = new double[Queues];
    private readonly TimeSpan _queueTimeout;
    private PriorityQueue<int, double>? _cores;
    private long _transactionsOnCores;
    private long _seq;
    private double _now;

    /// <param name="queueTimeout">Queue mode: each run's queueTimeout (default: the app's DefaultQueueTimeout).</param>
    public Simulation(ScenarioOptions options, PlatformModel model, int seed = 1, TimeSpan? queueTimeout = null)
    {
        _queueTimeout = queueTimeout ?? _queueOptions.DefaultQueueTimeout;
        _options = options;
        _model = model;
        _random = new Random(seed);
        _lockOptions = new LockOptions
        {
            MaxQueuePollingInterval = TimeSpan.FromSeconds(model.MaxQueuePolling),
            PartitionLeaseInterval = TimeSpan.FromSeconds(model.MaxQueuePolling < 1 ? 10 : 30),
        };
    }

    public Billable Billable { get; } = new();

    /// <summary>The lock's lifetime these timings give (LockTimings), which a queued run's turn check waits at most.</summary>
    public TimeSpan Lifetime => _lockOptions.Timings.Lifetime;

    private sealed class SimRun(int number, string key, double startedAt)
    {
        public int Number { get; } = number;
        public string Key { get; } = key;
        public string RunId { get; } = $"sim-run-{number}";
        public double StartedAt { get; } = startedAt;
        public double? EndedAt { get; set; }
        public RunError? Error { get; set; }
        public List<Op> Ops { get; } = [];
        public List<ContentionReport.Wait> Waits { get; } = [];
    }

    /// <summary>One call of the function: its orchestration and the Web activity that polls it.</summary>
    private sealed class Op(SimRun run, string instanceId, double calledAt)
    {
        public SimRun Run { get; } = run;
        public string InstanceId { get; } = instanceId;
        public double CalledAt { get; } = calledAt;
        public string Status { get; set; } = "Running";
        public double? CompletedAt { get; set; }
        public double? AnsweredAt { get; set; }
        public double? AcquiredAt { get; set; }
        public double? ReleasedAt { get; set; }
        public double? ExpectedEnd { get; set; }
        public int? RetryAfterSeconds { get; set; }
        public double? RetryAt { get; set; }
        public double? QueuedAt { get; set; }
        public double Deadline { get; set; }
        public bool Holding { get; set; }
        public (double Since, long Seq)? HeldPoll { get; set; }
        public List<ContentionReport.Poll> Polls { get; } = [];
    }

    /// <summary>
    /// Every caller polls (the Web activity), so the protocol knows each run's last poll; a record counts as one read per
    /// decision, as the storage loop reads it once and decides again.
    /// </summary>
    private sealed class PollView(Simulation simulation) : IPollView
    {
        private readonly HashSet<string> _read = [];

        public bool TryGetLast(string instanceId, out DateTimeOffset? lastPoll)
        {
            if (_read.Add(instanceId))
                simulation.Billable.PollRecordTransactions++;
            lastPoll = simulation._lastPoll.TryGetValue(instanceId, out var at) ? At(at) : null;
            return true;
        }
    }

    private static DateTimeOffset At(double seconds) => Epoch + TimeSpan.FromSeconds(seconds);

    private static double Seconds(DateTimeOffset at) => (at - Epoch).TotalSeconds;

    private void Schedule(double at, Action action) => _events.Enqueue(action, (Math.Max(at, _now), _seq++));

    /// <summary>
    /// How long a message put on <paramref name="queue"/> now waits until a worker dequeues it and processes it: an idle
    /// queue's poll interval grows with its idle time (the backend's back-off) up to the model's ceiling, and a busy queue
    /// is looked at again at once.
    /// </summary>
    private double Hop(int queue)
    {
        Billable.TaskHubTransactions += 3; // put, get, delete
        var idle = Math.Max(0, _now - _queueLastBusy[queue]);
        var interval = Math.Min(idle, _model.QueuePollCeiling);
        var dequeued = _now + _random.NextDouble() * interval;
        _queueLastBusy[queue] = Math.Max(_queueLastBusy[queue], dequeued);
        return Run(dequeued) - _now;
    }

    /// <summary>
    /// When an execution that can start at <paramref name="at"/> is done: with bounded cores it waits for the first free
    /// one. It takes 0.5 to 1.5 times <paramref name="seconds"/>: equal durations would keep runs that started together in
    /// lockstep, calling again at the same instants forever, which measured runs do not (docs/simulator.md, calibration).
    /// </summary>
    private double Run(double at, double seconds)
    {
        var duration = seconds * (0.5 + _random.NextDouble());
        if (_model.Cores <= 0)
            return at + duration;
        _cores ??= new PriorityQueue<int, double>(Enumerable.Range(0, _model.Cores).Select(i => (i, 0.0)));
        _cores.TryDequeue(out var core, out var free);
        var done = Math.Max(at, free) + duration;
        _cores.Enqueue(core, done);
        return done;
    }

    private double Run(double at) => Run(at, _model.StepSeconds);

    /// <summary>The storage transactions an event made take storageCpu each from the cores (the local emulator shares them).</summary>
    private void StorageOnCores()
    {
        var made = Billable.StorageTransactions - _transactionsOnCores;
        _transactionsOnCores += made;
        if (made > 0 && _model.StorageCpuSeconds > 0)
            Run(_now, made * _model.StorageCpuSeconds);
    }

    /// <summary>The run's control-queue partition; by its number, not a string hash (randomized per process: one seed, one report).</summary>
    private static int ControlQueue(Op op) => 1 + op.Run.Number % (Queues - 1);

    /// <summary>An orchestrator episode: dequeue (a hop on its partition), replay, history and instance writes.</summary>
    private double Episode(Op op)
    {
        Billable.FunctionExecutions++;
        Billable.FunctionSeconds += _model.StepSeconds;
        Billable.TaskHubTransactions += 3;
        return Hop(ControlQueue(op));
    }

    /// <summary>An activity: dequeue from the work-item queue, run, its result written.</summary>
    private double Activity()
    {
        Billable.FunctionExecutions++;
        Billable.FunctionSeconds += _model.StepSeconds;
        return Hop(0);
    }

    /// <summary>Pipeline activities: billed, and where the runner shares the cores (runnerCpu), their work takes core time.</summary>
    private void Activities(int count)
    {
        Billable.ActivityRuns += count;
        if (_model.RunnerCpuSeconds > 0)
            Run(_now, count * _model.RunnerCpuSeconds);
    }

    public ContentionReport Run(Arrivals arrivals)
    {
        var runs = new List<SimRun>();
        var times = arrivals.Times(_options.Runs, _random);
        for (var i = 1; i <= _options.Runs; i++)
        {
            var run = new SimRun(i, _options.KeyOf(i), times[i - 1]);
            runs.Add(run);
            Schedule(run.StartedAt, () => StartPipeline(run));
        }
        while (_events.TryDequeue(out var action, out var at))
        {
            _now = at.At;
            action();
            StorageOnCores();
        }
        var makespan = runs.Max(r => r.EndedAt ?? r.StartedAt) - runs.Min(r => r.StartedAt);
        Billable.IdleQueuePolls = (long)(Queues * makespan / _model.MaxQueuePolling);
        return ContentionReport.FromRuns([.. runs.Select(ToReport)], _options);
    }

    private bool Queue => _options.Mode == ScenarioMode.Queue;

    private void StartPipeline(SimRun run)
    {
        // Conflict: Check Retry Jitter, Get Function Key, Until, Count Attempt, Store Attempt; queue: Get Function Key.
        var before = Queue ? 1 : 5;
        Activities(before);
        Schedule(_now + before * _model.ActivitySeconds, () => Call(run));
    }

    private void Call(SimRun run)
    {
        var op = new Op(run, $"{run.RunId}-{run.Ops.Count + 1}", _now);
        run.Ops.Add(op);
        _ops[op.InstanceId] = op;
        Activities(1);
        // The starter: an HTTP execution that schedules the orchestration; it answers 202 and the Web activity polls.
        Billable.FunctionExecutions++;
        Billable.FunctionSeconds += _model.HttpSeconds;
        Billable.TaskHubTransactions += 2; // instance row, start message history
        _lastPoll[op.InstanceId] = _now;
        op.Deadline = _now + _queueTimeout.TotalSeconds;
        // The request's way, then the starter's work: a step on a core like every execution (a start storm delays
        // the holders' steps too).
        var started = Run(_now + _model.HttpSeconds, _model.StepSeconds);
        Schedule(started + _model.FirstPollSeconds, () => Poll(op));
        Schedule(started, () => Schedule(_now + Episode(op), () => Schedule(_now + Activity() + _model.StorageSeconds, () => Decide(op))));
    }

    private (LockState State, LockProtocol Protocol) LockOf(string key)
    {
        if (!_locks.TryGetValue(key, out var entry))
            _locks[key] = entry = (new LockState(), new LockProtocol(key, _lockOptions, _queueOptions));
        return entry;
    }

    /// <summary>Applies a step: the blob was read (one transaction) and the decided state is written (another).</summary>
    private T Apply<T>(string key, Func<LockState, LockProtocol, LockStep<T>> decide)
    {
        var (state, protocol) = LockOf(key);
        var step = decide(state, protocol);
        Billable.LockBlobTransactions++;
        if (step.Write is { } written)
        {
            Billable.LockBlobTransactions++;
            _locks[key] = (written, protocol);
        }
        return step.Answer;
    }

    private void Decide(Op op)
    {
        var seconds = TimeSpan.FromSeconds(_options.Seconds);
        var now = At(_now);
        if (Queue)
        {
            var request = new QueueRequest(op.InstanceId, "wait", seconds, Lifetime, At(op.CalledAt), At(op.Deadline));
            var turn = Apply(op.Run.Key, (state, protocol) => protocol.JoinQueue(state, request, now, new PollView(this)));
            switch (turn.Outcome)
            {
                case TurnOutcome.Acquired:
                    Hold(op, _now + _model.StorageSeconds, _now + _model.StorageSeconds);
                    break;
                case TurnOutcome.Queued:
                    op.QueuedAt = _now;
                    ScheduleTurnCheck(op);
                    break;
                default:
                    Complete(op, turn.Outcome.ToString(), _now + Episode(op));
                    break;
            }
            return;
        }
        var callerId = _options.Strategy == RetryStrategy.Hint ? op.Run.RunId : null;
        var attempt = Apply(op.Run.Key, (state, protocol) => protocol.Acquire(state, new AcquireRequest(op.InstanceId, "wait", seconds, callerId, Lifetime), now, new PollView(this)));
        if (attempt.Acquired)
        {
            Hold(op, _now + _model.StorageSeconds, _now + _model.StorageSeconds);
            return;
        }
        op.RetryAfterSeconds = attempt.RetryAfterSeconds;
        op.RetryAt = attempt.RetryAt is { } retryAt ? Seconds(retryAt) : null;
        Complete(op, "Conflict", _now + Episode(op));
    }

    /// <summary>A queued run's durable timer: it checks its turn when no handover came within a lock lifetime.</summary>
    private void ScheduleTurnCheck(Op op)
    {
        var due = Math.Min(op.Deadline, _now + Lifetime.TotalSeconds);
        // A run handed the lock stops waiting for its timer: it never checks its turn again, also after it released.
        Schedule(due + _random.NextDouble() * _model.TimerLateness, () =>
        {
            if (op.AcquiredAt is not null || op.CompletedAt is not null) return;
            Schedule(_now + Episode(op) + Activity() + _model.StorageSeconds, () =>
            {
                if (op.AcquiredAt is not null || op.CompletedAt is not null) return;
                var request = new QueueRequest(op.InstanceId, "wait", TimeSpan.FromSeconds(_options.Seconds), Lifetime, At(op.CalledAt), At(op.Deadline));
                var turn = Apply(op.Run.Key, (state, protocol) => protocol.CheckTurn(state, request, At(_now), new PollView(this)));
                if (turn.Outcome == TurnOutcome.Acquired)
                    Hold(op, _now, _now + _model.StorageSeconds);
                else if (turn.Outcome == TurnOutcome.Queued)
                    ScheduleTurnCheck(op);
                else
                    Complete(op, turn.Outcome.ToString(), _now + Episode(op));
            });
        });
    }

    /// <summary>
    /// The run holds the lock from <paramref name="acquiredAt"/>; its orchestration learns it at <paramref name="knownAt"/>,
    /// waits the operation on durable timers (renewing between them), and releases.
    /// </summary>
    private void Hold(Op op, double acquiredAt, double knownAt)
    {
        op.Holding = true;
        op.AcquiredAt = acquiredAt;
        op.ExpectedEnd = acquiredAt + _options.Seconds;
        Schedule(knownAt, () =>
        {
            var timerSet = _now + Episode(op);
            var renewals = (int)Math.Floor(_options.Seconds / _lockOptions.Timings.RenewEvery.TotalSeconds);
            for (var i = 0; i < renewals; i++)
            {
                // Each renewal: a timer episode and a fence activity (lock blob read and write).
                Billable.FunctionExecutions += 2;
                Billable.FunctionSeconds += 2 * _model.StepSeconds;
                Billable.TaskHubTransactions += 12;
                Billable.LockBlobTransactions += 2;
            }
            var fired = timerSet + _options.Seconds + _random.NextDouble() * _model.TimerLateness;
            Schedule(fired, () => Schedule(_now + Episode(op) + Activity() + _model.StorageSeconds, () => Release(op)));
        });
    }

    private void Release(Op op)
    {
        var release = Apply(op.Run.Key, (state, protocol) => protocol.Release(state, op.InstanceId, At(_now), new PollView(this)));
        op.ReleasedAt = _now;
        var written = _now + _model.StorageSeconds;
        if (release.HandedTo is { } next && _ops.TryGetValue(next.HolderId, out var nextOp))
        {
            // The release activity sends the event itself, right after its write: one hop to the next run's orchestration.
            Billable.TaskHubTransactions += 1;
            Hold(nextOp, _now, written + Hop(ControlQueue(nextOp)));
        }
        op.Holding = false;
        Complete(op, "OK", written + Episode(op));
    }

    private void Complete(Op op, string status, double at)
    {
        Schedule(at, () =>
        {
            op.Status = status;
            op.CompletedAt = _now;
            if (op.HeldPoll is { } held)
                Answer(op, _now + _model.PollSeconds, held.Since);
        });
    }

    /// <summary>
    /// A status poll, as the app's status endpoint (RunStatus, QueuePollHook) answers it: a run deciding or holding the lock
    /// whose change is at most HoldPollFor away is held until a second past that change (at most HoldPollFor) or its end;
    /// else 202 with Retry-After to its change (a queued run in line: halfway to its turn; unknown: 1 s).
    /// </summary>
    private void Poll(Op op)
    {
        if (op.AnsweredAt is not null) return;
        Billable.FunctionExecutions++;
        Billable.FunctionSeconds += _model.PollSeconds;
        Billable.TaskHubTransactions++; // the status read
        _lastPoll[op.InstanceId] = _now;
        if (Queue) Billable.PollRecordTransactions++;
        var served = Run(_now, _model.PollSeconds);
        if (op.CompletedAt is not null)
        {
            Answer(op, served, _now);
            return;
        }
        var changeAt = ChangeAt(op);
        var change = Math.Max(changeAt ?? _now, _now);
        if ((!Queue || op.Holding) && change - _now <= _holdPollFor.TotalSeconds)
        {
            var since = _now;
            var token = _seq;
            op.HeldPoll = (since, token);
            Schedule(Math.Min(change + 1, _now + _holdPollFor.TotalSeconds), () =>
            {
                if (op.HeldPoll != (since, token) || op.AnsweredAt is not null) return;
                op.HeldPoll = null;
                Billable.FunctionSeconds += _now - since;
                NotYet(op, since);
            });
            return;
        }
        NotYet(op, _now);
    }

    /// <summary>When the run can next have changed: its expected end while holding, halfway to its turn in line, else unknown.</summary>
    private double? ChangeAt(Op op)
    {
        if (op.Holding && op.ExpectedEnd is { } end)
            return Queue ? end + Math.Max(0, LockOf(op.Run.Key).State.AverageOvershootSeconds ?? 0) : end;
        if (Queue && LockProtocol.ExpectedTurn(LockOf(op.Run.Key).State, op.InstanceId, At(_now)) is { InLine: true } turn)
        {
            var at = Seconds(turn.At);
            return at > _now ? _now + (at - _now) / 2 : at;
        }
        return null;
    }

    private void NotYet(Op op, double sentAt)
    {
        var retryAfter = ChangeAt(op) is { } change ? (int)Math.Clamp(Math.Ceiling(change - _now), 1, _maxRetryAfter) : 1;
        op.Polls.Add(new ContentionReport.Poll(At(sentAt), 202, retryAfter));
        Schedule(_now + _model.PollSeconds + retryAfter, () => Poll(op));
    }

    private void Answer(Op op, double at, double sentAt)
    {
        op.HeldPoll = null;
        op.AnsweredAt = at;
        Billable.FunctionSeconds += _now - sentAt;
        op.Polls.Add(new ContentionReport.Poll(At(sentAt), 200, null));
        Billable.WebActivitySeconds += at - op.CalledAt;
        Schedule(at, () => AfterCall(op));
    }

    private void AfterCall(Op op)
    {
        var run = op.Run;
        if (Queue || op.Status != "Conflict")
        {
            // Queue: Set Status, Check Outcome, Get Function App Output; conflict adds Store Outcome and Wait If Conflict.
            var after = Queue ? 3 : 5;
            Activities(after);
            var ok = op.Status == "OK";
            Schedule(_now + after * _model.ActivitySeconds, () => End(run, ok ? null : op.Status));
            return;
        }
        // Set Status, Store Outcome, Wait If Conflict, then the Wait itself.
        Activities(4);
        if (run.Ops.Count >= _options.MaxAttempts)
        {
            Activities(2);
            Schedule(_now + 4 * _model.ActivitySeconds, () => End(run, "LockNotAcquired"));
            return;
        }
        var from = _now + 3 * _model.ActivitySeconds;
        // As the generated Wait: until the hint's retryAt, whole seconds from the Wait's own start (at least 1).
        double wait = _options.Strategy != RetryStrategy.Hint ? _options.WaitSeconds + _random.Next((_options.JitterSeconds ?? 5) + 1)
            : op.RetryAt is { } retryAt ? Math.Max(1, Math.Ceiling(retryAt - from))
            : op.RetryAfterSeconds ?? _options.WaitSeconds;
        var to = from + Math.Ceiling(wait / _model.WaitGranularity) * _model.WaitGranularity;
        run.Waits.Add(new ContentionReport.Wait(At(from), At(to)));
        Billable.WaitActivitySeconds += to - from;
        // Count Attempt and Store Attempt before the next call.
        Activities(2);
        Schedule(to + 3 * _model.ActivitySeconds, () => Call(run));
    }

    private void End(SimRun run, string? error)
    {
        run.EndedAt = _now;
        if (error is not null)
            run.Error = new RunError(error, $"The simulated run ended with {error}.", "UserError", "Check Outcome");
    }

    private static ContentionReport.Run ToReport(SimRun run)
    {
        var operations = run.Ops.Select(op => new ContentionReport.Operation(
            op.InstanceId, op.Status, At(op.CalledAt), op.AnsweredAt is { } a ? At(a) : null,
            op.Status == "OK" && op.AcquiredAt is { } acquired ? At(acquired) : null,
            op.Status == "OK" && op.ReleasedAt is { } released ? At(released) : null,
            op.RetryAfterSeconds, op.RetryAt is { } r ? At(r) : null, op.Polls, op.QueuedAt is { } q ? At(q) : null)).ToList();
        return new ContentionReport.Run(run.RunId, run.Number, run.Key, run.Error is null ? nameof(RunState.Succeeded) : nameof(RunState.Failed),
            run.Error, run.Ops.Count, operations.Sum(o => o.Polls.Count), At(run.StartedAt), run.EndedAt is { } e ? At(e) : null, operations, run.Waits);
    }
}
