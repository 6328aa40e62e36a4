using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTelemetry;

namespace LocalTooling.Tracing;

/// <summary>
/// The spans of one process as JSON lines, one span a line, written as each span ends (a killed process loses none it
/// ended), so that <c>./build.sh local</c> can merge the runner's and the host's into <c>out/local/traces.json</c>
/// (<see cref="SpanFile.Merge"/>; the format is in docs/tracing.md).
/// </summary>
public sealed class SpanFileExporter(string path, string service) : BaseExporter<Activity>
{
    private readonly StreamWriter _writer = CreateWriter(path);
    private readonly Lock _gate = new();

    private static StreamWriter CreateWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        lock (_gate)
        {
            foreach (var span in batch)
                _writer.WriteLine(SpanFile.ToJson(span, service).ToJsonString());
            _writer.Flush();
        }
        return ExportResult.Success;
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        lock (_gate)
            _writer.Dispose();
        return true;
    }
}

/// <summary>One span as a JSON object, and the merge of span files into traces.json.</summary>
public static class SpanFile
{
    public static JsonObject ToJson(Activity span, string service) => new()
    {
        ["traceId"] = span.TraceId.ToHexString(),
        ["spanId"] = span.SpanId.ToHexString(),
        ["parentSpanId"] = span.ParentSpanId == default ? null : span.ParentSpanId.ToHexString(),
        ["name"] = span.DisplayName,
        ["kind"] = span.Kind.ToString(),
        ["service"] = service,
        ["scope"] = span.Source.Name,
        ["start"] = span.StartTimeUtc.ToString("O"),
        ["end"] = (span.StartTimeUtc + span.Duration).ToString("O"),
        ["durationMs"] = Math.Round(span.Duration.TotalMilliseconds, 3),
        ["status"] = span.Status.ToString(),
        ["statusDescription"] = span.StatusDescription,
        ["attributes"] = new JsonObject(span.TagObjects.Where(t => t.Value is not null)
            .Select(t => KeyValuePair.Create(t.Key, JsonSerializer.SerializeToNode(t.Value)))),
        ["links"] = new JsonArray([.. span.Links.Select(l => (JsonNode)new JsonObject
        {
            ["traceId"] = l.Context.TraceId.ToHexString(),
            ["spanId"] = l.Context.SpanId.ToHexString(),
        })]),
    };

    /// <summary>
    /// Reads span files (JSON lines; missing files are skipped) and writes <paramref name="output"/>: <c>{ "spans": [...] }</c>,
    /// ordered by trace, then start. Returns the spans written.
    /// </summary>
    public static IReadOnlyList<JsonObject> Merge(IEnumerable<string> inputs, string output)
    {
        var spans = new List<JsonObject>();
        foreach (var input in inputs.Where(File.Exists))
        {
            using var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && JsonNode.Parse(line) is JsonObject span)
                    spans.Add(span);
            }
        }
        spans = [.. spans.OrderBy(s => (string?)s["traceId"], StringComparer.Ordinal).ThenBy(s => (string?)s["start"], StringComparer.Ordinal)];
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, new JsonObject { ["spans"] = new JsonArray([.. spans.Select(s => (JsonNode)s.DeepClone())]) }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return spans;
    }
}
