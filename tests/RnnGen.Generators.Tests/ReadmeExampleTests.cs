using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generators.Tests;

/// <summary>The README's quick-start program compiles with the generator and runs exactly as written.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_quick_start_program_compiles_and_learns()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        int section = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no Quick start section");
        Match code = Regex.Match(readme[section..], "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(code.Success, "the Quick start has no C# block");

        CSharpCompilation compilation = GeneratorHarness.Compile(code.Groups[1].Value)
            .WithOptions(new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Assert.Empty(emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));

        Assembly program = Assembly.Load(image.ToArray());
        string directory = Directory.CreateTempSubdirectory("rnngen-readme-").FullName;
        string previousDirectory = Environment.CurrentDirectory;
        TextWriter previousOut = Console.Out;
        var captured = new StringWriter();
        try
        {
            Environment.CurrentDirectory = directory;
            Console.SetOut(captured);
            program.EntryPoint!.Invoke(null, [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(previousOut);
            Environment.CurrentDirectory = previousDirectory;
        }
        string text = captured.ToString();
        Match mse = Regex.Match(text, @"MSE (\d+\.\d+) -> (\d+\.\d+)");
        Assert.True(mse.Success, text);
        double first = double.Parse(mse.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double last = double.Parse(mse.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(last < first / 5, $"the example did not learn: {text}");
        Assert.Contains("streamed 32 steps", text);
        Assert.True(File.Exists(Path.Combine(directory, "forecaster.safetensors")));
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>The docs speak to users: a reader of the repository has no tracker, so no issue numbers, and no
    /// sentence about a past or future state of the project.</summary>
    [Fact]
    public void The_docs_cite_no_tracker_items_and_describe_no_past_state()
    {
        var files = new List<string> { Path.Combine(RepositoryPaths.Root, "README.md"), Path.Combine(RepositoryPaths.Root, "CHANGELOG.md") };
        files.AddRange(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md"));
        Assert.True(files.Count >= 8, "docs/ holds the user documentation");
        foreach (string folder in new[] { "samples", "src", "generators", "benchmarks" })
            files.AddRange(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, folder), "*.md", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}results{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                    && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !Path.GetFileName(f).StartsWith("AnalyzerReleases", StringComparison.Ordinal)));
        var tracker = new Regex(@"\b(issue|issues|target)[ -]?#?\d+|#\d{1,4}\b(?![0-9a-fA-F])|\bsession\b|\buntil the NuGet", RegexOptions.IgnoreCase);
        foreach (string file in files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                Match m = tracker.Match(lines[i]);
                Assert.False(m.Success, $"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1}: '{m.Value}' in: {lines[i]}");
            }
        }
    }
}
