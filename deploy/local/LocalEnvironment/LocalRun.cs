using System.Text.Json;
using ContentionReports;
using DataFactory.Pipelines.Json;
using LocalTooling;
using LocalTooling.Tracing;
using Spectre.Console;

namespace LocalEnvironment;

/// <summary>
/// The local environment, start to finish: Azurite, the local function host, N runs of the generated pipeline
/// at once (live table), a summary, report.json + report.html; and everything stopped again, on success,
/// failure and Ctrl+C.
/// </summary>
public static class LocalRun
{
    public static async Task<(int ExitCode, ContentionReport? Report)> RunAsync(ScenarioOptions options, string pipelinePath, string reportFolder, CancellationToken cancellationToken)
    {
        if (!File.Exists(pipelinePath))
        {
            AnsiConsole.MarkupLine($"[red]No pipeline at {Markup.Escape(pipelinePath)}.[/] Run ./build.sh pipelines, or pass --pipeline.");
            return (2, null);
        }
        var pipeline = PipelineJson.Deserialize(await File.ReadAllTextAsync(pipelinePath, cancellationToken), pipelinePath);
        AnsiConsole.MarkupLine($"[bold]Local environment[/]: {options.Runs} runs of pipeline {pipeline.Name} on {options.Keys} key(s), " +
            $"operation 'wait' {options.Seconds} s, {options.Profile.ToString().ToLowerInvariant()} profile, " + (options.Mode == LockMode.Queue ? "queue mode" : $"strategy {options.Label}") +
            (options.Mode == LockMode.Conflict && options.Strategy == RetryStrategy.Fixed ? $" ({options.WaitSeconds} s + jitter {(options.JitterSeconds is { } j ? $"0..{j} s" : "as the pipeline's default")})" : ""));

        // The runner's spans and the host's, each to a file of its own (JSON lines), merged into traces.json once both stopped.
        Directory.CreateDirectory(reportFolder);
        var spanFiles = new[] { Path.GetFullPath(Path.Combine(reportFolder, "spans.runner.jsonl")), Path.GetFullPath(Path.Combine(reportFolder, "spans.app.jsonl")) };
        foreach (var file in spanFiles)
            File.Delete(file);
        var telemetry = LocalTelemetry.Start("data-factory-runner", [DataFactory.Runner.Run.RunnerTelemetry.SourceName], spanFiles[0]);
        var hostSettings = new Dictionary<string, string>(options.HostSettings ?? new Dictionary<string, string>()) { ["LocalHost:TraceFile"] = spanFiles[1] };
        LocalStack? stack = null;
        try
        {
            stack = await LocalStack.StartAsync(new LocalStackOptions { TaskHub = "LocalEnvironment", Settings = hostSettings }, cancellationToken);
            var (azurite, host) = (stack.Azurite, stack.Host);
            AnsiConsole.MarkupLine($"Azurite on 127.0.0.1:{azurite.BlobPort}/{azurite.QueuePort}/{azurite.TablePort}");
            AnsiConsole.MarkupLine($"Local function host on {host.BaseUrl} (Durable Task Framework, Azure Storage backend)");

            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            // One operation on a key of its own before the clock starts: the figures are about contention, not about
            // the host compiling its first orchestration.
            await new DurableHttpClient(http, host.Keys.FunctionKey).RunAsync(host.BaseUrl, "wait", new { seconds = 0, lockKey = "warm-up" }, TimeSpan.FromMinutes(1), cancellationToken);
            var contention = new PipelineContention(http, pipeline, LocalFunctionApp.Of(stack), options);
            var runTask = contention.RunAsync(cancellationToken);
            await ShowProgressAsync(contention, runTask);
            var runs = await runTask;

            var report = ContentionReport.From(runs, options);
            Directory.CreateDirectory(reportFolder);
            await File.WriteAllTextAsync(Path.Combine(reportFolder, "report.json"),
                JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(reportFolder, "report.html"), TimelineHtml.Render(report), cancellationToken);
            ReportConsole.PrintSummary(report);
            AnsiConsole.MarkupLine($"Reports: {Markup.Escape(Path.Combine(reportFolder, "report.json"))}, {Markup.Escape(Path.Combine(reportFolder, "report.html"))}");
            return (report.Totals.Failed == 0 && report.Totals.Overlaps == 0 ? 0 : 1, report);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return (130, null);
        }
        finally
        {
            if (stack is not null)
                await stack.DisposeAsync();
            telemetry.Dispose();
            AnsiConsole.MarkupLine("[grey]Stopped the local function host and Azurite.[/]");
            var traces = Path.Combine(reportFolder, "traces.json");
            var spans = SpanFile.Merge(spanFiles, traces);
            foreach (var file in spanFiles)
                File.Delete(file);
            AnsiConsole.MarkupLine($"Traces: {Markup.Escape(traces)} ({spans.Count} spans; docs/tracing.md)");
        }
    }

    private static async Task ShowProgressAsync(PipelineContention contention, Task runs)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs and CI: a line every few seconds instead of a redrawn table.
            while (await Task.WhenAny(runs, Task.Delay(TimeSpan.FromSeconds(3))) != runs)
            {
                var states = contention.Progress.Values;
                AnsiConsole.WriteLine($"{states.Count(s => s.EndedAt is not null)}/{states.Count} runs done, {states.Sum(s => s.Attempt)} function calls so far");
            }
            return;
        }
        var table = new Table().AddColumns("run", "key", "attempt", "state", "elapsed");
        await AnsiConsole.Live(table).StartAsync(async context =>
        {
            do
            {
                table.Rows.Clear();
                foreach (var p in contention.Progress.Values.OrderBy(p => p.Run))
                {
                    var elapsed = ((p.EndedAt ?? DateTimeOffset.UtcNow) - p.StartedAt).TotalSeconds;
                    var state = p.State switch { "Succeeded" => "[green]Succeeded[/]", "OK" => "[green]OK[/]", var s when s.StartsWith("Conflict", StringComparison.Ordinal) => $"[yellow]{Markup.Escape(s)}[/]", var s when s.StartsWith("Failed", StringComparison.Ordinal) => $"[red]{Markup.Escape(s)}[/]", var s => Markup.Escape(s) };
                    table.AddRow(p.Run.ToString(), p.LockKey, p.Attempt.ToString(), state, $"{elapsed:0.0}s");
                }
                context.Refresh();
            }
            while (await Task.WhenAny(runs, Task.Delay(250)) != runs);
        });
    }
}
