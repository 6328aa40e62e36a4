using System.Collections.Concurrent;
using System.Diagnostics;

namespace LocalTooling;

/// <summary>
/// Starts the local function host (deploy/local/LocalFunctionHost) as a separate process (as the tests, the local
/// environment and the benchmarks need: a real process that can be stopped, killed and restarted, and run twice for
/// scale-out). The program that calls it references LocalFunctionHost, so that LocalFunctionHost.dll is beside it.
/// </summary>
public sealed class LocalHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private LocalHostProcess(Process process, ConcurrentQueue<string> output, Uri baseUrl, string taskHub, FunctionKeys keys)
    {
        Keys = keys;
        _process = process;
        _output = output;
        BaseUrl = baseUrl;
        TaskHub = taskHub;
    }

    /// <summary>Where the host listens; with no port asked for, the one the system gave it (read from its ready line).</summary>
    public Uri BaseUrl { get; private set; }

    public string TaskHub { get; }

    /// <summary>The keys this host checks (the starter's function key, the status URLs' system key).</summary>
    public FunctionKeys Keys { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the host printed so far (for failure messages).</summary>
    public string Output => string.Join('\n', _output);

    /// <param name="storageConnectionString">The storage the host uses (AzureWebJobsStorage).</param>
    /// <param name="taskHub">Task hub name; hosts that share it share orchestrations.</param>
    /// <param name="settings">More configuration, as key=value pairs (e.g. ExclusiveOperations:Lock:TimeToLive).</param>
    /// <param name="port">The HTTP port; when null, the host binds port 0 (the system picks a free one, so concurrent
    /// starts cannot race for a port) and says which in its ready line.</param>
    /// <param name="keys">The app's keys; hosts of one app (scale-out, restart) share them. New random keys when null.</param>
    /// <param name="secretSettings">Configuration that must not show on the command line (e.g. LocalHost:ManagementToken).</param>
    public static async Task<LocalHostProcess> StartAsync(
        string storageConnectionString, string taskHub, IReadOnlyDictionary<string, string>? settings = null, int? port = null,
        FunctionKeys? keys = null, IReadOnlyDictionary<string, string>? secretSettings = null, CancellationToken cancellationToken = default)
    {
        keys ??= FunctionKeys.Generate();
        var hostDll = HostDll();
        var url = new Uri($"http://127.0.0.1:{port ?? 0}");
        var arguments = new List<string> { hostDll, $"--urls={url.ToString().TrimEnd('/')}", $"--LocalHost:TaskHubName={taskHub}" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            arguments.Add($"--{key}={value}");
        var start = LocalProcesses.StartInfo("dotnet", arguments);
        // Secrets (the connection string, the keys) go through the environment, not the command line (which `ps` shows).
        start.Environment["AzureWebJobsStorage"] = storageConnectionString;
        start.Environment["LocalHost__FunctionKey"] = keys.FunctionKey;
        start.Environment["LocalHost__SystemKey"] = keys.SystemKey;
        foreach (var (key, value) in secretSettings ?? new Dictionary<string, string>())
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        // "Local function host ready on http://127.0.0.1:41234 (task hub ...": the address it actually bound.
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (process, output) = LocalProcesses.Start(start, "the local function host", line =>
        {
            const string prefix = "Local function host ready on ";
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
                return;
            var address = line[prefix.Length..].Split([' ', ','], 2)[0];
            if (Uri.TryCreate(address, UriKind.Absolute, out var bound) && bound.Port > 0)
                ready.TrySetResult(bound);
            else
                ready.TrySetException(new InvalidOperationException($"The local function host's ready line names no address: {line}"));
        });

        var host = new LocalHostProcess(process, output, url, taskHub, keys);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await Task.WhenAny(ready.Task, process.WaitForExitAsync(timeout.Token));
        }
        catch (OperationCanceledException)
        {
        }
        if (!ready.Task.IsCompletedSuccessfully)
        {
            await host.KillAsync();
            var message = $"The local function host did not become ready on {url}. Its output:\n{host.Output}";
            // Kestrel: "Failed to bind to address http://127.0.0.1:41234: address already in use."
            throw host.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                ? new PortInUseException(message)
                : new InvalidOperationException(message);
        }
        if (port is null)
            host.BaseUrl = ready.Task.Result;
        return host;
    }

    /// <summary>Graceful stop (SIGTERM), as a platform stopping an instance would; kill after 30 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        LocalProcesses.Signal(_process.Id, LocalProcesses.SIGTERM);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Abrupt death (SIGKILL): no cleanup, leases and locks are left behind as after a crash.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    /// <summary>The host's program, which a ProjectReference to LocalFunctionHost builds and copies beside the running app.</summary>
    private static string HostDll()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "LocalFunctionHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException(
            $"The local function host is not beside this program: no {path}. The project that starts it needs a ProjectReference to " +
            "deploy/local/LocalFunctionHost/LocalFunctionHost.csproj (which builds LocalFunctionHost.dll and copies it to the referencing output).", path);
    }
}

/// <summary>The host could not start because a port it was given was taken (by the time it bound it); a caller that
/// picked the port itself can pick another and start again.</summary>
public sealed class PortInUseException(string message) : InvalidOperationException(message);
