using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Docs.Tests;

/// <summary>What is wrong with a link: its target is missing, its anchor names no heading, or it leaves the repository.</summary>
public enum LinkProblemKind
{
    MissingFile,
    MissingAnchor,
    OutsideRepository,
}

public sealed record LinkProblem(LinkProblemKind Kind, string File, int Line, string Target, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Kind} '{Target}': {Message}";
}

/// <summary>
/// Checks the links of Markdown files as GitHub renders them: inline links and images (<c>[text](target)</c>) and
/// reference definitions (<c>[id]: target</c>) outside code blocks and code spans. A relative target must name a file
/// or folder inside the repository, and its <c>#anchor</c> a heading of that Markdown file (GitHub's heading ids).
/// http(s) and mailto links are not followed.
/// </summary>
public static partial class MarkdownLinks
{
    public sealed record Link(int Line, string Target);

    /// <summary>Every link target in <paramref name="markdown"/> with its 1-based line, code excluded.</summary>
    public static IReadOnlyList<Link> Extract(string markdown)
    {
        var text = WithoutCode(markdown);
        var links = new List<Link>();
        foreach (Match m in InlineLink().Matches(text))
            links.Add(new Link(LineOf(text, m.Index), Unwrap(m.Groups["target"].Value)));
        foreach (Match m in ReferenceDefinition().Matches(text))
            links.Add(new Link(LineOf(text, m.Index), Unwrap(m.Groups["target"].Value)));
        return [.. links.OrderBy(l => l.Line)];
    }

