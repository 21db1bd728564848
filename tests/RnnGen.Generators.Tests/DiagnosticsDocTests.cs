using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generators.Tests;

/// <summary>Every diagnostic's help link leads to its own heading in docs/diagnostics.md.</summary>
public sealed class DiagnosticsDocTests
{
    private const string DocPage = "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics.md";

    /// <summary>Every <see cref="DiagnosticDescriptor"/> the generator declares, wherever it is declared.</summary>
    private static List<DiagnosticDescriptor> Descriptors() =>
        typeof(RnnModelGenerator).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

    [Fact]
    public void Every_help_link_points_at_a_heading_of_the_diagnostics_page()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics.md"));
        HashSet<string> anchors = GitHubAnchors(page);
        List<DiagnosticDescriptor> descriptors = Descriptors();
        Assert.Equal(26, descriptors.Count);
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            string expected = DocPage + "#" + descriptor.Id.ToLowerInvariant();
            Assert.Equal(expected, descriptor.HelpLinkUri);
            Assert.True(anchors.Contains(descriptor.Id.ToLowerInvariant()), $"docs/diagnostics.md has no heading '{descriptor.Id}' for {descriptor.HelpLinkUri}");
        }
    }

    [Fact]
    public void Every_id_in_the_release_files_has_a_heading()
    {
        string root = Path.Combine(RepositoryPaths.Root, "generators", "RnnGen.Generators");
        string tracked = File.ReadAllText(Path.Combine(root, "AnalyzerReleases.Shipped.md")) + File.ReadAllText(Path.Combine(root, "AnalyzerReleases.Unshipped.md"));
        HashSet<string> anchors = GitHubAnchors(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "diagnostics.md")));
        string[] ids = Regex.Matches(tracked, @"^(RNNG\d{3})\b", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.Contains(id.ToLowerInvariant(), anchors));
    }

    [Theory]
    [InlineData("RNNG001", "rnng001")]
    [InlineData("Weights baked in at compile time", "weights-baked-in-at-compile-time")]
    [InlineData("`Step`, `Forward` and `Backward`", "step-forward-and-backward")]
    [InlineData("Echo state networks (ESN)", "echo-state-networks-esn")]
    [InlineData("σ and tanh: own kernels", "σ-and-tanh-own-kernels")]
    public void Anchors_follow_GitHubs_rules(string heading, string anchor) =>
        Assert.Contains(anchor, GitHubAnchors("# " + heading + "\n"));

    /// <summary>
    /// The anchors GitHub gives a Markdown file's headings: the heading text lower-cased, every character that is not a
    /// letter, digit, space, hyphen or underscore removed, spaces turned into hyphens, and "-1", "-2", … appended to
    /// repeats. Headings inside fenced code blocks are not headings.
    /// </summary>
    internal static HashSet<string> GitHubAnchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        bool inFence = false;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { inFence = !inFence; continue; }
            Match heading = Regex.Match(line, @"^#{1,6}\s+(.*?)\s*#*\s*$");
            if (inFence || !heading.Success) continue;
            var slug = new StringBuilder();
            foreach (char c in heading.Groups[1].Value.ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
                else if (c == ' ') slug.Append('-');
            }
            string anchor = slug.ToString();
            if (seen.TryGetValue(anchor, out int count))
            {
                seen[anchor] = count + 1;
                anchor += "-" + (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                seen[anchor] = 0;
            }
            anchors.Add(anchor);
        }
        return anchors;
    }
}
