using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LocalTooling;

/// <summary>Ports and signals for the child processes of the local environment (Azurite, hosts).</summary>
public static partial class LocalProcesses
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    /// <summary>Pause and resume (Linux numbers): a stopped process keeps its state and sockets but runs nothing, like a frozen worker.</summary>
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    /// <summary>
    /// Start info for a child in its own session (via <c>setsid</c> where it exists), so that a terminal's Ctrl+C
    /// reaches only the parent, which then stops its children in order: the host before Azurite, because the
    /// host needs storage to shut down cleanly.
    /// </summary>
    public static System.Diagnostics.ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments)
    {
        var setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
        var start = new System.Diagnostics.ProcessStartInfo(setsid ?? fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (setsid is not null)
            start.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>Starts the process and collects everything it prints; <paramref name="onLine"/> sees each stdout line.</summary>
    public static (System.Diagnostics.Process Process, System.Collections.Concurrent.ConcurrentQueue<string> Output) Start(
        System.Diagnostics.ProcessStartInfo start, string what, Action<string>? onLine = null)
    {
        var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"Could not start {what}.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts something on ports picked beforehand (<see cref="FreePort"/>): another process can take one between the
    /// pick and the bind, so when <paramref name="start"/> throws <see cref="PortInUseException"/> it is called again
    /// (it picks new ports), up to <paramref name="attempts"/> times in all.
    /// </summary>
    public static async Task<T> OnFreePortsAsync<T>(Func<Task<T>> start, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start();
            }
            catch (PortInUseException) when (attempt < attempts)
            {
            }
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Whether something on loopback accepts a connection on <paramref name="port"/> (within 10 s).</summary>
    public static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops a child the way it asks to be stopped: <paramref name="signal"/> to <paramref name="target"/> (its pid, or
    /// minus its process group's), then, after <paramref name="grace"/>, kills its whole tree. Disposes it.
    /// </summary>
    public static async Task StopAsync(System.Diagnostics.Process process, int target, int signal, TimeSpan grace)
    {
        if (!process.HasExited)
        {
            Signal(target, signal);
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }

    /// <summary>Sends a POSIX signal (Process.Kill only sends SIGKILL).</summary>
    public static void Signal(int processId, int signal) => _ = kill(processId, signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
