using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary><c>Wait</c>: waits <see cref="WaitTimeInSeconds"/> (a number or an expression).</summary>
public sealed class WaitActivity(string name) : Activity(name)
{
    public override string Type => "Wait";

    public DfValue WaitTimeInSeconds { get; set; } = 1;

    public override IEnumerable<DfValue?> Values => [WaitTimeInSeconds];

    internal override void WriteTypeProperties(JsonObject tp) => tp["waitTimeInSeconds"] = WaitTimeInSeconds.ToJson();

    internal override void ReadTypeProperties(PropertyReader tp) =>
        WaitTimeInSeconds = tp.TakeValue("waitTimeInSeconds") ?? throw tp.Error("'waitTimeInSeconds' is required");
}

/// <summary>
/// <c>SetVariable</c>: sets a declared variable, or, with <see cref="ReturnValues"/>, the pipeline's return
/// value (<c>variableName: pipelineReturnValue</c>, <c>setSystemVariable: true</c>).
/// </summary>
public sealed class SetVariableActivity(string name) : Activity(name)
{
    public const string PipelineReturnValue = "pipelineReturnValue";

    public override string Type => "SetVariable";

    public string VariableName { get; set; } = "";
    public DfValue? Value { get; set; }

    /// <summary>When set, this activity sets the pipeline return value: key to value.</summary>
    public Dictionary<string, DfValue>? ReturnValues { get; set; }

    public bool SetsReturnValue => ReturnValues is not null;

    public override IEnumerable<DfValue?> Values => [Value, .. ReturnValues?.Values ?? Enumerable.Empty<DfValue>()];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        if (ReturnValues is { } returns)
        {
            tp["variableName"] = PipelineReturnValue;
            tp["value"] = new JsonArray([.. returns.Select(r => (JsonNode)new JsonObject
            {
                ["key"] = r.Key,
                ["value"] = r.Value is Expression e
                    ? new JsonObject { ["type"] = "Expression", ["content"] = e.Value }
                    : new JsonObject { ["type"] = "String", ["content"] = r.Value is Literal l ? l.Node?.DeepClone() : null },
            })]);
            tp["setSystemVariable"] = true;
            return;
        }
        tp["variableName"] = VariableName;
        tp["value"] = Value?.ToJson();
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        VariableName = tp.RequireString("variableName");
        if (tp.TakeBool("setSystemVariable") == true)
        {
            if (tp.Take("value") is not JsonArray entries)
                throw tp.Error("'value' of a pipelineReturnValue must be an array of { key, value: { type, content } }");
            ReturnValues = [];
            foreach (var entry in entries.OfType<JsonObject>())
            {
                var key = entry["key"]?.GetValue<string>() ?? throw tp.Error("a return value has no 'key'");
                var content = entry["value"]?["content"];
                ReturnValues[key] = entry["value"]?["type"]?.GetValue<string>() == "Expression"
                    ? new Expression(content!.GetValue<string>())
                    : DfValue.Json(content?.DeepClone());
            }
            return;
        }
        Value = tp.TakeValue("value");
    }
}

/// <summary><c>AppendVariable</c>: appends to an Array variable.</summary>
public sealed class AppendVariableActivity(string name) : Activity(name)
{
    public override string Type => "AppendVariable";

    public string VariableName { get; set; } = "";
    public DfValue? Value { get; set; }

    public override IEnumerable<DfValue?> Values => [Value];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["variableName"] = VariableName;
        tp["value"] = Value?.ToJson();
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        VariableName = tp.RequireString("variableName");
        Value = tp.TakeValue("value");
    }
}

/// <summary><c>Fail</c>: fails the pipeline with <see cref="Message"/> and <see cref="ErrorCode"/>.</summary>
public sealed class FailActivity(string name) : Activity(name)
{
    public override string Type => "Fail";

    public DfValue Message { get; set; } = "";
    public DfValue ErrorCode { get; set; } = "";

    public override IEnumerable<DfValue?> Values => [Message, ErrorCode];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["message"] = Message.ToJson();
        tp["errorCode"] = ErrorCode.ToJson();
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Message = tp.TakeValue("message") ?? throw tp.Error("'message' is required");
        ErrorCode = tp.TakeValue("errorCode") ?? throw tp.Error("'errorCode' is required");
    }
}

/// <summary><c>ExecutePipeline</c>: runs another pipeline of the factory, by default waiting for it.</summary>
public sealed class ExecutePipelineActivity(string name) : Activity(name)
{
    public override string Type => "ExecutePipeline";

    public string PipelineName { get; set; } = "";
    public Dictionary<string, DfValue> Parameters { get; init; } = [];
    public bool? WaitOnCompletion { get; set; }

    public override IEnumerable<DfValue?> Values => Parameters.Values;

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["pipeline"] = new JsonObject { ["referenceName"] = PipelineName, ["type"] = "PipelineReference" };
        if (WaitOnCompletion is not null) tp["waitOnCompletion"] = WaitOnCompletion;
        if (Parameters.Count > 0)
            tp["parameters"] = new JsonObject(Parameters.Select(p => KeyValuePair.Create(p.Key, p.Value.ToJson())));
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        PipelineName = tp.Take("pipeline")?["referenceName"]?.GetValue<string>() ?? throw tp.Error("'pipeline.referenceName' is required");
        WaitOnCompletion = tp.TakeBool("waitOnCompletion");
        if (tp.Take("parameters") is JsonObject parameters)
        {
            foreach (var (key, value) in parameters)
                Parameters[key] = DfValue.FromJson(value);
        }
    }
}

/// <summary>An activity type this model does not describe; its typeProperties are kept as they are.</summary>
public sealed class UnknownActivity(string name, string type) : Activity(name)
{
    public override string Type => type;

    internal override void WriteTypeProperties(JsonObject tp) { }

    internal override void ReadTypeProperties(PropertyReader tp) { }
}
