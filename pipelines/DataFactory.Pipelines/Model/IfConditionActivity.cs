using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary><c>IfCondition</c>: runs <see cref="IfTrueActivities"/> or <see cref="IfFalseActivities"/>.</summary>
public sealed class IfConditionActivity(string name) : Activity(name)
{
    public override string Type => "IfCondition";

    public Expression Expression { get; set; } = new("@true");
    public List<Activity> IfTrueActivities { get; init; } = [];
    public List<Activity> IfFalseActivities { get; init; } = [];

    public override IEnumerable<List<Activity>> ChildScopes => [IfTrueActivities, IfFalseActivities];

    public override IEnumerable<DfValue?> Values => [Expression];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["expression"] = Expression.ToJson();
        if (IfTrueActivities.Count > 0) tp["ifTrueActivities"] = PipelineJson.WriteActivities(IfTrueActivities);
        if (IfFalseActivities.Count > 0) tp["ifFalseActivities"] = PipelineJson.WriteActivities(IfFalseActivities);
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Expression = tp.TakeExpression("expression");
        IfTrueActivities.AddRange(tp.TakeActivities("ifTrueActivities"));
        IfFalseActivities.AddRange(tp.TakeActivities("ifFalseActivities"));
    }
}
