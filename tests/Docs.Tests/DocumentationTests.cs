namespace Docs.Tests;

/// <summary>The README and docs/: every relative link resolves, nothing links outside the repository, the README fits.</summary>
public class DocumentationTests
{
    /// <summary>
    /// Files another branch adds, linked already (repository-relative). Absent, a link to one passes; present, it is
    /// checked like any other. Remove an entry once its file is on main.
    /// </summary>
    private static readonly HashSet<string> Pending = ["docs/pulumi-compile-check.md"];

    /// <summary>README.md and every Markdown file under docs/, repository-relative.</summary>
    private static List<string> Files() =>
    [
        "README.md",
        .. Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    public static TheoryData<string> MarkdownFiles() => [.. Files()];

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Every_relative_link_resolves_to_a_file_and_heading(string file)
    {
        var problems = MarkdownLinks.Check(Repository.Root, file, Pending)
            .Where(p => p.Kind is LinkProblemKind.MissingFile or LinkProblemKind.MissingAnchor);
        Assert.True(!problems.Any(), string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void No_link_leaves_the_repository(string file)
    {
        var problems = MarkdownLinks.Check(Repository.Root, file, Pending).Where(p => p.Kind is LinkProblemKind.OutsideRepository);
        Assert.True(!problems.Any(), string.Join('\n', problems));
    }

    [Fact]
    public void The_docs_are_linked_from_the_readme()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var linked = MarkdownLinks.Extract(readme).Select(l => l.Target.Split('#')[0]).ToHashSet(StringComparer.Ordinal);
        var unlinked = Files().Where(f => f != "README.md" && !linked.Contains(f));
        Assert.True(!unlinked.Any(), "Not linked from README.md: " + string.Join(", ", unlinked));
    }

    [Fact]
    public void The_readme_fits_on_a_screen()
    {
        var lines = File.ReadAllText(Path.Combine(Repository.Root, "README.md")).TrimEnd('\n').Split('\n');
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines; at most 200 (move details into docs/).");
        var longLines = lines.Select((line, i) => (Number: i + 1, line.TrimEnd('\r').Length)).Where(l => l.Length > 120);
        Assert.True(!longLines.Any(), "README.md lines over 120 characters: " + string.Join(", ", longLines.Select(l => $"{l.Number} ({l.Length})")));
    }
}
