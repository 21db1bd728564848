using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generators.Tests;

/// <summary>
/// Hostile declarations: random combinations of [RnnModel] and layer attributes — good and bad
/// sizes, undefined enum values, NaN and out-of-range leaks, skip delays, reservoirs, layers in any order, malformed
/// arguments — from a fixed seed. The generator must never throw nor report its internal error (RNNG000); when it
/// accepts a declaration, the generated code must compile cleanly and the model must construct and step (so the
/// generator's rules agree with the runtime's NetworkSpec validation); when it refuses one, it must say why with an
/// RNNG diagnostic (or the compiler's own error for malformed C#).
/// </summary>
public sealed class GeneratorFuzzTests
{
    private const int Cases = 250;

    [Fact]
    public void Random_declarations_get_diagnostics_or_working_code_and_never_crash_the_generator()
    {
        var random = new Random(7);
        int accepted = 0, refused = 0, malformed = 0;
        for (int i = 0; i < Cases; i++)
        {
            string declaration = Declaration(random, out bool wellFormed);
            string source = GeneratorHarness.Usings + "namespace Fuzz;\n" + declaration;
            GeneratorHarness.Run run = GeneratorHarness.RunGenerator(source);
            GeneratorRunResult result = run.Result.Results.Single();
            Assert.True(result.Exception is null, $"case {i} threw {result.Exception}:\n{declaration}");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "RNNG000");
            bool generated = result.GeneratedSources.Length > 0;
            if (!wellFormed)
            {
                malformed++;
                continue;   // the compiler reports malformed attribute arguments; the generator just must not fail
            }
            if (!generated)
            {
                refused++;
                Assert.True(run.GeneratorDiagnostics.Any(d => d.Id.StartsWith("RNNG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error),
                    $"case {i}: no code and no RNNG error:\n{declaration}");
                Assert.All(run.GeneratorDiagnostics, d => Assert.True(d.Location.GetLineSpan().Path == "Model0.cs", $"case {i}: {d.Id} is not located in the declaration"));
                continue;
            }
            accepted++;
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.True(!run.CompileErrors.Any(), $"case {i}: generated code does not compile:\n{declaration}\n{string.Join("\n", run.CompileErrors)}");
            StepOnce(run.Output, i, declaration);
        }
        Assert.True(accepted >= 20 && refused >= 50, $"accepted {accepted}, refused {refused}, malformed {malformed}: the generator of cases is unbalanced");
    }

    /// <summary>Loads the compiled model, builds it (its static Spec runs NetworkSpec's validation) and steps it once.</summary>
    private static void StepOnce(Compilation compilation, int i, string declaration)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, $"case {i}: emit failed:\n{declaration}");
        var context = new AssemblyLoadContext($"fuzz{i}", isCollectible: true);
        try
        {
            stream.Position = 0;
            Assembly assembly = context.LoadFromStream(stream);
            Type type = assembly.GetType("Fuzz.M")!;
            IRecurrentNetwork net;
            try
            {
                net = (IRecurrentNetwork)Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException e)
            {
                throw new Xunit.Sdk.XunitException($"case {i}: the generator accepted a declaration the runtime refuses ({e.InnerException?.GetType().Name}: {e.InnerException?.Message}):\n{declaration}");
            }
            net.InitializeParameters(1);
            var output = new float[net.OutputSize];
            bool streams = net.Spec.Layers.All(l => !l.Bidirectional);   // a bidirectional model runs whole sequences only
            if (net.InputSize == 0) { if (streams) net.Step(0, output); else net.Forward([0], 1, output); }
            else if (streams) net.Step(new float[net.InputSize], output);
            else net.Forward(new float[net.InputSize], 1, output);
            Assert.All(output, v => Assert.True(float.IsFinite(v), $"case {i}: non-finite output"));
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>A random declaration; half of them draw only from values that are valid one by one, so that a good
    /// share is accepted and the generated code gets exercised too.</summary>
    private static string Declaration(Random r, out bool wellFormed)
    {
        wellFormed = true;
        bool v = r.Next(2) == 0;
        T P<T>(T[] good, T[] bad) => v || r.Next(3) > 0 ? good[r.Next(good.Length)] : bad[r.Next(bad.Length)];
        string Sz() => P([1, 2, 3, 4, 5, 8, 13], [0, -2, 9000]).ToString(CultureInfo.InvariantCulture);
        var model = new List<string>();
        bool tokens = !v && r.Next(4) == 0 || v && r.Next(5) == 0;
        if (!tokens) model.Add($"InputSize = {P([1, 2, 3, 5], [0, -1, 9000])}");
        if (v || r.Next(8) > 0) model.Add($"MaxSteps = {P([1, 4, 9], [0, -3, 2_000_000])}");
        if (r.Next(3) == 0) model.Add($"Loss = {P(["LossKind.None", "LossKind.MeanSquaredError"], ["LossKind.CrossEntropy", "LossKind.BinaryCrossEntropy", "(LossKind)9"])}");
        if (r.Next(4) == 0) model.Add($"Reduction = {P(["Reduction.Mean", "Reduction.Sum"], ["(Reduction)5"])}");
        if (r.Next(3) == 0) model.Add($"Output = {P(["OutputMode.EveryStep", "OutputMode.LastStep"], ["(OutputMode)3"])}");
        var text = new StringBuilder($"[RnnModel({string.Join(", ", model)})]\n");
        if (tokens) text.Append($"[Embedding({Sz()}, {Sz()})]\n");
        int layers = (v ? 1 : 0) + r.Next(4);
        for (int l = 0; l < layers; l++)
        {
            switch (r.Next(v ? 6 : 7))
            {
                case 0: text.Append(v ? $"[Lstm({Sz()})]\n" : $"[Embedding({Sz()}, {Sz()})]\n"); break;
                case 1:
                {
                    bool learn = r.Next(4) == 0 && !v;   // valid cases learn the leak below, with a starting Leak
                    text.Append($"[Rnn({Sz()}{Named(r,
                        ("Activation", () => P(["Activation.Tanh", "Activation.Relu"], ["Activation.Sigmoid", "(Activation)42"])),
                        ("Bidirectional", () => Pick(r, "true", "false")),
                        ("Leak", () => P(["0f", "0.5f", "0.99f"], ["1f", "-0.25f", "float.NaN", "float.PositiveInfinity"])),
                        ("SkipDelay", () => P([0, 2, 3], [1, -1, 5000])))}{(learn ? (v ? ", LearnLeak = true" : ", LearnLeak = true") : "")})]\n");
                    break;
                }
                case 2:
                    text.Append(v && r.Next(3) == 0
                        ? $"[Rnn({Sz()}, Leak = {Float(r, 0.2f, 0.9f)}, LearnLeak = true{(r.Next(2) == 0 ? ", SkipDelay = 2" : "")})]\n"
                        : $"[Lstm({Sz()}{Named(r, ("Bidirectional", () => Pick(r, "true", "false")), ("Peepholes", () => Pick(r, "true", "false")), ("LearnInitialState", () => Pick(r, "true", "false")))})]\n");
                    break;
                case 3: text.Append($"[Gru({Sz()}{Named(r, ("Bidirectional", () => Pick(r, "true", "false")), ("LearnInitialState", () => Pick(r, "true", "false")), ("ResetAfter", () => Pick(r, "true", "false")))})]\n"); break;
                case 4: text.Append($"[Dense({Sz()}{(r.Next(2) == 0 ? ", " + P(["Activation.Identity", "Activation.Tanh", "Activation.Sigmoid", "Activation.Relu"], ["Activation.Softmax", "(Activation)(-1)"]) : "")})]\n"); break;
                case 5:
                    text.Append($"[Reservoir({Sz()}{Named(r,
                        ("SpectralRadius", () => P(["0.9f", "1.2f"], ["0f", "-1f", "float.NaN"])),
                        ("Density", () => P(["0.1f", "1f"], ["0f", "1.5f"])),
                        ("InputScaling", () => P(["1f", "0.5f"], ["0f", "float.PositiveInfinity"])),
                        ("Leak", () => P(["0f", "0.3f"], ["1f"])))})]\n");
                    break;
                default:
                    // Malformed C#: the compiler reports these; the generator must still not fail.
                    wellFormed = false;
                    text.Append(Pick(r, "[Lstm()]\n", "[Rnn(\"eight\")]\n", "[Dense(3, 4, 5)]\n", "[Gru(3, Bidirectional = 1)]\n", "[Rnn(4, Leak = \"x\")]\n", "[Reservoir(5, SkipDelay = 2)]\n"));
                    break;
            }
        }
        text.Append(!v && r.Next(10) == 0 ? "public class M;\n" : "public partial class M;\n");   // sometimes not partial
        return text.ToString();
    }

    private static string Size(Random r) => Pick(r, 1, 2, 3, 4, 5, 8, 13, 0, -2, 9000).ToString(CultureInfo.InvariantCulture);

    private static string Named(Random r, params (string Name, Func<object> Value)[] options)
    {
        var parts = options.Where(_ => r.Next(3) == 0).Select(o => $"{o.Name} = {o.Value()}").ToList();
        return parts.Count == 0 ? "" : ", " + string.Join(", ", parts);
    }

    private static string Float(Random r, params float[] values)
    {
        float v = values[r.Next(values.Length)];
        return float.IsNaN(v) ? "float.NaN" : float.IsPositiveInfinity(v) ? "float.PositiveInfinity" : v.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    private static T Pick<T>(Random r, params T[] values) => values[r.Next(values.Length)];
}
