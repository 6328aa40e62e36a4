using System.Text;

namespace PulumiSurface.Generator;

/// <summary>
/// Writes C# for the resources and invokes a program uses, and the types they reach, from the typings of
/// @pulumi/azure-native, after the naming of Pulumi's .NET codegen (the same schema generates both SDKs):
/// a resource class with [Output] properties and a (name, args, options) constructor, its XArgs with Input&lt;T&gt;,
/// InputList&lt;T&gt;, InputMap&lt;T&gt; and InputUnion&lt;string, Enum&gt; properties, Inputs.*Args and Outputs.*Response
/// classes, enums as readonly structs, invokes as static classes with InvokeAsync/Invoke.
/// </summary>
public sealed class AzureNative(string typings, IReadOnlySet<string> doubles)
{
    /// <summary>
    /// The C# namespace of a module (the typings spell modules in lower case). Modules not listed here take their
    /// name with a capital first letter, as Pulumi.AzureNative does for one-word names.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Namespaces = new Dictionary<string, string>
    {
        ["applicationinsights"] = "ApplicationInsights",
        ["datafactory"] = "DataFactory",
        ["operationalinsights"] = "OperationalInsights",
        ["managedidentity"] = "ManagedIdentity",
        ["keyvault"] = "KeyVault",
    };

    private enum Kind { Resource, Function, Input, Output, Enum }

    private enum Context { Input, Plain, Output }

    private readonly Dictionary<string, string> _files = [];
    private readonly Queue<(Kind Kind, string Module, string Name)> _queue = new();
    private readonly HashSet<(Kind, string, string)> _seen = [];
    private readonly Dictionary<string, TsFile> _parsed = [];
    private Dictionary<string, string>? _inputs;
    private Dictionary<string, string>? _outputs;

    public static string Namespace(string module) =>
        Namespaces.TryGetValue(module, out var name) ? name : char.ToUpperInvariant(module[0]) + module[1..];

    /// <summary>The module folder for a C# namespace the program names (Web → web), or null when there is none.</summary>
    public string? Module(string csharpNamespace)
    {
        var module = csharpNamespace.ToLowerInvariant();
        return Directory.Exists(Path.Combine(typings, module)) && Namespace(module) == csharpNamespace ? module : null;
    }

    /// <summary>Adds a resource class or an invoke (GetX) of a module, if the typings have one by that name.</summary>
    public bool Add(string module, string name)
    {
        var file = Path.Combine(typings, module, char.ToLowerInvariant(name[0]) + name[1..] + ".d.ts");
        if (!File.Exists(file)) return false;
        var parsed = Parse(file);
        if (parsed.Classes.ContainsKey(name)) Enqueue(Kind.Resource, module, name);
        else if (parsed.Functions.ContainsKey(char.ToLowerInvariant(name[0]) + name[1..])) Enqueue(Kind.Function, module, name);
        else return false;
        return true;
    }

    /// <summary>Adds a type of a module that the program names directly: Inputs.X, Outputs.X or an enum.</summary>
    public bool AddType(string module, string? folder, string name)
    {
        if (folder == "Inputs" && Types(ref _inputs, "input.d.ts", module).Interfaces.ContainsKey(name)) Enqueue(Kind.Input, module, name);
        else if (folder == "Outputs" && Types(ref _outputs, "output.d.ts", module).Interfaces.ContainsKey(name)) Enqueue(Kind.Output, module, name);
        else if (folder is null && File.Exists(Path.Combine(typings, "types", "enums", module, "index.d.ts"))
            && Parse(Path.Combine(typings, "types", "enums", module, "index.d.ts")).Enums.ContainsKey(name)) Enqueue(Kind.Enum, module, name);
        else return false;
        return true;
    }

    /// <summary>Generates everything added and what it reaches: file name → C# source.</summary>
    public IReadOnlyDictionary<string, string> Generate()
    {
        while (_queue.TryDequeue(out var item))
        {
            var (kind, module, name) = item;
            switch (kind)
            {
                case Kind.Resource: Resource(module, name); break;
                case Kind.Function: Function(module, name); break;
                case Kind.Input: TypeClass(module, name, Types(ref _inputs, "input.d.ts", module).Interfaces[name], Context.Input); break;
                case Kind.Output: TypeClass(module, name, Types(ref _outputs, "output.d.ts", module).Interfaces[name], Context.Output); break;
                case Kind.Enum: Enum(module, name); break;
            }
        }
        return _files;
    }

