using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LocalTooling.Tracing;

/// <summary>
/// The local processes' OpenTelemetry: the given sources and meters, exported to a span file (when a path is given) and
/// over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (<c>./build.sh local --trace</c> sets it to the local
/// dashboard). Nothing is listened to otherwise: without either, no span is even created.
/// </summary>
public sealed class LocalTelemetry : IDisposable
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private readonly TracerProvider? _tracing;
    private readonly MeterProvider? _metrics;

    private LocalTelemetry(TracerProvider? tracing, MeterProvider? metrics)
    {
        _tracing = tracing;
        _metrics = metrics;
    }

    /// <summary>Where spans go: the span file, and OTLP when its endpoint is set; none: a no-op.</summary>
    public static LocalTelemetry Start(string service, string[] sources, string? spanFile)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        if (spanFile is null && !otlp)
            return new LocalTelemetry(null, null);
        var resource = ResourceBuilder.CreateDefault().AddService(service);
        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(sources);
        if (spanFile is not null)
            tracing.AddProcessor(new SimpleActivityExportProcessor(new SpanFileExporter(spanFile, service)));
        MeterProvider? metrics = null;
        if (otlp)
        {
            // The endpoint and protocol from the OTEL_EXPORTER_OTLP_* variables (the dashboard's OTLP/gRPC port).
            tracing.AddOtlpExporter();
            metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(sources)
                .AddOtlpExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 5000).Build();
        }
        return new LocalTelemetry(tracing.Build(), metrics);
    }

    /// <summary>Flushes and stops the exporters.</summary>
    public void Dispose()
    {
        _tracing?.Dispose();
        _metrics?.Dispose();
    }
}