    /// <summary>The ids GitHub gives the ATX headings of <paramref name="markdown"/>, repeats numbered -1, -2, ...</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in WithoutFencedCode(markdown).Split('\n'))
        {
            var m = Heading().Match(line.TrimEnd('\r'));
            if (!m.Success)
                continue;
            var slug = Slug(m.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    /// <summary>
    /// GitHub's heading id: the heading's text (links reduced to their text, code spans to their content), lower case,
    /// everything but letters, digits, marks, spaces, hyphens and underscores dropped, each space a hyphen.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = MarkdownLinkInText().Replace(heading, "${text}").Replace("`", "", StringComparison.Ordinal);
        var slug = new StringBuilder();
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c == ' ')
                slug.Append('-');
            else if (c is '-' or '_' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark
                         or UnicodeCategory.SpacingCombiningMark)
                slug.Append(c);
        }
        return slug.ToString();
    }

    /// <summary>
    /// The problems of the links in <paramref name="file"/> (a path relative to <paramref name="root"/>, with '/').
    /// </summary>
    public static IReadOnlyList<LinkProblem> Check(string root, string file)
    {
        root = Path.GetFullPath(root);
        var path = Path.Combine(root, file);
        var markdown = File.ReadAllText(path);
        var problems = new List<LinkProblem>();
        foreach (var link in Extract(markdown))
        {
            var problem = Problem(root, file, markdown, link);
            if (problem is not null)
                problems.Add(problem);
        }
        return problems;
    }

    private static LinkProblem? Problem(string root, string file, string markdown, Link link)
    {
        LinkProblem Fail(LinkProblemKind kind, string message) => new(kind, file, link.Line, link.Target, message);

        var target = link.Target;
        if (target.Length == 0)
            return Fail(LinkProblemKind.MissingFile, "empty link target");
        var scheme = Scheme().Match(target);
        if (scheme.Success)
        {
            return scheme.Groups[1].Value.ToLowerInvariant() is "http" or "https" or "mailto"
                ? null
                : Fail(LinkProblemKind.OutsideRepository, $"'{scheme.Groups[1].Value}:' links leave the repository");
        }
        if (target[0] is '/' or '\\' or '~')
            return Fail(LinkProblemKind.OutsideRepository, "an absolute path is not in the repository (use a relative link)");

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);

        string resolved;
        string? targetMarkdown;
        if (pathPart.Length == 0)
        {
            resolved = Path.Combine(root, file);
            targetMarkdown = markdown;
        }
        else
        {
            resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.Combine(root, file))!, pathPart));
            var relative = Path.GetRelativePath(root, resolved);
            if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || Path.IsPathRooted(relative))
            {
                return Fail(LinkProblemKind.OutsideRepository, $"resolves to {resolved}, outside the repository");
            }
            var repositoryPath = relative.Replace(Path.DirectorySeparatorChar, '/');
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                return Fail(LinkProblemKind.MissingFile, $"no file or folder {repositoryPath}");
            }
            targetMarkdown = File.Exists(resolved) && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
                ? File.ReadAllText(resolved)
                : null;
        }

        if (anchor is null || targetMarkdown is null)
            return null;
        var anchors = Anchors(targetMarkdown);
        return anchors.Contains(anchor)
            ? null
            : Fail(LinkProblemKind.MissingAnchor,
                $"no heading with id '{anchor}' in {Path.GetRelativePath(root, resolved).Replace('\\', '/')}; "
                + $"its ids: {string.Join(", ", anchors.Order(StringComparer.Ordinal))}");
    }

    /// <summary>The text with fenced code blocks and code spans blanked (same length and lines, so indexes still hold).</summary>
    public static string WithoutCode(string markdown)
    {
        var chars = WithoutFencedCode(markdown).ToCharArray();
        // Code spans: a run of backticks up to the next run of the same length, within a paragraph.
        var text = new string(chars);
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] != '`')
                continue;
            var run = 1;
            while (i + run < chars.Length && chars[i + run] == '`')
                run++;
            var close = ClosingRun(text, i + run, run);
            if (close < 0)
            {
                i += run - 1;
                continue;
            }
            Blank(chars, i, close + run);
            i = close + run - 1;
        }
        return new string(chars);
    }

    /// <summary>The text with fenced code blocks blanked.</summary>
    private static string WithoutFencedCode(string markdown)
    {
        var chars = markdown.ToCharArray();
        // Fenced blocks: ``` or ~~~ (indented up to a list's depth), closed by a fence of the same character.
        var lineStart = 0;
        char? fence = null;
        while (lineStart < chars.Length)
        {
            var lineEnd = markdown.IndexOf('\n', lineStart);
            if (lineEnd < 0)
                lineEnd = chars.Length;
            var trimmed = markdown[lineStart..lineEnd].TrimStart();
            var opensOrCloses = trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal);
            if (fence is null && opensOrCloses)
                fence = trimmed[0];
            else if (fence is not null && opensOrCloses && trimmed[0] == fence)
                fence = null;
            else if (fence is null)
            {
                lineStart = lineEnd + 1;
                continue;
            }
            Blank(chars, lineStart, lineEnd);
            lineStart = lineEnd + 1;
        }
        return new string(chars);
    }

    private static int ClosingRun(string text, int from, int run)
    {
        for (var j = from; j < text.Length; j++)
        {
            if (text[j] == '\n' && j + 1 < text.Length && text.AsSpan(j + 1).TrimStart(" \t\r").StartsWith("\n"))
                return -1; // a blank line ends the paragraph
            if (text[j] != '`')
                continue;
            var length = 1;
            while (j + length < text.Length && text[j + length] == '`')
                length++;
            if (length == run)
                return j;
            j += length - 1;
        }
        return -1;
    }

    private static void Blank(char[] chars, int from, int to)
    {
        for (var k = from; k < to && k < chars.Length; k++)
        {
            if (chars[k] is not '\n' and not '\r')
                chars[k] = ' ';
        }
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string Unwrap(string target)
    {
        target = target.Trim();
        return target.StartsWith('<') && target.EndsWith('>') ? target[1..^1] : target;
    }

    // [text](target) or [text](target "title"), the text may hold one level of brackets and wrap lines.
    [GeneratedRegex("""!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(?<target><[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)""")]
    private static partial Regex InlineLink();

    [GeneratedRegex("""^ {0,3}\[[^\]\n]+\]:[ \t]*(?<target><[^>\n]*>|\S+)""", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex("""^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$""")]
    private static partial Regex Heading();

    [GeneratedRegex("""\[(?<text>[^\]]*)\]\([^)]*\)""")]
    private static partial Regex MarkdownLinkInText();

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*):")]
    private static partial Regex Scheme();
}