    private TsFile Parse(string file)
    {
        if (!_parsed.TryGetValue(file, out var parsed))
            _parsed[file] = parsed = TypeScript.ParseFile(File.ReadAllText(file));
        return parsed;
    }

    private TsFile Types(ref Dictionary<string, string>? namespaces, string file, string module)
    {
        namespaces ??= TypeScript.Namespaces(File.ReadAllText(Path.Combine(typings, "types", file)));
        var key = file + ":" + module;
        if (!namespaces.ContainsKey(module)) return new TsFile(new Dictionary<string, IReadOnlyList<TsProperty>>(), new Dictionary<string, IReadOnlyList<TsProperty>>(), new Dictionary<string, string>(), new Dictionary<string, TsFunction>(), new Dictionary<string, IReadOnlyList<(string, string)>>());
        if (!_parsed.TryGetValue(key, out var parsed))
            _parsed[key] = parsed = TypeScript.ParseFile(namespaces[module]);
        return parsed;
    }

    private void Enqueue(Kind kind, string module, string name)
    {
        if (_seen.Add((kind, module, name))) _queue.Enqueue((kind, module, name));
    }

    private void Resource(string module, string name)
    {
        var file = Parse(Path.Combine(typings, module, char.ToLowerInvariant(name[0]) + name[1..] + ".d.ts"));
        var ns = Namespace(module);
        var code = Header($"Pulumi.AzureNative.{ns}");
        code.AppendLine($"public partial class {name} : global::Pulumi.CustomResource").AppendLine("{");
        foreach (var p in file.Classes[name].Where(p => p.Name is not ("id" or "urn")))
            code.AppendLine($"    [Output(\"{p.Name}\")] public Output<{Property(p, Context.Output, module, name).Type}> {Member(p.Name, name)} {{ get; private set; }} = null!;");
        var args = file.Constructors[name] == "?" ? $"{name}Args? args = null" : $"{name}Args args";
        code.AppendLine($"    public {name}(string name, {args}, CustomResourceOptions? options = null) : base(\"azure-native:{module}:{name}\", name, args, options) {{ }}");
        code.AppendLine($"    public static {name} Get(string name, Input<string> id, CustomResourceOptions? options = null) => throw global::Pulumi.Surface.Only();");
        code.AppendLine("}");
        Args(code, module, name, $"{name}Args", file.Interfaces[$"{name}Args"], "global::Pulumi.ResourceArgs", Context.Input);
        _files[$"{ns}/{name}.cs"] = code.ToString();
    }

    private void Function(string module, string name)
    {
        var file = Parse(Path.Combine(typings, module, char.ToLowerInvariant(name[0]) + name[1..] + ".d.ts"));
        var function = file.Functions[char.ToLowerInvariant(name[0]) + name[1..]];
        var ns = Namespace(module);
        var code = Header($"Pulumi.AzureNative.{ns}");
        code.AppendLine($"public static class {name}").AppendLine("{");
        var result = function.ResultType;
        if (function.ArgsType is { } argsType)
        {
            var optional = file.Interfaces[argsType].All(p => p.Optional) ? "? args = null" : " args";
            code.AppendLine($"    public static Task<{result}> InvokeAsync({name}Args{optional}, InvokeOptions? options = null) => throw global::Pulumi.Surface.Only();");
            code.AppendLine($"    public static Output<{result}> Invoke({name}InvokeArgs{optional}, InvokeOptions? options = null) => throw global::Pulumi.Surface.Only();");
            code.AppendLine($"    public static Output<{result}> Invoke({name}InvokeArgs args, InvokeOutputOptions options) => throw global::Pulumi.Surface.Only();");
        }
        else
        {
            code.AppendLine($"    public static Task<{result}> InvokeAsync(InvokeOptions? options = null) => throw global::Pulumi.Surface.Only();");
            code.AppendLine($"    public static Output<{result}> Invoke(InvokeOptions? options = null) => throw global::Pulumi.Surface.Only();");
            code.AppendLine($"    public static Output<{result}> Invoke(InvokeOutputOptions options) => throw global::Pulumi.Surface.Only();");
        }
        code.AppendLine("}");
        if (function.ArgsType is { } plainArgs)
        {
            Args(code, module, name, $"{name}Args", file.Interfaces[plainArgs], "global::Pulumi.InvokeArgs", Context.Plain);
            Args(code, module, name, $"{name}InvokeArgs", file.Interfaces[$"{name}OutputArgs"], "global::Pulumi.InvokeArgs", Context.Input);
        }
        OutputClass(code, module, result, file.Interfaces[result]);
        _files[$"{ns}/{name}.cs"] = code.ToString();
    }

