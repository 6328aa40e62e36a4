using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExclusiveOperations.Contracts;
using ExclusiveOperations.Hosting;
using ExclusiveOperations.Locking;
using ExclusiveOperations.Operations;
using ExclusiveOperations.Orchestration;
using LocalTooling;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Benchmarks;

/// <summary>
/// Uncontended round trip (start to finished status seen) p50/p95 and orchestrations per second, measured
/// side by side in one run on: the local function host (Durable Task Azure Storage backend on Azurite,
/// over HTTP, as a pipeline sees it), once telling held status polls of its commits and once re-reading on the
/// Function App's schedule, once exporting every span of the app (its trace file: the export of <c>./build.sh local</c>;
/// without it nothing listens and no span is created), and the in-process Durable Task test host (in memory, no HTTP).
/// All run the same orchestrator, activities and storage lock.
/// </summary>
public static class HostBenchmark
{
    private const int ConcurrentRuns = 50;
    private const int WarmUpRuns = 30;

    /// <param name="HostCpuMs">CPU time per orchestration of the runs at once, spent by the host (for the in-process host:
    /// the benchmark's own process, which it runs in); <paramref name="AzuriteCpuMs"/> by Azurite. Their sum bounds the rate
    /// a machine's cores can reach, however the work is scheduled.</param>
    public sealed record Figures(string Backend, int Samples, double P50Ms, double P95Ms, int ConcurrentRuns, double OrchestrationsPerSecond,
        double HostCpuMs, double AzuriteCpuMs);

    public static async Task<int> RunAsync(int samples)
    {
        AnsiConsole.MarkupLine($"[bold]Host benchmark[/]: {samples} sequential uncontended runs of 'wait' 0 s, then {ConcurrentRuns} at once on distinct keys. " +
            $"ProcessorCount={Environment.ProcessorCount} (DOTNET_PROCESSOR_COUNT={Environment.GetEnvironmentVariable("DOTNET_PROCESSOR_COUNT") ?? "unset"})");
        // The in-process host's gRPC sidecar logs every request at Information through the default host builder.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        await using var stack = await LocalStack.StartAsync(new LocalStackOptions { StartHost = false });
        var azuritePid = stack.Azurite.ProcessId;
        // One host at a time, in the order A B B A: whichever host ran second measured faster (Azurite still warming up),
        // so each variant gets one early and one late half.
        var announced = new List<Phase>();
        var traced = new List<Phase>();
        var scheduled = new List<Phase>();
        var traceFolder = Directory.CreateTempSubdirectory("bench-traces-").FullName;
        foreach (var (phases, announce, trace) in new[]
        {
            (announced, true, false), (traced, true, true), (scheduled, false, false), (scheduled, false, false), (traced, true, true), (announced, true, false),
        })
        {
            var settings = new Dictionary<string, string> { ["LocalHost:AnnounceCommits"] = announce ? "true" : "false" };
            if (trace)
                settings["LocalHost:TraceFile"] = Path.Combine(traceFolder, $"spans{phases.Count}.jsonl");
            await using var host = await stack.StartHostAsync($"BenchLocalHost{phases.Count}{announce}{trace}", settings);
            phases.Add(await LocalHostAsync(host, azuritePid, samples / 2));
        }
        var spans = Directory.GetFiles(traceFolder).Sum(file => File.ReadLines(file).Count());
        Directory.Delete(traceFolder, recursive: true);
        var figures = new List<Figures>
        {
            Combine("local host (Azure Storage backend, HTTP)", announced),
            Combine("local host, every span exported (trace file)", traced),
            Combine("local host, polls re-read on the Function App's schedule", scheduled),
        };
        // The in-process host shares Azurite (the storage lock's blobs) but not the machine with an idle local host.
        figures.Add(await InProcessHostAsync(stack.Azurite, samples));

        var table = new Table().AddColumns("backend", "round trip p50", "p95", $"{ConcurrentRuns} at once: orchestrations/s",
            "CPU per orchestration: host + Azurite");
        foreach (var f in figures)
            table.AddRow(f.Backend, $"{f.P50Ms:0} ms", $"{f.P95Ms:0} ms", $"{f.OrchestrationsPerSecond:0.0}",
                $"{f.HostCpuMs:0} + {f.AzuriteCpuMs:0} ms");
        AnsiConsole.Write(table);
        // The cost of tracing: the same host and runs, with and without the export (docs/tracing.md; target < 5%).
        AnsiConsole.MarkupLine($"Tracing overhead: round trip p50 {figures[1].P50Ms:0.0} ms exported vs {figures[0].P50Ms:0.0} ms not, " +
            $"ratio {figures[1].P50Ms / figures[0].P50Ms:0.000} ({spans} spans written)");

        Directory.CreateDirectory("out/bench");
        await File.WriteAllTextAsync("out/bench/host.json", JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine("Figures written to out/bench/host.json");
        return 0;
    }

    /// <summary>One host's share of the figures: its sequential round trips, and its rate and CPU time per orchestration
    /// for the runs at once.</summary>
    private sealed record Phase(List<double> RoundTrips, double PerSecond, CpuShare Cpu);

    private sealed record CpuShare(double HostMs, double AzuriteMs);

    private static Figures Combine(string backend, List<Phase> phases) =>
        Summarize(backend, [.. phases.SelectMany(p => p.RoundTrips)], phases.Average(p => p.PerSecond),
            new CpuShare(phases.Average(p => p.Cpu.HostMs), phases.Average(p => p.Cpu.AzuriteMs)));

    /// <summary>CPU time each process used while <paramref name="work"/> ran, per orchestration.</summary>
    private static async Task<(T Result, CpuShare Cpu)> MeasureCpuAsync<T>(int hostPid, int azuritePid, Func<Task<T>> work)
    {
        static TimeSpan Used(int pid)
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        var (host, azurite) = (Used(hostPid), Used(azuritePid));
        var result = await work();
        return (result, new CpuShare((Used(hostPid) - host).TotalMilliseconds / ConcurrentRuns,
            (Used(azuritePid) - azurite).TotalMilliseconds / ConcurrentRuns));
    }

    private static async Task<Phase> LocalHostAsync(LocalHostProcess host, int azuritePid, int samples)
    {
        using var http = new HttpClient();
        // Poll every 50 ms rather than the 1 s Retry-After, so the figure is the backend's latency, not the poll interval's.
        var client = new DurableHttpClient(http, host.Keys.FunctionKey, TimeSpan.FromMilliseconds(50));
        // Warm up the host and Azurite too: measured cold, a fresh Azurite's first thousand requests made the first host
        // measured look 1.5-2x slower than the next, whatever it was.
        for (var i = 0; i < WarmUpRuns; i++)
            await client.RunAsync(host.BaseUrl, "wait", new { seconds = 0, lockKey = $"warm-up-{i}" });

        var roundTrips = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var watch = Stopwatch.StartNew();
            var run = await client.RunAsync(host.BaseUrl, "wait", new { seconds = 0, lockKey = $"seq-{i}" });
            roundTrips.Add(watch.Elapsed.TotalMilliseconds);
            Ensure(run.OutcomeStatus == OperationStatus.Ok, $"local host run {i} ended {run.RuntimeStatus}/{run.OutcomeStatus}");
        }

        // 50 callers polling every 50 ms would measure the emulator's capacity for status reads instead.
        var concurrentClient = new DurableHttpClient(http, host.Keys.FunctionKey, TimeSpan.FromMilliseconds(250));
        var all = Stopwatch.StartNew();
        var (runs, cpu) = await MeasureCpuAsync(host.ProcessId, azuritePid, () => Task.WhenAll(Enumerable.Range(0, ConcurrentRuns).Select(i =>
            Task.Run(() => concurrentClient.RunAsync(host.BaseUrl, "wait", new { seconds = 0, lockKey = $"par-{i}" })))));
        var seconds = all.Elapsed.TotalSeconds;
        Ensure(runs.All(r => r.OutcomeStatus == OperationStatus.Ok), "not every concurrent local host run ended OK");
        return new Phase(roundTrips, ConcurrentRuns / seconds, cpu);
    }

