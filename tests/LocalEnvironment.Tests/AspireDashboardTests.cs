using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LocalTooling;
using LocalTooling.Tracing;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace LocalEnvironment.Tests;

/// <summary>The local OTLP viewer of --trace: the Aspire dashboard from the repository's tool manifest starts, takes spans, stops.</summary>
public sealed class AspireDashboardTests
{
    [Fact]
    public async Task The_dashboard_starts_offline_from_the_tool_manifest_accepts_OTLP_and_stops_with_its_ports()
    {
        await RestoreToolsAsync();

        int frontend;
        await using (var dashboard = await AspireDashboard.StartAsync(global::Tests.Shared.Repository.Root))
        {
            frontend = dashboard.FrontendUrl.Port;
            Assert.Equal("127.0.0.1", dashboard.FrontendUrl.Host);
            // A span exported over OTLP/gRPC, as the runner and the host export with --trace: the dashboard takes it.
            using var source = new ActivitySource("AspireDashboardTests");
            using var listener = new ActivityListener
            {
                ShouldListenTo = s => s == source,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(listener);
            var span = source.StartActivity("a span")!;
            span.Stop();
            using var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = dashboard.OtlpGrpcUrl });
            Assert.Equal(ExportResult.Success, exporter.Export(new Batch<Activity>([span], 1)));
        }

        // Stopped: the CLI, and the dashboard it ran, no longer listen.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await LocalProcesses.AcceptsConnectionsAsync(frontend))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the dashboard still listens on {frontend}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_port_taken_before_the_dashboard_binds_it_is_replaced_by_a_free_one()
    {
        await RestoreToolsAsync();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;

        // The first port picked (the frontend's) is taken; every later pick is free.
        var picks = 0;
        await using var dashboard = await AspireDashboard.StartAsync(global::Tests.Shared.Repository.Root,
            () => Interlocked.Increment(ref picks) == 1 ? takenPort : LocalProcesses.FreePort(), CancellationToken.None);

        Assert.NotEqual(takenPort, dashboard.FrontendUrl.Port);
        Assert.Equal(6, picks); // three ports for the start that could not bind, three for the one that did
    }

    private static async Task RestoreToolsAsync()
    {
        var restore = LocalProcesses.StartInfo("dotnet", ["tool", "restore"]);
        restore.WorkingDirectory = global::Tests.Shared.Repository.Root;
        var (restoring, restoreOutput) = LocalProcesses.Start(restore, "dotnet tool restore");
        using (restoring)
        {
            await restoring.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(restoring.ExitCode == 0, string.Join('\n', restoreOutput));
        }
    }

}
