using System.Text.Json.Nodes;
using DataFactory.Pipelines.Json;

namespace DataFactory.Pipelines.Model;

/// <summary>
/// <c>Filter</c>: the <see cref="Items"/> for which <see cref="Condition"/> (reading <c>@item()</c>) is true,
/// in order, as <c>activity('name').output.value</c> (control-flow-filter-activity).
/// </summary>
public sealed class FilterActivity(string name) : Activity(name)
{
    public override string Type => "Filter";

    public Expression Items { get; set; } = new("@createArray()");
    public Expression Condition { get; set; } = new("@true");

    public override IEnumerable<DfValue?> Values => [Items, Condition];

    internal override void WriteTypeProperties(JsonObject tp)
    {
        tp["items"] = Items.ToJson();
        tp["condition"] = Condition.ToJson();
    }

    internal override void ReadTypeProperties(PropertyReader tp)
    {
        Items = tp.TakeExpression("items");
        Condition = tp.TakeExpression("condition");
    }
}
