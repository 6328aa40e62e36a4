using System.Text.Json.Nodes;

namespace DataFactory.Pipelines.Model;

/// <summary>What every activity has: name, description, dependsOn, policy, userProperties.</summary>
public abstract class Activity(string name)
{
    public string Name { get; } = name;

    /// <summary>The JSON <c>type</c>, e.g. <c>WebActivity</c>, <c>Until</c>.</summary>
    public abstract string Type { get; }

    public string? Description { get; set; }
    public List<Dependency> DependsOn { get; init; } = [];
    public ActivityPolicy? Policy { get; set; }
    public List<UserProperty> UserProperties { get; init; } = [];

    /// <summary>Top-level and typeProperties entries this model does not know, kept for round trips.</summary>
    public JsonObject ExtraProperties { get; init; } = [];
    public JsonObject ExtraTypeProperties { get; init; } = [];

    /// <summary>The activity lists nested in this one (Until, ForEach: one; IfCondition: two).</summary>
    public virtual IEnumerable<List<Activity>> ChildScopes => [];

    /// <summary>Every value of this activity's own properties that may hold an expression (for validation).</summary>
    public virtual IEnumerable<DfValue?> Values => [];

    internal abstract void WriteTypeProperties(JsonObject typeProperties);

    internal abstract void ReadTypeProperties(Json.PropertyReader typeProperties);
}

public enum DependencyCondition { Succeeded, Failed, Skipped, Completed }

/// <summary>Run after <paramref name="Activity"/> ended in one of <paramref name="Conditions"/>.</summary>
public sealed record Dependency(string Activity, params DependencyCondition[] Conditions)
{
    public bool Equals(Dependency? other) => other is not null && Activity == other.Activity && Conditions.SequenceEqual(other.Conditions);

    public override int GetHashCode() => Activity.GetHashCode();
}

/// <summary>Activity policy. <c>SecureInput</c>/<c>SecureOutput</c> keep values (keys, secrets) out of run records.</summary>
public sealed record ActivityPolicy
{
    /// <summary>d.hh:mm:ss; Data Factory's default is 12 hours.</summary>
    public DfValue? Timeout { get; init; }
    public DfValue? Retry { get; init; }
    public int? RetryIntervalInSeconds { get; init; }
    public bool? SecureInput { get; init; }
    public bool? SecureOutput { get; init; }
}

public sealed record UserProperty(string Name, DfValue Value);
