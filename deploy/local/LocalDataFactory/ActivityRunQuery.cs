using System.Globalization;
using System.Text.Json.Nodes;
using DataFactory.Runner.Run;

namespace LocalDataFactory;

/// <summary>
/// The body of Activity Runs - Query By Pipeline Run (RunFilterParameters): a lastUpdated window and filters on
/// ActivityName, ActivityType or Status. Every match is returned in one page (no continuation token).
/// </summary>
public sealed record ActivityRunQuery(DateTimeOffset After, DateTimeOffset Before, IReadOnlyList<Func<ActivityRun, bool>> Filters)
{
    public static ActivityRunQuery? Parse(JsonNode? body)
    {
        if (body is not JsonObject o || !TryTime(o["lastUpdatedAfter"], out var after) || !TryTime(o["lastUpdatedBefore"], out var before))
            return null;
        var filters = new List<Func<ActivityRun, bool>>();
        foreach (var filter in o["filters"] as JsonArray ?? [])
        {
            var operand = filter?["operand"]?.GetValue<string>();
            var @operator = filter?["operator"]?.GetValue<string>();
            var values = (filter?["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
            Func<ActivityRun, string>? field = operand switch
            {
                "ActivityName" => a => a.ActivityName,
                "ActivityType" => a => a.ActivityType,
                "Status" => a => a.Status.ToString(),
                _ => null,
            };
            bool? include = @operator switch { "Equals" or "In" => true, "NotEquals" or "NotIn" => false, _ => null };
            if (field is null || include is null)
                return null;
            filters.Add(a => values.Contains(field(a)) == include);
        }
        return new ActivityRunQuery(after, before, filters);
    }

    public bool Matches(ActivityRun activity)
    {
        var updated = ArmShapes.LastUpdated(activity);
        return updated >= After && updated <= Before && Filters.All(f => f(activity));
    }

    private static bool TryTime(JsonNode? node, out DateTimeOffset time)
    {
        time = default;
        return node is JsonValue v && v.TryGetValue<string>(out var text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }
}
