namespace Docs.Tests;

/// <summary>
/// The README and docs/: every relative link resolves, nothing links outside the repository, every doc can be found from
/// the README, and the README fits on a screen.
/// </summary>
public class DocumentationTests
{
    /// <summary>
    /// Files another branch adds, linked already (repository-relative). Absent, a link to one passes; present, it is
    /// checked like any other. Remove an entry once its file is on main.
    /// </summary>

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
        var problems = MarkdownLinks.Check(Repository.Root, file)
            .Where(p => p.Kind is LinkProblemKind.MissingFile or LinkProblemKind.MissingAnchor);
        Assert.True(!problems.Any(), string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void No_link_leaves_the_repository(string file)
    {
        var problems = MarkdownLinks.Check(Repository.Root, file).Where(p => p.Kind is LinkProblemKind.OutsideRepository);
        Assert.True(!problems.Any(), string.Join('\n', problems));
    }

    [Fact]
    public void Every_doc_can_be_reached_from_the_readme()
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { "README.md" };
        var next = new Queue<string>(reached);
        while (next.TryDequeue(out var file))
        {
            var folder = Path.GetDirectoryName(Path.Combine(Repository.Root, file))!;
            foreach (var link in MarkdownLinks.Extract(File.ReadAllText(Path.Combine(Repository.Root, file))))
            {
                var path = link.Target.Split('#')[0];
                if (!path.EndsWith(".md", StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal))
                    continue;
                var target = Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(folder, path))).Replace('\\', '/');
                if (File.Exists(Path.Combine(Repository.Root, target)) && reached.Add(target))
                    next.Enqueue(target);
            }
        }
        var unreached = Files().Where(f => !reached.Contains(f));
        Assert.True(!unreached.Any(), "Not reachable by links from README.md: " + string.Join(", ", unreached));
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
