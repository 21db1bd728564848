using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generators.Tests;

/// <summary>
/// Weights baked in at compile time: <c>[RnnModel(Weights = "…")]</c> embeds a safetensors file's
/// parameters in the assembly; a mismatched, missing or corrupt file is a compile-time error naming the tensor.
/// </summary>
public sealed class BakedWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-baked-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Declaration => $"namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 8, Weights = @\"{Path.Combine(_dir, "model.safetensors")}\")] [Lstm(5, Bidirectional = true)] [Rnn(4, Leak = 0.5f, LearnLeak = true, SkipDelay = 2)] [Dense(2)] public partial class Baked;";

    private static readonly NetworkSpec Spec = new(3, [LayerSpec.Lstm(5, true), LayerSpec.Rnn(4, Activation.Tanh, false, 0.5f, 2, learnLeak: true), LayerSpec.Dense(2)], 8);

    private string Save(NetworkSpec spec, string name = "model.safetensors", int seed = 3)
    {
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(seed);
        string path = Path.Combine(_dir, name);
        net.SaveSafetensors(path);
        return path;
    }

    [Fact]
    public void The_file_s_parameters_are_compiled_into_the_model_bit_for_bit()
    {
        string path = Save(Spec);
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings + Declaration);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        string source = run.Source("Baked.g.cs");
        Assert.Contains("private readonly float[] _parameters = BakedParameters.ToArray();", source);
        Assert.DoesNotContain("LoadSafetensors(\"", source);   // no file I/O: the data is in the assembly

        var expected = new ReferenceNetwork(Spec);
        expected.LoadSafetensors(path);
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        var context = new AssemblyLoadContext("baked", isCollectible: true);
        try
        {
            var model = (IRecurrentNetwork)Activator.CreateInstance(context.LoadFromStream(new MemoryStream(stream.ToArray())).GetType("Demo.Baked")!)!;
            Assert.Equal(expected.Parameters.ToArray(), model.Parameters.ToArray());
            var a = new float[2];
            var b = new float[2];
            model.Forward([0.5f, -1f, 2f], 1, a);   // bidirectional: no Step
            expected.Forward([0.5f, -1f, 2f], 1, b);
            Assert.Equal(b[0], a[0], 5);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void A_missing_file_is_RNNG018_on_the_model_attribute()
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings + Declaration);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG018", d.Id);
        Assert.Contains($"there is no file at {Path.Combine(_dir, "model.safetensors")}", d.GetMessage());
        Assert.StartsWith("RnnModel(", run.Output.SyntaxTrees.First().GetText().ToString(d.Location.SourceSpan));
    }

    [Fact]
    public void A_mismatched_file_is_RNNG019_naming_each_tensor()
    {
        // hidden 6 instead of 5, no skip connection: shapes differ and weight_skip / leak are missing
        string path = Save(new NetworkSpec(3, [LayerSpec.Lstm(6, true), LayerSpec.Rnn(4), LayerSpec.Dense(2)], 8));
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings + Declaration);
        string[] messages = run.GeneratorDiagnostics.Where(d => d.Id == "RNNG019").Select(d => d.GetMessage()).ToArray();
        Assert.Contains(messages, m => m.Contains("tensor 'layers.0.weight_ih_l0' is [24, 3] in the file; the model needs [20, 3]"));
        Assert.Contains(messages, m => m.Contains("tensor 'layers.1.weight_ih_l0' is [4, 12] in the file; the model needs [4, 10]"));
        Assert.Contains(messages, m => m.Contains("tensor 'layers.1.weight_skip_l0' [4, 4] is missing"));
        Assert.Contains(messages, m => m.Contains("tensor 'layers.1.leak_l0' [4] is missing"));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Empty(run.Result.Results.Single().GeneratedSources);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(40)]
    [InlineData(-1)]
    public void A_corrupt_or_truncated_file_is_RNNG019_and_never_crashes_the_generator(int cut)
    {
        string path = Save(Spec);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, cut >= 0 ? bytes[..cut] : [.. bytes[..20], .. "garbage"u8.ToArray(), .. bytes[27..]]);
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings + Declaration);
        Assert.Null(run.Result.Results.Single().Exception);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("RNNG019", d.Id);
    }

    [Fact]
    public void A_long_lived_driver_picks_up_a_changed_weights_file()
    {
        string path = Save(Spec, seed: 3);
        CSharpCompilation compilation = GeneratorHarness.Compile(GeneratorHarness.Usings + Declaration, "namespace Demo; public class Other { }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        string first = Source(driver);

        // The same file, a new compilation (an unrelated edit): its stamp is unchanged, nothing is read or re-emitted.
        compilation = EditOther(compilation, 1);
        driver = driver.RunGenerators(compilation);
        Assert.Equal(first, Source(driver));
        IncrementalTests.AssertCachedOrUnchanged(driver.GetRunResult().Results.Single(), TrackingNames.ModelsWithWeights, TrackingNames.Baked);
        Assert.All(driver.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

        // Retrained: same shapes and length, other values, a later write time (set explicitly: two writes within one
        // file-system clock tick can share a time stamp). The next compilation bakes them in.
        DateTime written = File.GetLastWriteTimeUtc(path);
        Save(Spec, seed: 4);
        File.SetLastWriteTimeUtc(path, written.AddSeconds(2));
        compilation = EditOther(compilation, 2);
        driver = driver.RunGenerators(compilation);
        string second = Source(driver);
        Assert.NotEqual(first, second);
        Assert.Equal(GeneratorHarness.RunGenerator(GeneratorHarness.Usings + Declaration).Source("Baked.g.cs"), second);

        // Deleted: RNNG018 and no source; back again: the source returns.
        File.Delete(path);
        compilation = EditOther(compilation, 3);
        driver = driver.RunGenerators(compilation);
        Assert.Equal("RNNG018", Assert.Single(driver.GetRunResult().Diagnostics).Id);
        Assert.Empty(driver.GetRunResult().Results.Single().GeneratedSources);
        Save(Spec, seed: 4);
        compilation = EditOther(compilation, 4);
        driver = driver.RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        Assert.Equal(second, Source(driver));
    }

    private static string Source(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Demo.Baked.g.cs").SourceText.ToString();

    private static CSharpCompilation EditOther(CSharpCompilation compilation, int version)
    {
        SyntaxTree other = compilation.SyntaxTrees.Last();
        return compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText($"namespace Demo; public class Other {{ public int X{version}; }}", GeneratorHarness.ParseOptions, other.FilePath));
    }
}
