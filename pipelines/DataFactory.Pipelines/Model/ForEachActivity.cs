using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary><c>ForEach</c>: runs <see cref="Activities"/> for each of <see cref="Items"/> (<c>@item()</c>), in parallel unless sequential.</summary>
public sealed class ForEachActivity(string name) : Activity(name)
{
    public override string Type => "ForEach";

    public Expression Items { get; set; } = new("@createArray()");
    public bool? IsSequential { get; set; }

    /// <summary>How many iterations run at once when parallel (Data Factory: default 20, at most 50).</summary>
    public int? BatchCount { get; set; }

    public List<Activity> Activities { get; init; } = [];

    public override IEnumerable<List<Activity>> ChildScopes => [Activities];

    public override IEnumerable<DfValue?> Values => [Items];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["items"] = Items.ToJson();
        if (IsSequential is not null) tp["isSequential"] = IsSequential;
        if (BatchCount is not null) tp["batchCount"] = BatchCount;
        tp["activities"] = PipelineJson.WriteActivities(Activities);
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Items = tp.TakeExpression("items");
        IsSequential = tp.TakeBool("isSequential");
        BatchCount = tp.TakeInt("batchCount");
        Activities.AddRange(tp.TakeActivities("activities"));
    }
}
