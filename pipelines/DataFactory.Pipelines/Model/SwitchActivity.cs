using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary>
/// <c>Switch</c>: evaluates <see cref="On"/> to a string and runs the activities of the case with that value,
/// or <see cref="DefaultActivities"/> when none matches (control-flow-switch-activity).
/// </summary>
public sealed class SwitchActivity(string name) : Activity(name)
{
    public override string Type => "Switch";

    public Expression On { get; set; } = new("@''");
    public List<SwitchCase> Cases { get; init; } = [];
    public List<Activity> DefaultActivities { get; init; } = [];

    public override IEnumerable<List<Activity>> ChildScopes => [.. Cases.Select(c => c.Activities), DefaultActivities];

    public override IEnumerable<DfValue?> Values => [On];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["on"] = On.ToJson();
        tp["cases"] = new JsonArray([.. Cases.Select(c => (JsonNode)new JsonObject
        {
            ["value"] = c.Value,
            ["activities"] = PipelineJson.WriteActivities(c.Activities),
        })]);
        if (DefaultActivities.Count > 0) tp["defaultActivities"] = PipelineJson.WriteActivities(DefaultActivities);
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        if (!tp.Rest.ContainsKey("on") && tp.Rest.ContainsKey("expression"))
            throw tp.Error("the Switch expression belongs in 'on' (the JSON Data Factory and its SDK write; the documentation's syntax section calls it 'expression')");
        On = tp.TakeExpression("on");
        switch (tp.Take("cases"))
        {
            case null:
                break;
            case JsonArray cases:
                foreach (var (entry, i) in cases.Select((c, i) => (c, i)))
                {
                    var path = $"{tp.Path}/cases[{i}]";
                    if (entry is not JsonObject caseObject)
                        throw new PipelineFormatException($"{path}: a case must be {{ \"value\": \"...\", \"activities\": [...] }}.");
                    var reader = new PropertyReader(caseObject, path);
                    var switchCase = new SwitchCase(reader.RequireString("value"));
                    switchCase.Activities.AddRange(reader.TakeActivities("activities"));
                    if (reader.Rest.Count > 0)
                        throw reader.Error($"unknown case properties: {string.Join(", ", reader.Rest.Select(p => p.Key))}");
                    Cases.Add(switchCase);
                }
                break;
            case var other:
                throw tp.Error($"'cases' must be an array of {{ value, activities }}, but is {other.ToJsonString()}");
        }
        DefaultActivities.AddRange(tp.TakeActivities("defaultActivities"));
    }
}

/// <summary>One case of a <see cref="SwitchActivity"/>: the string value that selects it, and its activities.</summary>
public sealed class SwitchCase(string value)
{
    public string Value { get; } = value;
    public List<Activity> Activities { get; init; } = [];
}