    private static async Task<Figures> InProcessHostAsync(AzuriteServer azurite, int samples)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ExclusiveOperationsServices.StorageSetting] = azurite.ConnectionString,
            [$"{LockOptions.Section}:Container"] = "bench-in-process-locks",
        }).Build();
        var orchestrator = new ExclusiveOperationOrchestrator(new OperationCatalog([new WaitOperation(), new CompactOperation(new DataContainers { Containers = "data" })]));
        await using var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddExclusiveOperationFunctions(orchestrator),
            // Left to itself, the test host's gRPC sidecar takes a random port in 30000-40000 without checking it (it met a
            // local host's port): one the system says is free.
            new DurableTaskTestHostOptions { Port = LocalProcesses.FreePort(), ConfigureServices = services => services.AddExclusiveOperations(configuration) });

        async Task<OperationOutcome> RunOnce(string key)
        {
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(FunctionNames.Orchestrator,
                new OperationRequest("wait", key, new JsonObject { ["seconds"] = 0 }, LockTimings: new LockOptions().Timings));
            var metadata = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);
            return metadata.ReadOutputAs<OperationOutcome>() ?? throw new InvalidOperationException($"{id} ended {metadata.RuntimeStatus}");
        }

        await RunOnce("warm-up");
        var roundTrips = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var watch = Stopwatch.StartNew();
            var outcome = await RunOnce($"seq-{i}");
            roundTrips.Add(watch.Elapsed.TotalMilliseconds);
            Ensure(outcome.Status == OperationStatus.Ok, $"in-process run {i} ended {outcome.Status}");
        }

        var all = Stopwatch.StartNew();
        var (outcomes, cpu) = await MeasureCpuAsync(Environment.ProcessId, azurite.ProcessId,
            () => Task.WhenAll(Enumerable.Range(0, ConcurrentRuns).Select(i => Task.Run(() => RunOnce($"par-{i}")))));
        var seconds = all.Elapsed.TotalSeconds;
        Ensure(outcomes.All(o => o.Status == OperationStatus.Ok), "not every concurrent in-process run ended OK");
        return Summarize("in-process test host (memory, no HTTP)", roundTrips, ConcurrentRuns / seconds, cpu);
    }

    private static Figures Summarize(string backend, List<double> roundTrips, double perSecond, CpuShare cpu)
    {
        roundTrips.Sort();
        return new Figures(backend, roundTrips.Count, Percentile(roundTrips, 0.5), Percentile(roundTrips, 0.95), ConcurrentRuns, perSecond,
            cpu.HostMs, cpu.AzuriteMs);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];

    private static void Ensure(bool condition, string message)
    {
        if (!condition)
            throw new InvalidOperationException(message);
    }
}
