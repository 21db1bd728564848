using System.Collections.Immutable;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using RnnGen.Generators;

namespace RnnGen.Samples.Tests;

/// <summary>
/// What <c>rnngen import … --out DIR</c> wrote, built as a user's project would build it: every <c>*.cs</c> in the
/// folder compiled in process with the RnnGen generator, the folder as the project directory (so
/// <c>[RnnModel(Weights = "…")]</c> resolves as it does under <c>dotnet build</c>), with no warning allowed; then the
/// declared model is created and run. A model without baked weights loads the written safetensors file first.
/// </summary>
internal static class ImportedProject
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    /// <summary>Runs <paramref name="steps"/> steps of <paramref name="inputs"/> through <paramref name="typeName"/> and
    /// returns its outputs.</summary>
    public static float[] Run(string dir, string typeName, float[] inputs, int steps) =>
        Create(dir, typeName, (net, outputs) => net.Forward(inputs, steps, outputs), steps);

    /// <summary>As <see cref="Run"/>, for a model whose first layer is an embedding.</summary>
    public static float[] RunTokens(string dir, string typeName, int[] tokens) =>
        Create(dir, typeName, (net, outputs) => net.Forward(tokens, tokens.Length, outputs), tokens.Length);

    private static float[] Create(string dir, string typeName, Action<IRecurrentNetwork, float[]> forward, int steps)
    {
        var trees = Directory.EnumerateFiles(dir, "*.cs").Order(StringComparer.Ordinal)
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), ParseOptions, path: f)).ToList();
        Assert.NotEmpty(trees);
        var compilation = CSharpCompilation.Create("ImportedModels", trees, CompilerReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        string projectDir = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        CSharpGeneratorDriver.Create([new RnnModelGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
                optionsProvider: new ProjectOptions(projectDir))
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext("imported-project", isCollectible: true);
        try
        {
            Type type = context.LoadFromStream(image).GetType(typeName, throwOnError: true)!;
            var net = Assert.IsAssignableFrom<IRecurrentNetwork>(Activator.CreateInstance(type));
            bool baked = File.ReadLines(Path.Combine(dir, type.Name + ".cs"))
                .Any(l => l.TrimStart().StartsWith("[RnnModel(", StringComparison.Ordinal) && l.Contains("Weights = ", StringComparison.Ordinal));
            if (!baked) net.LoadSafetensors(Path.Combine(dir, type.Name + ".safetensors"));
            var outputs = new float[(net.Spec.Output == OutputMode.LastStep ? 1 : steps) * net.OutputSize];
            forward(net, outputs);
            return outputs;
        }
        finally
        {
            context.Unload();
        }
    }

    private sealed class ProjectOptions(string projectDir) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(projectDir);

        public override AnalyzerConfigOptions GlobalOptions => _global;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(string? projectDir) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(null);

            public override bool TryGetValue(string key, out string value)
            {
                value = projectDir ?? "";
                return projectDir is not null && key == "build_property.ProjectDir";
            }
        }
    }
}
