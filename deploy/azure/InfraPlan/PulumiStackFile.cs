/// <summary>
/// The config of a stack's <c>Pulumi.STACK.yaml</c> (deploy/azure/Infra), so <c>infra plan --stack dev</c> previews
/// what <c>pulumi up</c> on that stack would get. Reads the flat form <c>pulumi config set</c> writes
/// (<c>config:</c> then <c>  namespace:key: value</c>); anything else (secrets, nested values) is an error naming the line.
/// </summary>
internal static class PulumiStackFile
{
    public static Dictionary<string, string> Read(string path)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return config;
        var inConfig = false;
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
                continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                inConfig = line == "config:";
                continue;
            }
            if (!inConfig)
                continue;
            var entry = line.Trim();
            // The key is namespace:key; the value follows the first ": " after it.
            var separator = entry.IndexOf(": ", entry.IndexOf(':') + 1, StringComparison.Ordinal);
            if (!line.StartsWith("  ", StringComparison.Ordinal) || char.IsWhiteSpace(line[2]) || separator < 0)
                throw new InvalidDataException($"{path}:{number}: infra plan reads only 'namespace:key: value' lines under 'config:', got '{entry}'.");
            var value = entry[(separator + 2)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\''))
                value = value[1..^1];
            config[entry[..separator]] = value;
        }
        return config;
    }
}
