using System.Diagnostics;

namespace LocalTooling.Tracing;

/// <summary>
/// The .NET Aspire dashboard as a local OTLP viewer, without Docker: <c>dotnet aspire dashboard run</c> (Aspire.Cli,
/// pinned in <c>.config/dotnet-tools.json</c>; the dashboard ships inside the tool's package, so it starts offline once
/// <c>dotnet tool restore</c> has run). On loopback ports the system picks, anonymous (a local viewer); stopped with
/// SIGTERM to its process group (the CLI and the dashboard it starts), killed after 30 s.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private AspireDashboard(Process process, System.Collections.Concurrent.ConcurrentQueue<string> output, Uri frontend, Uri otlpGrpc)
    {
        _process = process;
        _output = output;
        FrontendUrl = frontend;
        OtlpGrpcUrl = otlpGrpc;
    }

    /// <summary>Where to open the dashboard in a browser.</summary>
    public Uri FrontendUrl { get; }

    /// <summary>Its OTLP/gRPC endpoint: the value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri OtlpGrpcUrl { get; }

    public int ProcessId => _process.Id;

    /// <param name="repositoryRoot">Where the tool manifest is found (the tool is run from there).</param>
    public static Task<AspireDashboard> StartAsync(string repositoryRoot, CancellationToken cancellationToken = default) =>
        StartAsync(repositoryRoot, LocalProcesses.FreePort, cancellationToken);

    /// <param name="pickPort">Where the ports come from: a free one each call (tests hand a taken one).</param>
    internal static Task<AspireDashboard> StartAsync(string repositoryRoot, Func<int> pickPort, CancellationToken cancellationToken) =>
        LocalProcesses.OnFreePortsAsync(() => StartOnPortsAsync(repositoryRoot, pickPort, cancellationToken));

    private static async Task<AspireDashboard> StartOnPortsAsync(string repositoryRoot, Func<int> pickPort, CancellationToken cancellationToken)
    {
        var (frontend, grpc, http) = (pickPort(), pickPort(), pickPort());
        var start = LocalProcesses.StartInfo("dotnet",
            ["aspire", "dashboard", "run", "--frontend-url", $"http://127.0.0.1:{frontend}", "--otlp-grpc-url", $"http://127.0.0.1:{grpc}",
             "--otlp-http-url", $"http://127.0.0.1:{http}", "--allow-anonymous", "--non-interactive", "--nologo"]);
        start.WorkingDirectory = repositoryRoot;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPIRE_CLI_TELEMETRY_OPTOUT"] = "1";
        var (process, output) = LocalProcesses.Start(start, "the Aspire dashboard");
        var dashboard = new AspireDashboard(process, output, new Uri($"http://127.0.0.1:{frontend}/"), new Uri($"http://127.0.0.1:{grpc}"));
        try
        {
            // Ready when its frontend answers (a first start extracts the dashboard from the tool's package: seconds).
            using var http11 = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                // Aspire.Cli 13.6.5 prints "Dashboard could not start because a configured port is already in use."
                if (process.HasExited && output.Any(line => line.Contains("already in use", StringComparison.OrdinalIgnoreCase)))
                    throw new PortInUseException($"The Aspire dashboard could not bind its ports.\n{string.Join('\n', output)}");
                if (process.HasExited)
                    throw new InvalidOperationException($"The Aspire dashboard exited ({process.ExitCode}); did 'dotnet tool restore' run?\n{string.Join('\n', output)}");
                try
                {
                    using var answer = await http11.GetAsync(dashboard.FrontendUrl, cancellationToken);
                    return dashboard;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"The Aspire dashboard did not answer on {dashboard.FrontendUrl} within 2 minutes.\n{string.Join('\n', output)}");
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    /// <summary>What it printed (for errors).</summary>
    public string Output => string.Join('\n', _output);

    public async ValueTask DisposeAsync()
    {
        // Its own session (setsid): the group is the CLI and the dashboard process it runs.
        await LocalProcesses.StopAsync(_process, -_process.Id, LocalProcesses.SIGTERM, TimeSpan.FromSeconds(30));
    }
}
