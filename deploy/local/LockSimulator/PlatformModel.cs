using System.Globalization;

namespace LockSimulator;

/// <summary>The platform whose timings the simulator plays: the local stack (as measured) or Azure (as documented).</summary>
public enum Profile
{
    /// <summary>The local host's fast profile with the local pipeline runner, as measured by <c>./build.sh local</c> and <c>bench</c>.</summary>
    Local,

    /// <summary>The app's timings in Azure: host.json's queue polling (2 s), Data Factory's own activity latency.</summary>
    Azure,
}

/// <summary>One named parameter of the latency model: its value in seconds and where the value comes from.</summary>
public sealed record ModelParameter(string Name, double Seconds, string Source, string Meaning);

/// <summary>
/// The latency model: every delay the simulator adds between two lock decisions, by name, with a default per profile
/// and its source (a doc of this repository or a local measurement), each overridable (<c>--set name=seconds</c>).
/// </summary>
public sealed class PlatformModel
{
    private readonly Dictionary<string, ModelParameter> _parameters;

    private PlatformModel(IEnumerable<ModelParameter> parameters) => _parameters = parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<ModelParameter> Parameters => _parameters.Values;

    public double this[string name] => _parameters[name].Seconds;

    /// <summary>Data Factory: from one activity's end to the next one's start (its own work included).</summary>
    public double ActivitySeconds => this["adfActivity"];

    /// <summary>Data Factory Wait: whole seconds of this granularity.</summary>
    public double WaitGranularity => this["adfWaitGranularity"];

    /// <summary>An HTTP request between Data Factory and the Function App, one way plus the function's work.</summary>
    public double HttpSeconds => this["http"];

    /// <summary>The longest idle back-off of the Durable Task Azure Storage backend's queue polling.</summary>
    public double MaxQueuePolling => this["maxQueuePollingInterval"];

    /// <summary>
    /// How long a message waits for a poll of its queue at most, once the queue was idle: the documented back-off can reach
    /// maxQueuePollingInterval, but the backend measured locally dequeued far sooner, so the ceiling is calibrated.
    /// </summary>
    public double QueuePollCeiling => Math.Min(this["queuePollCeiling"], MaxQueuePolling);

    /// <summary>The work of one orchestration episode or activity (replay, dispatch, the history write).</summary>
    public double StepSeconds => this["durableStep"];

    /// <summary>One blob read or conditional write.</summary>
    public double StorageSeconds => this["storage"];

    /// <summary>How late a durable timer fires past its due time, at most (uniform from 0).</summary>
    public double TimerLateness => this["timerLateness"];

    /// <summary>A Web activity's status poll: request and answer.</summary>
    public double PollSeconds => this["webPoll"];

    /// <summary>How many executions run at once (0: unbounded): more queue for a core.</summary>
    public int Cores => (int)this["cores"];

    /// <summary>Core time one storage transaction takes from the app's cores (the local emulator shares them; Azure's storage does not).</summary>
    public double StorageCpuSeconds => this["storageCpu"];

    /// <summary>Core time one pipeline activity takes from the app's cores (the local runner shares them; Data Factory does not).</summary>
    public double RunnerCpuSeconds => this["runnerCpu"];

    /// <summary>A Web activity's wait before the first poll of a 202 that carries no Retry-After.</summary>
    public double FirstPollSeconds => this["webFirstPoll"];

