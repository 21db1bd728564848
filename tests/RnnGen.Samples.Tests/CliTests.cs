using RnnGen.Safetensors;

namespace RnnGen.Samples.Tests;

/// <summary>The <c>rnngen</c> tool, run as a user runs it.</summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Remap => Path.Combine(Repository.Root, "tests", "RnnGen.Tests", "Fixtures", "remap.safetensors");

    [Fact]
    public void Import_prints_the_name_map_then_the_declaration_of_a_pytorch_checkpoint()
    {
        var (code, output) = Rnngen("import", Remap, "--class", "Encoder", "--namespace", "Demo", "--max-steps", "100");
        Assert.True(code == 0, output);
        output = output.Replace("\r\n", "\n");
        Assert.Contains("[\"layers.1.weight_ih_l0\"] = \"encoder.weight_ih_l1\",", output);
        Assert.Contains("var model = new Demo.Encoder();\nmodel.LoadSafetensors(\"remap.safetensors\", nameMap);\n\nnamespace Demo\n{\n", output);
        Assert.Contains("    [RnnModel(InputSize = 3, MaxSteps = 100)]", output);
        Assert.Contains("    [Lstm(5)]\n    [Lstm(5)]\n    [Dense(2)]\n    public partial class Encoder;\n}\n", output);
        Assert.DoesNotContain("namespace Demo;", output);
    }

    /// <summary>What import prints is a whole Program.cs: pasted into a new console project (top-level statements,
    /// with or without implicit usings) it compiles with no warning, and declares the model it inferred.</summary>
    [Theory]
    [InlineData("remap", null)]                                  // nn.LSTM(num_layers=2) + nn.Linear, PyTorch module names
    [InlineData("remap", "Demo.Models")]
    [InlineData("lstm_bidirectional", null)]                     // bidirectional LSTM + Dense
    [InlineData("lstm_bidirectional", "Demo")]
    [InlineData("stack3_bidirectional_bce", null)]               // bidirectional RNN → bidirectional LSTM → GRU → Dense
    [InlineData("stack3_bidirectional_bce", "Stack3BidirectionalBce")]    // a namespace named like its class
    [InlineData("charlm_embedding_lstm_ce", "Demo")]             // Embedding first: no InputSize
    public void Import_prints_a_program_that_compiles_in_a_console_project(string fixture, string? ns)
    {
        string path = Path.Combine(Repository.Root, "tests", "RnnGen.Tests", "Fixtures", fixture + ".safetensors");
        var (code, output) = ns is null ? Rnngen("import", path) : Rnngen("import", path, "--namespace", ns);
        Assert.True(code == 0, output);
        ImportedModel inferred = PyTorchImport.Infer(SafetensorsFile.Open(path));
        string type = (ns is null ? "" : ns + ".") + PyTorchImport.ClassName(path);
        foreach (bool implicitUsings in new[] { true, false })
        {
            var compiled = ConsoleAppCompiler.Compile(output, implicitUsings);
            Assert.True(compiled.Problems.Count == 0, $"implicit usings {implicitUsings}:\n{compiled.Report}\n\n{output}");
            NetworkSpec spec = compiled.Spec(type);
            Assert.Equal(inferred.InputSize, spec.InputSize);
            Assert.Equal(inferred.Layers, spec.Layers);
        }
    }

    /// <summary>A file RnnGen saved carries its spec (rnngen.spec metadata): import declares exactly that network,
    /// activations, leaks, reservoirs, loss, reduction, output mode and MaxSteps included, and the compiled class's
    /// Spec equals the saved one.</summary>
    [Fact]
    public void Import_declares_the_spec_saved_in_an_rnngen_file()
    {
        NetworkSpec[] specs =
        [
            new(4, [LayerSpec.Rnn(6, Activation.Relu, bidirectional: true, leak: 0.25f, skipDelay: 3), LayerSpec.Lstm(5, bidirectional: true),
                    LayerSpec.Dense(7, Activation.Tanh), LayerSpec.Dense(3, Activation.Sigmoid)],
                maxSteps: 37, OutputMode.LastStep, LossKind.BinaryCrossEntropy, Reduction.Sum),
            new(0, [LayerSpec.Embedding(11, 4), LayerSpec.Reservoir(8, spectralRadius: 0.85f, density: 0.3f, inputScaling: 0.5f, leak: 0.1f),
                    LayerSpec.Rnn(5, Activation.Tanh, bidirectional: false, leak: 0.6f, learnLeak: true), LayerSpec.Gru(3), LayerSpec.Dense(11, Activation.Softmax)],
                maxSteps: 9, OutputMode.EveryStep, LossKind.CrossEntropy),
            new(2, [LayerSpec.Gru(3), LayerSpec.Dense(1, Activation.Relu)], maxSteps: 500, loss: LossKind.None),
        ];
        for (int i = 0; i < specs.Length; i++)
        {
            var net = new ReferenceNetwork(specs[i]);
            net.InitializeParameters(seed: i);
            string path = Path.Combine(_dir, $"saved_{i}.safetensors");
            net.SaveSafetensors(path);
            foreach (string? ns in new[] { null, "Demo" })
            {
                var (code, output) = ns is null ? Rnngen("import", path) : Rnngen("import", path, "--namespace", ns);
                Assert.True(code == 0, output);
                Assert.DoesNotContain("nameMap", output);
                var compiled = ConsoleAppCompiler.Compile(output, implicitUsings: true);
                Assert.True(compiled.Problems.Count == 0, $"{compiled.Report}\n\n{output}");
                Assert.Equal(specs[i], compiled.Spec((ns is null ? "" : ns + ".") + $"Saved{i}"));
            }
        }

        // --max-steps still overrides the saved MaxSteps.
        var (_, longer) = Rnngen("import", Path.Combine(_dir, "saved_0.safetensors"), "--max-steps", "200");
        var spec = ConsoleAppCompiler.Compile(longer, implicitUsings: false).Spec("Saved0");
        Assert.Equal(new NetworkSpec(specs[0].InputSize, specs[0].Layers, 200, specs[0].Output, specs[0].Loss, specs[0].Reduction), spec);

        // A saved spec that does not fit the tensors, or is not a spec, is refused rather than guessed around.
        string stale = Path.Combine(_dir, "stale.safetensors");
        var lstm = new NetworkSpec(3, [LayerSpec.Lstm(5), LayerSpec.Dense(2)], 8);
        SafetensorsFile.WriteFloat32(stale, lstm.ParameterLayout.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)new float[t.Length])),
            new Dictionary<string, string> { [ParameterIO.SpecMetadataKey] = new NetworkSpec(3, [LayerSpec.Gru(5), LayerSpec.Dense(2)], 8).ToJson() });
        var (code2, error) = Rnngen("import", stale);
        Assert.Equal(2, code2);
        Assert.Contains($"{stale}: the 'rnngen.spec' metadata describes in 3 → Gru(5) → Dense(2, Identity)", error);
        Assert.Contains("layers.0.weight_ih_l0 is [20, 3], expected [15, 3]", error);
        string junk = Path.Combine(_dir, "junk-spec.safetensors");
        SafetensorsFile.WriteFloat32(junk, lstm.ParameterLayout.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)new float[t.Length])),
            new Dictionary<string, string> { [ParameterIO.SpecMetadataKey] = "{\"inputSize\": 3}" });
        (code2, error) = Rnngen("import", junk);
        Assert.Equal(2, code2);
        Assert.Contains($"{junk}: the 'rnngen.spec' metadata is not a valid network spec", error);
    }

    /// <summary>A trainer checkpoint also holds the optimizer state: import declares the saved spec and loads the
    /// parameters, ignoring the other tensors.</summary>
    [Fact]
    public void Import_of_a_trainer_checkpoint_loads_the_parameters_and_ignores_the_optimizer_state()
    {
        var saved = new NetworkSpec(3, [LayerSpec.Lstm(4), LayerSpec.Dense(2, Activation.Tanh)], maxSteps: 12, OutputMode.LastStep);
        int n = saved.ParameterCount;
        string path = Path.Combine(_dir, "trainer-checkpoint.safetensors");
        SafetensorsFile.WriteFloat32(path,
            saved.ParameterLayout.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)new float[t.Length]))
                .Append(("optimizer.exp_avg", [n], new float[n])).Append(("optimizer.exp_avg_sq", [n], new float[n])),
            new Dictionary<string, string> { ["format"] = "pt", [ParameterIO.SpecMetadataKey] = saved.ToJson(), ["rnngen.trainer"] = "{}" });
        var (code, output) = Rnngen("import", path);
        Assert.True(code == 0, output);
        Assert.Contains("model.LoadSafetensors(\"trainer-checkpoint.safetensors\", new Dictionary<string, string>(), ignoreUnusedTensors: true);", output);
        Assert.Contains("(optimizer.exp_avg, optimizer.exp_avg_sq: a trainer checkpoint's state)", output);
        var compiled = ConsoleAppCompiler.Compile(output, implicitUsings: false);
        Assert.True(compiled.Problems.Count == 0, $"{compiled.Report}\n\n{output}");
        Assert.Equal(saved, compiled.Spec("TrainerCheckpoint"));
    }

    /// <summary>--out writes the declaration and the weights in RnnGen's names: inside a project the declaration bakes
    /// them in, outside (or with --no-bake) it loads them; either way it compiles and computes what the checkpoint's
    /// network computes.</summary>
    [Fact]
    public void Import_out_writes_a_declaration_and_weights_that_reproduce_the_checkpoint()
    {
        string fixture = Path.Combine(Repository.Root, "tests", "RnnGen.Tests", "Fixtures", "remap.safetensors");
        ImportedModel inferred = PyTorchImport.Infer(SafetensorsFile.Open(fixture));
        var expected = new ReferenceNetwork(new NetworkSpec(inferred.InputSize, inferred.Layers, 64));
        expected.LoadSafetensors(fixture, inferred.NameMap);
        float[] inputs = Enumerable.Range(0, 7 * 3).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        var want = new float[7 * 2];
        expected.Forward(inputs, 7, want);

        string project = Path.Combine(_dir, "app");
        Directory.CreateDirectory(Path.Combine(project, "Models"));
        File.WriteAllText(Path.Combine(project, "App.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var (code, output) = Rnngen("import", fixture, "--class", "Encoder", "--namespace", "Demo", "--out", Path.Combine(project, "Models"));
        Assert.True(code == 0, output);
        Assert.Contains("layers.1.weight_ih_l0 [20, 5] ← encoder.weight_ih_l1", output);
        Assert.Contains("(Weights = \"Models/Encoder.safetensors\": baked in at compile time)", output);
        string declaration = File.ReadAllText(Path.Combine(project, "Models", "Encoder.cs"));
        Assert.Contains("[RnnModel(InputSize = 3, MaxSteps = 64, Weights = \"Models/Encoder.safetensors\")]", declaration);
        // The written weights load with the plain LoadSafetensors, no name map.
        var reloaded = new ReferenceNetwork(expected.Spec);
        reloaded.LoadSafetensors(Path.Combine(project, "Models", "Encoder.safetensors"));
        Assert.Equal(expected.Parameters.ToArray(), reloaded.Parameters.ToArray());
        // Compiled with the project directory as the generator sees it, the baked model computes the same outputs.
        File.Move(Path.Combine(project, "Models", "Encoder.cs"), Path.Combine(project, "Encoder.cs"));
        AssertClose(want, ImportedProject.Run(project, "Demo.Encoder", inputs, 7));

        foreach (string[] extra in new[] { new[] { "--no-bake" }, Array.Empty<string>() })
        {
            string loose = Path.Combine(_dir, extra.Length == 0 ? "loose" : "no-bake");
            string target = extra.Length == 0 ? loose : Path.Combine(project, "NoBake");
            (code, output) = Rnngen(["import", fixture, "--out", target, .. extra]);
            Assert.True(code == 0, output);
            string text = File.ReadAllText(Path.Combine(target, "Remap.cs"));
            Assert.DoesNotContain("Weights = ", text.Split('\n').Single(l => l.StartsWith("[RnnModel(", StringComparison.Ordinal)));
            Assert.Contains("model.LoadSafetensors(\"Remap.safetensors\");", text);
            AssertClose(want, ImportedProject.Run(target, "Remap", inputs, 7));
        }
    }

    [Fact]
    public void Check_reports_fit_and_mismatch_with_exit_codes()
    {
        string good = Path.Combine(_dir, "good.json"), bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(good, new NetworkSpec(3, [LayerSpec.Lstm(5), LayerSpec.Lstm(5), LayerSpec.Dense(2)], 8).ToJson());
        File.WriteAllText(bad, new NetworkSpec(3, [LayerSpec.Lstm(6), LayerSpec.Lstm(6), LayerSpec.Dense(2)], 8).ToJson());

        var (code, output) = Rnngen("check", Remap, good);
        Assert.True(code == 0, output);
        Assert.Contains("fits: all 10 tensors present with the right shapes", output);

        (code, output) = Rnngen("check", Remap, bad);
        Assert.Equal(1, code);
        Assert.Contains("MIS-SHAPED  layers.0.weight_hh_l0", output);
        Assert.Contains("expected [24, 6], file has [20, 5]", output);
        Assert.Contains("does not fit", output);
    }

    [Fact]
    public void Check_finds_a_generated_class_in_a_built_assembly()
    {
        // samples/Forecasting declares Forecaster (LSTM(32) → Dense(1)); remap.safetensors is not its checkpoint.
        string dll = Repository.Built(Path.Combine("samples", "Forecasting"), "Forecasting");
        var (code, output) = Rnngen("check", Remap, "Forecaster", "--assembly", dll);
        Assert.Equal(1, code);
        Assert.Contains("against in 1 → Lstm(32) → Dense(1", output);
        Assert.Contains("does not fit", output);
    }

    [Fact]
    public void Bad_arguments_and_files_exit_2_with_a_reason()
    {
        var (code, output) = Rnngen("import");
        Assert.Equal(2, code);
        Assert.Contains("import takes one model file", output);
        (code, output) = Rnngen("check", Remap, "NoSuchModel", "--assembly", Path.Combine(_dir, "missing.dll"));
        Assert.Equal(2, code);
        Assert.Contains("no such file", output);
        string junk = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllBytes(junk, [1, 2, 3]);
        (code, output) = Rnngen("import", junk);
        Assert.Equal(2, code);
        Assert.Contains("8-byte header length", output);
        (code, output) = Rnngen("import", Remap, "--class", "My Model");
        Assert.Equal(2, code);
        Assert.Contains("--class My Model: not a C# identifier", output);
        (code, output) = Rnngen("import", Remap, "--namespace", "Demo..Models");
        Assert.Equal(2, code);
        Assert.Contains("--namespace Demo..Models: not a C# namespace", output);
        (code, output) = Rnngen("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate'", output);
    }

    /// <summary>torch.save files are pickles: refused by extension (without being opened) with the two ways out.</summary>
    [Theory]
    [InlineData("import", "model.pt")]
    [InlineData("import", "model.pth")]
    [InlineData("import", "last.CKPT")]
    [InlineData("check", "model.pt")]
    public void A_pickled_pytorch_checkpoint_exits_2_naming_the_safetensors_and_onnx_ways(string command, string name)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, [0x80, 0x02, 0x8A, 0x0A]);   // a pickle's opening bytes
        var (code, output) = command == "check" ? Rnngen(command, path, "Anything") : Rnngen(command, path);
        Assert.Equal(2, code);
        Assert.Contains($"{path}: a pickled PyTorch checkpoint: RnnGen does not unpickle; save it with safetensors.torch.save_file(model.state_dict(), 'x.safetensors') or export it with torch.onnx.export", output);
        Assert.DoesNotContain("unknown model format", output);
    }

    [Fact]
    public void Import_names_the_pytorch_features_it_cannot_map_yet()
    {
        // nn.LSTM(3, 5, bias=False): no bias_ih_l0 / bias_hh_l0.
        string noBias = Write("lstm_no_bias.safetensors", ("lstm.weight_ih_l0", [20, 3]), ("lstm.weight_hh_l0", [20, 5]), ("head.weight", [2, 5]), ("head.bias", [2]));
        var (code, output) = Rnngen("import", noBias);
        Assert.Equal(2, code);
        Assert.Contains($"{noBias}: lstm.weight_ih_l0 has no lstm.bias_ih_l0/lstm.bias_hh_l0: nn.LSTM(bias=False) is not supported yet", output);

        // nn.GRU(3, 4, num_layers=2, bias=False): the message names the first layer without biases.
        string gru = Write("gru_no_bias.safetensors", ("weight_ih_l0", [12, 3]), ("weight_hh_l0", [12, 4]), ("bias_ih_l0", [12]), ("bias_hh_l0", [12]), ("weight_ih_l1", [12, 4]), ("weight_hh_l1", [12, 4]));
        (code, output) = Rnngen("import", gru);
        Assert.Equal(2, code);
        Assert.Contains("weight_ih_l1 has no bias_ih_l1/bias_hh_l1: nn.GRU(bias=False) is not supported yet", output);
    }

    [Fact]
    public void Import_declares_an_lstm_projection_from_weight_hr()
    {
        // nn.LSTM(3, 5, proj_size=2): weight_hh_l0 is [4·5, 2] and weight_hr_l0 [2, 5] projects h; the head reads 2.
        string projected = Write("lstm_proj.safetensors", ("lstm.weight_ih_l0", [20, 3]), ("lstm.weight_hh_l0", [20, 2]), ("lstm.bias_ih_l0", [20]), ("lstm.bias_hh_l0", [20]), ("lstm.weight_hr_l0", [2, 5]), ("head.weight", [1, 2]), ("head.bias", [1]));
        var (code, output) = Rnngen("import", projected);
        Assert.Equal(0, code);
        Assert.Contains("[Lstm(5, ProjectionSize = 2)]", output);
        Assert.Contains("[Dense(1)]", output);
        Assert.DoesNotContain("gate blocks", output);
    }

    /// <summary>Writes a safetensors file of zero-filled float tensors with these names and shapes into the test folder.</summary>
    private string Write(string name, params (string Name, int[] Shape)[] tensors)
    {
        string path = Path.Combine(_dir, name);
        SafetensorsFile.WriteFloat32(path, tensors.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)new float[t.Shape.Aggregate(1, (a, b) => a * b)])));
        return path;
    }

    // Generated code sums in its own order: equal to the reference within float rounding.
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f, $"output {i}: expected {expected[i]}, got {actual[i]}");
    }

    private (int Code, string Output) Rnngen(params string[] arguments) => RnngenTool.Run(_dir, arguments);
}
