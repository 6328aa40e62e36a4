using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary><c>Until</c>: runs <see cref="Activities"/>, then evaluates <see cref="Expression"/> (do-while), until it is true or <see cref="Timeout"/> passes.</summary>
public sealed class UntilActivity(string name) : Activity(name)
{
    public override string Type => "Until";

    public Expression Expression { get; set; } = new("@true");

    /// <summary>d.hh:mm:ss. Always set one: the loop fails when it passes.</summary>
    public DfValue? Timeout { get; set; }

    public List<Activity> Activities { get; init; } = [];

    public override IEnumerable<List<Activity>> ChildScopes => [Activities];

    public override IEnumerable<DfValue?> Values => [Expression, Timeout];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["expression"] = Expression.ToJson();
        if (Timeout is not null) tp["timeout"] = Timeout.ToJson();
        tp["activities"] = PipelineJson.WriteActivities(Activities);
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Expression = tp.TakeExpression("expression");
        Timeout = tp.TakeValue("timeout");
        Activities.AddRange(tp.TakeActivities("activities"));
    }
}
