using System.Text.Json.Nodes;

namespace DataFactory.Pipelines.Model;

/// <summary>A Data Factory pipeline: <c>{ "name", "properties": { activities, parameters, variables, ... } }</c>.</summary>
public sealed class Pipeline(string name)
{
    public string Name { get; } = name;
    public string? Description { get; set; }
    public List<Activity> Activities { get; init; } = [];
    public Dictionary<string, Parameter> Parameters { get; init; } = [];
    public Dictionary<string, Variable> Variables { get; init; } = [];
    public List<string> Annotations { get; init; } = [];

    /// <summary>The folder shown in Data Factory Studio.</summary>
    public string? Folder { get; set; }

    /// <summary>The most runs of this pipeline at once; queued beyond that.</summary>
    public int? Concurrency { get; set; }

    /// <summary>Properties this model does not know, kept so that existing pipelines round-trip.</summary>
    public JsonObject ExtraProperties { get; init; } = [];

    /// <summary>Every activity, containers' children included, depth first, with the chain of containers above it.</summary>
    public IEnumerable<(Activity Activity, IReadOnlyList<Activity> Containers)> AllActivities()
    {
        return Walk(Activities, []);

        static IEnumerable<(Activity, IReadOnlyList<Activity>)> Walk(IEnumerable<Activity> activities, List<Activity> containers)
        {
            foreach (var activity in activities)
            {
                yield return (activity, containers);
                foreach (var scope in activity.ChildScopes)
                {
                    foreach (var inner in Walk(scope, [.. containers, activity]))
                        yield return inner;
                }
            }
        }
    }
}

/// <summary>Pipeline parameter types as the JSON spells them.</summary>
public enum ParameterType { String, Int, Float, Bool, Array, Object, SecureString }

public sealed record Parameter(ParameterType Type, JsonNode? DefaultValue = null)
{
    public bool Equals(Parameter? other) => other is not null && Type == other.Type && JsonNode.DeepEquals(DefaultValue, other.DefaultValue);

    public override int GetHashCode() => Type.GetHashCode();
}

/// <summary>Pipeline variable types (String, Boolean, Array, Integer).</summary>
public enum VariableType { String, Boolean, Array, Integer }

public sealed record Variable(VariableType Type, JsonNode? DefaultValue = null)
{
    public bool Equals(Variable? other) => other is not null && Type == other.Type && JsonNode.DeepEquals(DefaultValue, other.DefaultValue);

    public override int GetHashCode() => Type.GetHashCode();
}
