// Pulumi 3.107.3's serialization attributes, declared from the SDK's public API for compiling against.
namespace Pulumi;

[AttributeUsage(AttributeTargets.Property)]
public sealed class OutputAttribute(string? name = null) : Attribute
{
    public string? Name { get; } = name;
}

[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class InputAttribute(string name, bool required = false, bool json = false) : Attribute
{
    public string Name { get; } = name;
    public bool IsRequired { get; } = required;
    public bool Json { get; } = json;
}

[AttributeUsage(AttributeTargets.Class)]
public sealed class OutputTypeAttribute : Attribute;

[AttributeUsage(AttributeTargets.Constructor)]
public sealed class OutputConstructorAttribute : Attribute;

[AttributeUsage(AttributeTargets.Struct)]
public sealed class EnumTypeAttribute : Attribute;

[AttributeUsage(AttributeTargets.Class)]
public class ResourceTypeAttribute(string type, string? version) : Attribute
{
    public string Type { get; } = type;
    public string? Version { get; } = version;
}