    private void TypeClass(string module, string name, IReadOnlyList<TsProperty> properties, Context context)
    {
        var ns = Namespace(module);
        var folder = context == Context.Output ? "Outputs" : "Inputs";
        var code = Header($"Pulumi.AzureNative.{ns}.{folder}");
        if (context == Context.Output)
            OutputClass(code, module, name, properties);
        else
        {
            // Input types without the Args suffix are the plain ones that invokes take.
            var plain = !name.EndsWith("Args", StringComparison.Ordinal);
            Args(code, module, name, name, properties, plain ? "global::Pulumi.InvokeArgs" : "global::Pulumi.ResourceArgs", plain ? Context.Plain : Context.Input);
        }
        _files[$"{ns}/{folder}/{name}.cs"] = code.ToString();
    }

    private void Args(StringBuilder code, string module, string owner, string name, IReadOnlyList<TsProperty> properties, string baseClass, Context context)
    {
        code.AppendLine().AppendLine($"public sealed class {name} : {baseClass}").AppendLine("{");
        foreach (var p in properties)
        {
            var (type, collection) = Property(p, context, module, owner);
            var member = Member(p.Name, name);
            var input = p.Optional ? $"[Input(\"{p.Name}\")]" : $"[Input(\"{p.Name}\", required: true)]";
            if (collection)
            {
                // The SDK's lists and maps are never null: a property creates an empty one on first read.
                var field = "_" + char.ToLowerInvariant(member[0]) + member[1..];
                code.AppendLine($"    {input} private {type}? {field};");
                code.AppendLine($"    public {type} {member} {{ get => {field} ??= new(); set => {field} = value; }}");
            }
            else if (p.Optional)
                code.AppendLine($"    {input} public {type}? {member} {{ get; set; }}");
            else
                code.AppendLine($"    {input} public {type} {member} {{ get; set; }} = null!;");
        }
        code.AppendLine($"    public {name}() {{ }}");
        code.AppendLine("}");
    }

    private void OutputClass(StringBuilder code, string module, string name, IReadOnlyList<TsProperty> properties)
    {
        code.AppendLine().AppendLine("[OutputType]").AppendLine($"public sealed class {name}").AppendLine("{");
        foreach (var p in properties)
            code.AppendLine($"    public readonly {Property(p, Context.Output, module, name).Type} {Member(p.Name, name)} = default!;");
        code.AppendLine($"    private {name}() {{ }}");
        code.AppendLine("}");
    }

    private void Enum(string module, string name)
    {
        var ns = Namespace(module);
        var members = Parse(Path.Combine(typings, "types", "enums", module, "index.d.ts")).Enums[name];
        var code = Header($"Pulumi.AzureNative.{ns}");
        code.AppendLine("[EnumType]").AppendLine($"public readonly struct {name} : IEquatable<{name}>").AppendLine("{");
        foreach (var (member, _) in members)
            code.AppendLine($"    public static {name} {member} => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public static bool operator ==({name} left, {name} right) => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public static bool operator !=({name} left, {name} right) => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public static explicit operator string({name} value) => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public override bool Equals(object? obj) => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public bool Equals({name} other) => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public override int GetHashCode() => throw global::Pulumi.Surface.Only();");
        code.AppendLine($"    public override string ToString() => throw global::Pulumi.Surface.Only();");
        code.AppendLine("}");
        _files[$"{ns}/Enums/{name}.cs"] = code.ToString();
    }

    /// <summary>The C# type of a property, and whether it is a list or a map (a property that is never null).</summary>
    private (string Type, bool Collection) Property(TsProperty property, Context context, string module, string owner)
    {
        var type = Strip(property.Type);
        var optional = property.Optional || IsOptional(property.Type);
        var key = $"{module}:{Trim(owner)}.{property.Name}";
        switch (context)
        {
            case Context.Input when type is TsArray array:
                return ($"InputList<{Value(array.Element, key)}>", true);
            case Context.Input when type is TsMap map:
                return ($"InputMap<{Value(map.Value, key)}>", true);
            case Context.Input when type is TsUnion { Members.Count: 2 } union:
                return ($"InputUnion<{Value(union.Members[0], key)}, {Value(union.Members[1], key)}>", false);
            case Context.Input:
                return ($"Input<{Value(type, key)}>", false);
            case Context.Plain when type is TsArray array:
                return ($"List<{Value(array.Element, key)}>", true);
            case Context.Plain when type is TsMap map:
                return ($"Dictionary<string, {Value(map.Value, key)}>", true);
            case Context.Plain:
                return (Value(type, key), false);
            default:
                var value = Value(type, key);
                return (type is TsArray || !optional ? value : value + "?", false);
        }
    }

