using System.Text.RegularExpressions;

namespace RnnGen.Generators.Tests;

/// <summary>The README and docs/ link to each other: every relative link leads to a file that exists, and every
/// #anchor to a heading of that file.</summary>
public sealed class DocsLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_docs_resolves()
    {
        string root = RepositoryPaths.Root;
        var pages = new List<string> { Path.Combine(root, "README.md") };
        pages.AddRange(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md"));
        var problems = new List<string>();
        int checkedLinks = 0;
        foreach (string page in pages)
        {
            string text = Regex.Replace(File.ReadAllText(page), "^```.*?^```", "", RegexOptions.Singleline | RegexOptions.Multiline);
            foreach (Match link in Regex.Matches(text, @"\]\(([^)\s]+)\)"))
            {
                string target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)) continue;
                checkedLinks++;
                string[] parts = target.Split('#', 2);
                string file = parts[0].Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, parts[0]));
                string where = $"{Path.GetRelativePath(root, page)}: ({target})";
                if (!File.Exists(file) && !Directory.Exists(file))
                    problems.Add($"{where}: no such file");
                else if (parts.Length == 2 && !DiagnosticsDocTests.GitHubAnchors(File.ReadAllText(file)).Contains(parts[1]))
                    problems.Add($"{where}: no heading with that anchor");
            }
        }
        Assert.True(checkedLinks > 30, $"only {checkedLinks} links found");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
