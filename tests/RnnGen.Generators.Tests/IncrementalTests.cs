using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generators.Tests;

/// <summary>The pipeline caches: an unrelated edit leaves every named step Cached/Unchanged, and no step's output
/// holds a symbol, syntax node or compilation (which would defeat caching and keep compilations alive).</summary>
public sealed class IncrementalTests
{
    private const string Model = GeneratorHarness.Usings +
        "namespace Demo; [RnnModel(InputSize = 4, MaxSteps = 64)] [Lstm(32)] [Dense(4)] public partial class Forecaster;";
    private const string Bad = GeneratorHarness.Usings +
        "namespace Demo; [RnnModel(InputSize = 4, MaxSteps = 64)] [Lstm(0)] public partial class Broken; [Gru(3)] public partial class Stray;";

    [Fact]
    public void Unrelated_edits_leave_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Model, Bad, "namespace Demo; public class Other { }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.NotEmpty(first.GeneratedSources);

        // Edit an unrelated file, and add a new one.
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation
            .ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText("namespace Demo; public class Other { public int X; }", GeneratorHarness.ParseOptions, other.FilePath))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo; public class Another { }", GeneratorHarness.ParseOptions, "Another.cs"));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
        AssertCachedOrUnchanged(second, TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Models, TrackingNames.StrayLayers,
            TrackingNames.ModelsWithWeights, TrackingNames.Baked);
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void An_edit_above_the_class_in_the_same_file_re_emits_nothing()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Model, Bad);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.NotEmpty(first.GeneratedSources);

        // A comment and a using above the class: every span in the file moves, the model does not change.
        SyntaxTree model = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(model,
            CSharpSyntaxTree.ParseText("// Trained on the 2026 data.\nusing System;\n" + Model, GeneratorHarness.ParseOptions, model.FilePath));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(first.GeneratedSources.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
        // The parser did re-run on the edited file (its result holds the moved location)…
        Assert.Contains(second.TrackedSteps[TrackingNames.Parse].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        // …but the model it produced is equal, so nothing after it runs again and no source is re-emitted.
        AssertCachedOrUnchanged(second, TrackingNames.Models, TrackingNames.ModelsWithWeights, TrackingNames.Baked, TrackingNames.StrayLayers);
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    internal static void AssertCachedOrUnchanged(GeneratorRunResult result, params string[] steps)
    {
        foreach (string step in steps)
        {
            Assert.True(result.TrackedSteps.TryGetValue(step, out var runs), $"step {step} was not tracked");
            foreach (IncrementalGeneratorRunStep run in runs)
                foreach (var (_, reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}");
        }
    }

    [Fact]
    public void Step_outputs_hold_no_symbols_syntax_or_compilations()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Model, Bad);
        GeneratorRunResult result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Models, TrackingNames.StrayLayers,
            TrackingNames.ModelsWithWeights, TrackingNames.Baked })
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
                foreach (var (value, _) in run.Outputs)
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value)) return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
        }
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
