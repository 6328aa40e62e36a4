using System.Text.Encodings.Web;
using System.Text.Json;

namespace DataFactory.Runner.Run;

/// <summary>The run record's JSON as <c>adf run --output</c> writes it: indented, with quotes and angle brackets as they are.</summary>
public static class RunRecordJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
