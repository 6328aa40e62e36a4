namespace Docs.Tests;

/// <summary>The checker itself, on samples: it finds what is broken and passes what is not.</summary>
public sealed class MarkdownLinksTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("docs-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string file, string text)
    {
        var path = Path.Combine(_root, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void A_bad_sample_fails_with_every_broken_link_named()
    {
        Write("docs/guide.md", "# Guide\n\n## `LocalHost__Profile` settings\n\n## Timings, and why\n");
        Write("README.md", """
            # Sample

            [fine](docs/guide.md) [fine anchor](docs/guide.md#timings-and-why) [code heading](docs/guide.md#localhost__profile-settings)
            [own heading](#sample) [external](https://learn.microsoft.com/azure/) [folder](docs)
            [missing file](docs/nothing.md)
            [missing anchor](docs/guide.md#timings)
            [a link that
            wraps](docs/gone.md#x)
            [outside](../sibling/notes.md) [absolute](/srv/checkout/README.md) [file scheme](file:///etc/hosts)
            `[in a code span](docs/nothing.md)`

            ```md
            [in a fence](docs/nothing.md)
            ```

            [ref]: docs/also-gone.md
            """);

        var problems = MarkdownLinks.Check(_root, "README.md").Select(p => (p.Kind, p.Line, p.Target)).ToList();

        Assert.Equal(
        [
            (LinkProblemKind.MissingFile, 5, "docs/nothing.md"),
            (LinkProblemKind.MissingAnchor, 6, "docs/guide.md#timings"),
            (LinkProblemKind.MissingFile, 7, "docs/gone.md#x"),
            (LinkProblemKind.OutsideRepository, 9, "../sibling/notes.md"),
            (LinkProblemKind.OutsideRepository, 9, "/srv/checkout/README.md"),
            (LinkProblemKind.OutsideRepository, 9, "file:///etc/hosts"),
            (LinkProblemKind.MissingFile, 16, "docs/also-gone.md"),
        ], problems);
    }

    [Fact]
    public void Links_between_docs_resolve_from_the_linking_file()
    {
        Write("docs/a.md", "# A\n\n[b](b.md#b) [readme](../README.md#top) [up and out](../../x.md)\n");
        Write("docs/b.md", "# B\n");
        Write("README.md", "# Top\n");

        var problems = MarkdownLinks.Check(_root, "docs/a.md");

        Assert.Equal(LinkProblemKind.OutsideRepository, Assert.Single(problems).Kind);
    }

    [Theory]
    [InlineData("The smoke run, and the local Data Factory API it is tested against", "the-smoke-run-and-the-local-data-factory-api-it-is-tested-against")]
    [InlineData("Dependencies: how versions are pinned and updated", "dependencies-how-versions-are-pinned-and-updated")]
    [InlineData("`LocalHost__Profile` and `--mode queue`", "localhost__profile-and---mode-queue")]
    [InlineData("What Azure does (and where that is documented)", "what-azure-does-and-where-that-is-documented")]
    [InlineData("See [the lock](lock.md)", "see-the-lock")]
    public void Headings_get_GitHubs_ids(string heading, string id) => Assert.Equal(id, MarkdownLinks.Slug(heading));

    [Fact]
    public void Repeated_headings_are_numbered()
    {
        var anchors = MarkdownLinks.Anchors("# Notes\n\n## Notes\n\n```\n# not a heading\n```\n## Notes\n");
        Assert.Equal(["notes", "notes-1", "notes-2"], anchors.Order(StringComparer.Ordinal));
    }
}
