// Pulumi.Command 1.0.0's Pulumi.Command.Local.Command (the resource the program runs the code deployment with),
// declared from the package's public API for compiling against.
using System.Collections.Immutable;

namespace Pulumi.Command.Local;

public partial class Command : CustomResource
{
    public Command(string name, CommandArgs? args = null, CustomResourceOptions? options = null) : base("command:local:Command", name, args, options) { }

    public static Command Get(string name, Input<string> id, CustomResourceOptions? options = null) => throw Surface.Only();

    [Output("addPreviousOutputInEnv")] public Output<bool?> AddPreviousOutputInEnv { get; private set; } = null!;
    [Output("archive")] public Output<Archive?> Archive { get; private set; } = null!;
    [Output("archivePaths")] public Output<ImmutableArray<string>> ArchivePaths { get; private set; } = null!;
    [Output("assetPaths")] public Output<ImmutableArray<string>> AssetPaths { get; private set; } = null!;
    [Output("assets")] public Output<ImmutableDictionary<string, AssetOrArchive>?> Assets { get; private set; } = null!;
    [Output("create")] public Output<string?> Create { get; private set; } = null!;
    [Output("delete")] public Output<string?> Delete { get; private set; } = null!;
    [Output("dir")] public Output<string?> Dir { get; private set; } = null!;
    [Output("environment")] public Output<ImmutableDictionary<string, string>?> Environment { get; private set; } = null!;
    [Output("interpreter")] public Output<ImmutableArray<string>> Interpreter { get; private set; } = null!;
    [Output("logging")] public Output<Logging?> Logging { get; private set; } = null!;
    [Output("stderr")] public Output<string> Stderr { get; private set; } = null!;
    [Output("stdin")] public Output<string?> Stdin { get; private set; } = null!;
    [Output("stdout")] public Output<string> Stdout { get; private set; } = null!;
    [Output("triggers")] public Output<ImmutableArray<object>> Triggers { get; private set; } = null!;
    [Output("update")] public Output<string?> Update { get; private set; } = null!;
}

public sealed class CommandArgs : ResourceArgs
{
    private InputList<string>? _archivePaths;
    private InputList<string>? _assetPaths;
    private InputMap<string>? _environment;
    private InputList<string>? _interpreter;
    private InputList<object>? _triggers;

    [Input("addPreviousOutputInEnv")] public Input<bool>? AddPreviousOutputInEnv { get; set; }
    [Input("archivePaths")] public InputList<string> ArchivePaths { get => _archivePaths ??= new(); set => _archivePaths = value; }
    [Input("assetPaths")] public InputList<string> AssetPaths { get => _assetPaths ??= new(); set => _assetPaths = value; }
    [Input("create")] public Input<string>? Create { get; set; }
    [Input("delete")] public Input<string>? Delete { get; set; }
    [Input("dir")] public Input<string>? Dir { get; set; }
    [Input("environment")] public InputMap<string> Environment { get => _environment ??= new(); set => _environment = value; }
    [Input("interpreter")] public InputList<string> Interpreter { get => _interpreter ??= new(); set => _interpreter = value; }
    [Input("logging")] public Input<Logging>? Logging { get; set; }
    [Input("stdin")] public Input<string>? Stdin { get; set; }
    [Input("triggers")] public InputList<object> Triggers { get => _triggers ??= new(); set => _triggers = value; }
    [Input("update")] public Input<string>? Update { get; set; }

    public static new CommandArgs Empty => new();
}

[EnumType]
public readonly struct Logging : IEquatable<Logging>
{
    private readonly string _value;

    private Logging(string value) => _value = value;

    public static Logging Stdout { get; } = new("stdout");
    public static Logging Stderr { get; } = new("stderr");
    public static Logging StdoutAndStderr { get; } = new("stdoutAndStderr");
    public static Logging None { get; } = new("none");

    public static bool operator ==(Logging left, Logging right) => left.Equals(right);
    public static bool operator !=(Logging left, Logging right) => !left.Equals(right);
    public static explicit operator string(Logging value) => value._value;

    public override bool Equals(object? obj) => obj is Logging other && Equals(other);
    public bool Equals(Logging other) => string.Equals(_value, other._value, StringComparison.Ordinal);
    public override int GetHashCode() => _value?.GetHashCode(StringComparison.Ordinal) ?? 0;
    public override string ToString() => _value;
}
