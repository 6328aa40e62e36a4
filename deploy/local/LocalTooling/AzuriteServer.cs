using System.Diagnostics;

namespace LocalTooling;

/// <summary>
/// Runs Azurite (the storage emulator, installed by <c>npm ci</c> in <c>deploy/local/azurite</c>) as a child
/// process on free loopback ports (port 0: the system picks them), and stops it the way it needs: Azurite ignores SIGTERM, so SIGINT
/// first, then kill.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    // Azurite's published development account key (the same for every Azurite install); not a secret.
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly bool _deleteLocation;

    private AzuriteServer(Process process, int blobPort, int queuePort, int tablePort, string location, bool deleteLocation)
    {
        _process = process;
        _deleteLocation = deleteLocation;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        Location = location;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>The Azurite process (Node), e.g. to read the CPU time it used.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The folder Azurite runs in and keeps its data in (a restarted Azurite on the same folder keeps it), unless it
    /// was started without one: then its data is in memory and the folder is temporary.</summary>
    public string Location { get; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevAccountKey + ";" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    /// <summary>Starts Azurite and returns once all three services accept connections.</summary>
    /// <param name="location">Data folder; when null, the data is kept in memory only (nothing outlives the server; measured
    /// faster under load, docs/benchmarks.md), and Azurite runs in a new temporary folder, deleted when it is disposed.</param>
    /// <param name="ports">Blob, queue and table ports; when null, Azurite binds port 0 (the system picks free ports, so
    /// concurrent starts cannot race for one) and the ports are read from the lines where it says where it listens.</param>
    public static async Task<AzuriteServer> StartAsync(string? location = null, (int Blob, int Queue, int Table)? ports = null, CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable();
        var temporary = location is null;
        location ??= Directory.CreateTempSubdirectory("azurite-").FullName;
        Directory.CreateDirectory(location);
        var (blob, queue, table) = ports ?? (0, 0, 0);

        // No telemetry: Azurite collects it by default, and a local tool has no business reporting home.
        var start = LocalProcesses.StartInfo(executable,
        [
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--disableProductStyleUrl",
            .. temporary ? ["--inMemoryPersistence"] : new[] { "--location", location },
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        ]);
        start.WorkingDirectory = location;

        // "Azurite Blob service is successfully listening at http://127.0.0.1:41234" (one line per service).
        var listening = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var (process, output) = LocalProcesses.Start(start, $"Azurite ({executable})", line =>
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
                listening[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (listening.TryGetValue("Blob", out var b) && listening.TryGetValue("Queue", out var q) && listening.TryGetValue("Table", out var t)
                && await LocalProcesses.AcceptsConnectionsAsync(b) && await LocalProcesses.AcceptsConnectionsAsync(q) && await LocalProcesses.AcceptsConnectionsAsync(t))
                return new AzuriteServer(process, b, q, t, location, deleteLocation: temporary);
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                // Read before disposing: a disposed Process has no state to ask.
                var failure = new InvalidOperationException(
                    $"Azurite did not start on ports {(ports is null ? "0/0/0 (any free ports)" : $"{blob}/{queue}/{table}")} " +
                    (process.HasExited ? $"(it exited with code {process.ExitCode})" : "within 60 s") +
                    $". Its output:\n{string.Join('\n', output)}");
                await new AzuriteServer(process, blob, queue, table, location, deleteLocation: temporary).DisposeAsync();
                throw failure;
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Azurite (Blob|Queue|Table) service is successfully listening at https?://[^\s]*:(\d+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        await LocalProcesses.StopAsync(_process, _process.Id, LocalProcesses.SIGINT, TimeSpan.FromSeconds(5));
        // A temporary data folder holds nothing anyone can use after the server stops (each test run left one, megabytes each).
        if (_deleteLocation)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the system's temporary folder is cleaned eventually.
            }
        }
    }

    /// <summary><c>AZURITE_PATH</c>, else <c>deploy/local/azurite/node_modules/.bin/azurite</c> above the current or the app folder.</summary>
    private static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("AZURITE_PATH");
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? Path.GetFullPath(configured) : throw new FileNotFoundException($"AZURITE_PATH points at '{configured}', which does not exist.");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "local", "azurite", "node_modules", ".bin", "azurite");
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        throw new FileNotFoundException(
            "Azurite is not installed. Run 'npm ci --prefix deploy/local/azurite' in the repository (./build.sh does it), or set AZURITE_PATH.");
    }

    /// <summary>Azurite's usual ports (10000-10002, what tools like Storage Explorer expect) when free, else port 0 (any free ports).</summary>
    public static (int Blob, int Queue, int Table) DefaultPortsIfFree() =>
        LocalProcesses.IsFree(10000) && LocalProcesses.IsFree(10001) && LocalProcesses.IsFree(10002)
            ? (10000, 10001, 10002)
            : (0, 0, 0);
}
