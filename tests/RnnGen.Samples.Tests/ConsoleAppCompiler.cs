using System.Collections.Immutable;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generators;

namespace RnnGen.Samples.Tests;

/// <summary>
/// Compiles one Program.cs the way a new console project that references RnnGen does (an exe, top-level statements
/// allowed, the RnnGen generator run over it), in process, and reads the static <c>Spec</c> of a class it declares.
/// </summary>
internal static class ConsoleAppCompiler
{
    // The lowest language version the generator supports; newer compilers accept everything it does.
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    // What `dotnet new console` turns on with <ImplicitUsings>enable</ImplicitUsings>.
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>The compilation after the generator ran, and every warning and error (the generator's and the compiler's).</summary>
    public sealed record Result(Compilation Output, IReadOnlyList<Diagnostic> Problems)
    {
        public string Report => string.Join("\n", Problems.Select(d => d.ToString()));

        /// <summary>Emits the program and returns <c>typeName.Spec</c> (the assembly is loaded in its own context, sharing RnnGen).</summary>
        public NetworkSpec Spec(string typeName)
        {
            using var image = new MemoryStream();
            var emitted = Output.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            image.Position = 0;
            var context = new AssemblyLoadContext("imported-program", isCollectible: true);
            try
            {
                Type type = context.LoadFromStream(image).GetType(typeName, throwOnError: true)!;
                return Assert.IsType<NetworkSpec>(type.GetProperty("Spec")?.GetValue(null));
            }
            finally
            {
                context.Unload();
            }
        }
    }

    /// <summary>Compiles <paramref name="program"/> as Program.cs, with or without the SDK's implicit global usings.</summary>
    public static Result Compile(string program, bool implicitUsings)
    {
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(program, ParseOptions, path: "Program.cs") };
        if (implicitUsings) trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "GlobalUsings.g.cs"));
        var compilation = CSharpCompilation.Create("ImportedApp", trees, CompilerReferences.All,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create([new RnnModelGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var problems = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
        return new Result(output, problems);
    }
}