    /// <summary>The C# type of a value (no Input wrapper): the element of a list, the value of a map, a plain property.</summary>
    private string Value(TsType type, string key)
    {
        type = Strip(type);
        switch (type)
        {
            case TsArray array: return $"ImmutableArray<{Value(array.Element, key)}>";
            case TsMap map: return $"ImmutableDictionary<string, {Value(map.Value, key)}>";
            case TsUnion { Members.Count: 2 } union: return $"Union<{Value(union.Members[0], key)}, {Value(union.Members[1], key)}>";
            case TsUnion: return "object"; // as the .NET codegen does for unions of more than two types
            case TsLiteral: return "string";
            case TsNamed named:
                switch (named.Name)
                {
                    case "string" or "pulumi.ID" or "pulumi.URN": return "string";
                    case "boolean": return "bool";
                    case "any": return "object";
                    // The typings say number for the schema's integer and number alike; see docs/pulumi-compile-check.md.
                    case "number": return doubles.Contains(key) ? "double" : "int";
                }
                var parts = named.Name.Split('.');
                if (parts.Length == 3)
                {
                    var (kind, folder) = parts[0] switch
                    {
                        "inputs" => (Kind.Input, ".Inputs"),
                        "outputs" => (Kind.Output, ".Outputs"),
                        "enums" => (Kind.Enum, ""),
                        _ => throw new NotSupportedException($"Type {named.Name} ({key})"),
                    };
                    Enqueue(kind, parts[1], parts[2]);
                    return $"global::Pulumi.AzureNative.{Namespace(parts[1])}{folder}.{parts[2]}";
                }
                throw new NotSupportedException($"Type {named.Name} ({key})");
            default:
                throw new NotSupportedException($"Type {type} ({key})");
        }
    }

    /// <summary>The type without pulumi.Input/pulumi.Output wrappers and without undefined (which says optional).</summary>
    private static TsType Strip(TsType type)
    {
        while (true)
        {
            switch (type)
            {
                case TsNamed { Name: "pulumi.Input" or "pulumi.Output", Arguments.Count: 1 } wrapper:
                    type = wrapper.Arguments[0];
                    continue;
                case TsUnion union when union.Members.Any(IsUndefined):
                    var rest = union.Members.Where(m => !IsUndefined(m)).ToList();
                    type = rest.Count == 1 ? rest[0] : new TsUnion(rest);
                    continue;
                default:
                    return type;
            }
        }
    }

    private static bool IsOptional(TsType type) => type switch
    {
        TsNamed { Name: "pulumi.Input" or "pulumi.Output", Arguments.Count: 1 } wrapper => IsOptional(wrapper.Arguments[0]),
        TsUnion union => union.Members.Any(IsUndefined),
        _ => false,
    };

    private static bool IsUndefined(TsType type) => type is TsNamed { Name: "undefined" };

    /// <summary>The schema's name of a type or resource: without the Args, Response, OutputArgs or Result of its classes.</summary>
    public static string Trim(string name)
    {
        foreach (var suffix in new[] { "OutputArgs", "InvokeArgs", "Args", "Response", "Result" })
            if (name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length)
                return name[..^suffix.Length];
        return name;
    }

    /// <summary>A property's C# name: a capital first letter; characters C# does not allow dropped, capitalising the next.</summary>
    public static string Member(string property, string owner)
    {
        var name = new StringBuilder();
        var upper = true;
        foreach (var c in property)
        {
            if (!char.IsLetterOrDigit(c) && c != '_') { upper = true; continue; }
            name.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (name.Length == 0 || char.IsDigit(name[0])) name.Insert(0, '_');
        // C# forbids a member named as its class; the .NET codegen adds Value.
        return name.ToString() == owner ? name + "Value" : name.ToString();
    }

    private static StringBuilder Header(string ns) => new StringBuilder()
        .AppendLine("// <auto-generated/> by tests/PulumiSurface.Generator from @pulumi/azure-native's typings: a compile-check surface, never run.")
        .AppendLine("#nullable enable")
        .AppendLine("using System.Collections.Immutable;")
        .AppendLine("using Pulumi;")
        .AppendLine()
        .AppendLine($"namespace {ns};")
        .AppendLine();
}
