using System.Text.RegularExpressions;

namespace PulumiSurface.Generator;

/// <summary>The Pulumi.AzureNative names C# sources use, through a using alias (<c>using Web = Pulumi.AzureNative.Web;</c>) or spelled out.</summary>
public static partial class Uses
{
    public static IEnumerable<(string Namespace, string? Folder, string Name)> Find(IEnumerable<string> sources)
    {
        var found = new HashSet<(string, string?, string)>();
        foreach (var source in sources)
        {
            foreach (Match m in FullName().Matches(source))
                found.Add((m.Groups["ns"].Value, m.Groups["folder"].Success ? m.Groups["folder"].Value : null, m.Groups["name"].Value));
            foreach (Match alias in Alias().Matches(source))
            {
                var pattern = new Regex($@"(?<![\w.]){Regex.Escape(alias.Groups["alias"].Value)}\.(?:(?<folder>Inputs|Outputs)\.)?(?<name>[A-Z]\w*)");
                foreach (Match m in pattern.Matches(source))
                    found.Add((alias.Groups["ns"].Value, m.Groups["folder"].Success ? m.Groups["folder"].Value : null, m.Groups["name"].Value));
            }
        }
        return found.Where(f => f.Item3 is not ("Inputs" or "Outputs")).OrderBy(f => f.Item1).ThenBy(f => f.Item3);
    }

    [GeneratedRegex(@"using\s+(?<alias>\w+)\s*=\s*Pulumi\.AzureNative\.(?<ns>\w+)\s*;")]
    private static partial Regex Alias();

    [GeneratedRegex(@"Pulumi\.AzureNative\.(?<ns>\w+)\.(?:(?<folder>Inputs|Outputs)\.)?(?<name>[A-Z]\w*)")]
    private static partial Regex FullName();
}