    public static PlatformModel For(Profile profile)
    {
        const string bench = "docs/benchmarks.md (local bench, 2 cores, 2026-12-07)";
        const string behaviour = "docs/azure-behaviour.md";
        var local = profile == Profile.Local;
        return new PlatformModel(
        [
            new("adfActivity", local ? 0.005 : 1.0,
                local ? "local runner: start + end of a run is 0.13 + 0.03 s for four activities, " + bench
                    : "ASSUMED: Data Factory does not document its per-activity latency; about a second is typical, override it",
                "from one activity's end to the next one's start"),
            new("adfWaitGranularity", 1, behaviour + " (a Wait takes whole seconds)", "a Wait's granularity"),
            new("http", 0.05,
                local ? "calibrated: a call took 0.15-0.17 s from its request to its lock decision after the start storm (report.json of ./build.sh local --strategy fixed, 2026-12-07; the starter's own work is a durableStep on a core)"
                    : "ASSUMED: one in-region HTTPS request, override it",
                "one HTTP request between the pipeline and the function, on its way (the starter's work is a durableStep)"),
            new("maxQueuePollingInterval", local ? 0.5 : 2,
                local ? "docs/configuration.md (LocalHost__MaxQueuePollingInterval, fast profile)" : "functionapp/FunctionApp/host.json (maxQueuePollingInterval 00:00:02)",
                "longest idle poll back-off of a task hub queue"),
            new("queuePollCeiling", local ? 0.01 : 0.12,
                local ? "calibrated: queue-mode hold of a 1 s wait 1.08 s = timer + three steps + the handover event, " + bench
                    : "queue-mode hold of a 20 s wait on the local host with the azure profile (the real backend, 2 s polling): 20.32 s, " + bench,
                "how long a message waits for a queue poll at most once its queue was idle (uniform from 0; at most maxQueuePollingInterval)"),
            new("durableStep", local ? 0.015 : 0.03,
                local ? "queue-mode hold of a 1 s wait: 1.08 s = timer + release activity + event, " + bench : "ASSUMED: twice the local step (remote storage), override it",
                "one orchestration episode or activity: dequeue, replay or run, history write"),
            new("storage", local ? 0.004 : 0.01, local ? "Azurite on loopback, local measurement" : "ASSUMED: in-region blob request, override it",
                "one blob read or conditional write"),
            new("timerLateness", local ? 0.02 : 1.0,
                local ? "conflict-mode hold of a 1 s wait: 1.05-1.06 s, " + bench : behaviour + " (timers are queue message visibility: whole seconds)",
                "how late a durable timer fires at most (uniform from 0)"),
            new("webPoll", local ? 0.01 : 0.05, local ? "calibrated like http (loopback), " + bench : "ASSUMED: one in-region HTTPS request, override it",
                "a Web activity's status poll, request and answer"),
            new("cores", local ? 2 : 0,
                local ? "this machine: 2 cores run the host, Azurite and the runner (60 runs started at once took 2.2-3.4 s to their first releases), " + bench
                    : "0: unbounded (the plan scales out; Flex Consumption and Elastic Premium add instances under load)",
                "cores that run the starters, status polls, orchestration steps and activities (0: unbounded); a count, not seconds"),
            new("storageCpu", local ? 0.001 : 0,
                local ? "bench-host: Azurite used 35-43 ms of CPU per orchestration for about 40 requests, on the host's cores (docs/benchmarks.md, what bounds the rate)"
                    : "0: Azure Storage runs on its own machines",
                "core time each storage transaction takes from the cores that run the steps (with cores > 0)"),
            new("runnerCpu", local ? 0.005 : 0,
                local ? "the local pipeline runner runs on the same cores, about adfActivity of work per activity; calibrated: fixed and hint on 6 keys, docs/simulator.md"
                    : "0: Data Factory runs on its own machines",
                "core time each pipeline activity takes from the cores that run the steps (with cores > 0)"),
            new("webFirstPoll", 1,
                local ? "the local runner's DefaultPollInterval (pipelines/DataFactory.Runner RunnerOptions): the starter's 202 has no Retry-After"
                    : "ASSUMED: how soon Data Factory polls a 202 without Retry-After is not documented (" + behaviour + "), override it",
                "a Web activity's wait before its first status poll (the starter's 202 carries no Retry-After)"),
        ]);
    }

    /// <summary>Sets parameters from <c>name=seconds</c> pairs; throws naming the parameter when unknown or not a number.</summary>
    public PlatformModel With(IEnumerable<string> assignments)
    {
        foreach (var assignment in assignments)
        {
            var parts = assignment.Split('=', 2);
            if (parts.Length != 2 || !_parameters.TryGetValue(parts[0].Trim(), out var parameter))
                throw new ArgumentException($"--set {assignment}: not name=seconds with a known name ({string.Join(", ", _parameters.Keys)}).");
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                throw new ArgumentException($"--set {assignment}: the value must be a non-negative number of seconds.");
            _parameters[parameter.Name] = parameter with { Seconds = seconds, Source = "--set" };
        }
        return this;
    }
}
