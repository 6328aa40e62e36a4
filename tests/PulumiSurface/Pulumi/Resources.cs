// Pulumi 3.107.3's resources, their args and options, declared from the SDK's public API for compiling against
// (the members a program sets or reads; transformations, hooks and providers' internals are left out).
namespace Pulumi;

public class Resource
{
    private protected Resource() { }

    public Output<string> Urn { get; private protected set; } = null!;
    public string GetResourceType() => throw Surface.Only();
    public string GetResourceName() => throw Surface.Only();
}

public class CustomResource : Resource
{
    public CustomResource(string type, string name, ResourceArgs? args, CustomResourceOptions? options = null) => throw Surface.Only();

    public Output<string> Id { get; private protected set; } = null!;
}

public class ProviderResource : CustomResource
{
    public ProviderResource(string package, string name, ResourceArgs args, CustomResourceOptions? options = null) : base(package, name, args, options) { }
}

public class ComponentResource : Resource
{
    public ComponentResource(string type, string name, ComponentResourceOptions? options = null) => throw Surface.Only();
    public ComponentResource(string type, string name, ResourceArgs? args, ComponentResourceOptions? options = null, bool remote = false) => throw Surface.Only();

    protected void RegisterOutputs() => throw Surface.Only();
    protected void RegisterOutputs(IDictionary<string, object?> outputs) => throw Surface.Only();
    protected void RegisterOutputs(Task<IDictionary<string, object?>> outputs) => throw Surface.Only();
    protected void RegisterOutputs(Output<IDictionary<string, object?>> outputs) => throw Surface.Only();
}

public class Stack : ComponentResource
{
    public Stack(StackOptions? options = null) : base("pulumi:pulumi:Stack", "surface") { }
}

public class StackOptions;

public abstract class InputArgs
{
    protected InputArgs() { }
}

public abstract class ResourceArgs : InputArgs
{
    public static readonly ResourceArgs Empty = null!;
}

public abstract class InvokeArgs : InputArgs
{
    public static readonly InvokeArgs Empty = null!;
}

public abstract class ResourceOptions
{
    private protected ResourceOptions() { }

    public Input<string>? Id { get; set; }
    public Resource? Parent { get; set; }
    public InputList<Resource> DependsOn { get => throw Surface.Only(); set => throw Surface.Only(); }
    public bool? Protect { get; set; }
    public List<string> IgnoreChanges { get => throw Surface.Only(); set => throw Surface.Only(); }
    public string? Version { get; set; }
    public ProviderResource? Provider { get; set; }
    public CustomTimeouts? CustomTimeouts { get; set; }
    public List<Input<Alias>> Aliases { get; set; } = [];
    public string? Urn { get; set; }
    public List<string> ReplaceOnChanges { get => throw Surface.Only(); set => throw Surface.Only(); }
    public string? PluginDownloadURL { get; set; }
    public bool? RetainOnDelete { get; set; }
    public Resource? DeletedWith { get; set; }
    public InputList<Resource> ReplaceWith { get => throw Surface.Only(); set => throw Surface.Only(); }
    public List<string> HideDiffs { get => throw Surface.Only(); set => throw Surface.Only(); }
    public Input<object>? ReplacementTrigger { get; set; }
}

public sealed class CustomResourceOptions : ResourceOptions
{
    public bool? DeleteBeforeReplace { get; set; }
    public List<string> AdditionalSecretOutputs { get => throw Surface.Only(); set => throw Surface.Only(); }
    public string? ImportId { get; set; }
    public Dictionary<string, string> EnvVarMappings { get => throw Surface.Only(); set => throw Surface.Only(); }
    public static CustomResourceOptions Merge(CustomResourceOptions? options1, CustomResourceOptions? options2) => throw Surface.Only();
}

public sealed class ComponentResourceOptions : ResourceOptions
{
    public List<ProviderResource> Providers { get => throw Surface.Only(); set => throw Surface.Only(); }
    public static ComponentResourceOptions Merge(ComponentResourceOptions? options1, ComponentResourceOptions? options2) => throw Surface.Only();
}

public sealed class CustomTimeouts
{
    public TimeSpan? Create { get; set; }
    public TimeSpan? Update { get; set; }
    public TimeSpan? Delete { get; set; }
}

public sealed class Alias
{
    public string? Urn { get; set; }
    public Input<string>? Name { get; set; }
    public Input<string>? Type { get; set; }
    public Input<string>? Stack { get; set; }
    public Input<string>? Project { get; set; }
    public Resource? Parent { get; set; }
    public Input<string>? ParentUrn { get; set; }
    public bool NoParent { get; set; }
}

public class InvokeOptions
{
    public Resource? Parent { get; set; }
    public ProviderResource? Provider { get; set; }
    public string? Version { get; set; }
    public string? PluginDownloadURL { get; set; }
}

public class InvokeOutputOptions : InvokeOptions
{
    public InputList<Resource> DependsOn { get => throw Surface.Only(); set => throw Surface.Only(); }
}

public abstract class AssetOrArchive
{
    private protected AssetOrArchive() { }
}

public abstract class Asset : AssetOrArchive;

public abstract class Archive : AssetOrArchive;

public sealed class FileAsset(string path) : Asset
{
    public string Path { get; } = path;
}

public sealed class FileArchive(string path) : Archive
{
    public string Path { get; } = path;
}
