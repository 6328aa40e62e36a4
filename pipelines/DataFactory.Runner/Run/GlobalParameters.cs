using System.Text.Json;
using System.Text.Json.Nodes;
using DataFactory.Pipelines.Model;
namespace DataFactory.Runner.Run;

/// <summary>
/// The factory's global parameters for <c>pipeline().globalParameters</c>: from the factory file of an ADF git
/// folder (<c>factory/NAME.json</c>, <c>properties.globalParameters: { name: { type, value } }</c>, as the
/// Factory resource's GlobalParameterSpecification), overridden by <c>--global name=value</c>.
/// </summary>
public static class GlobalParameters
{
    /// <summary>The factory file beside a pipeline in the ADF git layout (<c>ROOT/pipeline/P.json</c> -> <c>ROOT/factory/*.json</c>), when there is exactly one.</summary>
    public static FileInfo? FactoryFileFor(FileInfo pipelineFile)
    {
        var factoryFolder = pipelineFile.Directory?.Parent is { } root ? new DirectoryInfo(Path.Combine(root.FullName, "factory")) : null;
        if (factoryFolder is not { Exists: true })
            return null;
        var files = factoryFolder.GetFiles("*.json");
        return files.Length switch
        {
            0 => null,
            1 => files[0],
            _ => throw new RunParameters.ParameterException(
                $"{factoryFolder.FullName} holds {files.Length} factory files ({string.Join(", ", files.Select(f => f.Name))}); choose one with --factory FILE."),
        };
    }

    /// <summary>The declared global parameters of a factory file: name to (type, value).</summary>
    public static Dictionary<string, (ParameterType Type, JsonNode? Value)> Read(FileInfo factoryFile)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(factoryFile.FullName));
        }
        catch (JsonException e)
        {
            throw new RunParameters.ParameterException($"{factoryFile.FullName}: not valid JSON: {e.Message}");
        }
        var declared = new Dictionary<string, (ParameterType, JsonNode?)>();
        if (root?["properties"]?["globalParameters"] is not JsonObject globals)
            return declared;
        foreach (var (name, specification) in globals)
        {
            var where = $"{factoryFile.Name}: global parameter '{name}'";
            var typeText = specification?["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
            if (typeText is null || !Enum.TryParse<ParameterType>(typeText, ignoreCase: true, out var type) || type == ParameterType.SecureString)
                throw new RunParameters.ParameterException($"{where} has type '{typeText}'; expected String, Int, Float, Bool, Array or Object.");
            var value = specification!["value"]?.DeepClone();
            if (!RunParameters.Fits(type, value))
                throw new RunParameters.ParameterException($"{where} is {typeText} but its value is {Expressions.Values.Describe(value)}.");
            declared[name] = (type, value);
        }
        return declared;
    }

    /// <summary>
    /// The values a run sees: the declared ones, then each <c>name=value</c>, parsed by its declared type
    /// (a global the factory file does not declare is a String, Data Factory's default type).
    /// </summary>
    public static Dictionary<string, JsonNode?> Resolve(Dictionary<string, (ParameterType Type, JsonNode? Value)> declared, IEnumerable<string> assignments)
    {
        var values = declared.ToDictionary(d => d.Key, d => d.Value.Value);
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0)
                throw new RunParameters.ParameterException($"--global '{assignment}' is not name=value.");
            var name = assignment[..equals];
            var type = declared.TryGetValue(name, out var known) ? known.Type : ParameterType.String;
            try
            {
                values[name] = RunParameters.Parse(type, assignment[(equals + 1)..], name);
            }
            catch (RunParameters.ParameterException e)
            {
                throw new RunParameters.ParameterException($"--global {assignment}: the factory file declares it {type}. {e.Message}");
            }
        }
        return values;
    }
}
