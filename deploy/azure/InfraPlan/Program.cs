using System.Text.Json;
using AzureEnvironment;

const string Usage = """
    Usage: infra plan [--stack NAME] [--config KEY=VALUE]... [--repository DIR]

    Prints the Azure environment that 'pulumi up' would create for the stack as an ARM deployment template
    (stdout). KEY is a config key of the Pulumi project (exclusive-operations:KEY or just KEY; azure-native:location);
    the stack's deploy/azure/Infra/Pulumi.STACK.yaml is read first when it exists, --config overrides it.
    --stack defaults to dev, --repository to the current directory (the package and pipelines are read from it).
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
if (args[0] != "plan")
{
    Console.Error.WriteLine($"Unknown command '{args[0]}'.\n\n{Usage}");
    return 2;
}

var stack = "dev";
var repository = Directory.GetCurrentDirectory();
var config = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    try
    {
        switch (args[i])
        {
            case "--stack": stack = Value(); break;
            case "--repository": repository = Path.GetFullPath(Value()); break;
            case "--config":
                var pair = Value();
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                    throw new ArgumentException($"--config takes KEY=VALUE, got '{pair}'.");
                config[pair[..equals]] = pair[(equals + 1)..];
                break;
            default: throw new ArgumentException($"Unknown option '{args[i]}'.");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"{e.Message}\n\n{Usage}");
        return 2;
    }
}

try
{
    var stackFile = PulumiStackFile.Read(Path.Combine(repository, "deploy", "azure", "Infra", $"Pulumi.{stack}.yaml"));
    foreach (var (key, value) in config)
        stackFile[key.Contains(':') ? key : $"{StackConfiguration.Project}:{key}"] = value;
    var settings = StackConfiguration.Parse(stack, stackFile, repository);
    var environment = StackEnvironment.Create(settings, Path.Combine(repository, "pipelines", "generated", "pipeline"));
    Console.WriteLine(ArmPreview.Template(environment).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
catch (Exception e) when (e is StackConfigurationException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
