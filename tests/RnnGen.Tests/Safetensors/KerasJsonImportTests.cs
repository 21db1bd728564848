using System.Text;
using System.Text.Json;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

/// <summary>Reads the Keras fixtures' expected outputs and runs imported models.</summary>
public static class KerasFixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "keras");

    /// <summary>The fixture's input, step count and reference output.</summary>
    public static (float[] Input, int Steps, float[] Output) Expected(string name)
    {
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, name + ".expected.json")));
        static IEnumerable<float> Flat(JsonElement e) =>
            e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flat) : [e.GetSingle()];
        return ([.. Flat(d.RootElement.GetProperty("input"))], d.RootElement.GetProperty("steps").GetInt32(), [.. Flat(d.RootElement.GetProperty("output"))]);
    }

    public static float[] RunReference(ImportedModel model, float[] input, int steps)
    {
        var net = new ReferenceNetwork(model.Spec!);
        model.Parameters!.CopyTo(net.Parameters);
        var outputs = new float[(net.Spec.Output == OutputMode.LastStep ? 1 : steps) * net.OutputSize];
        net.Forward(input, steps, outputs);
        return outputs;
    }

    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= 1e-5, $"{what}: largest difference {worst:E2} > 1e-5");
    }

}

/// <summary>
/// RTNeural/Keras JSON and PyTorch state_dict JSON: every fixture (tools/keras-reference, tools/make_keras_h5.py) is
/// imported, run by the reference runtime and by generated models, and compared with TensorFlow.js' or torch's outputs.
/// </summary>
public sealed class KerasJsonImportTests
{
    private static string Dir => KerasFixtures.Dir;

    public static TheoryData<string> JsonFixtures() =>
    [
        "keras_lstm_dense", "keras_stacked_lstm_softmax", "keras_gru_ra_dense", "keras_gru_v1_heads", "keras_lstm_gru_v1_last",
        "keras_simplernn_relu", "torch_lstm2_linear", "torch_gru_linear",
    ];

    [Theory]
    [MemberData(nameof(JsonFixtures))]
    public void Every_fixture_runs_within_1e5_of_its_reference(string name)
    {
        ImportedModel model = KerasJsonImport.Read(Path.Combine(Dir, name + ".json"));
        var (input, steps, expected) = KerasFixtures.Expected(name);
        KerasFixtures.AssertClose(expected, KerasFixtures.RunReference(model, input, steps), name);
        Assert.Equal(model.Spec!.ParameterLayout.Count, model.Mapped.Count);
    }

    [Fact]
    public void Keras_layers_become_the_expected_declaration()
    {
        ImportedModel m = KerasJsonImport.Read(Path.Combine(Dir, "keras_stacked_lstm_softmax.json"));
        Assert.Equal(new NetworkSpec(4, [LayerSpec.Dense(5, Activation.Relu), LayerSpec.Lstm(6), LayerSpec.Lstm(4), LayerSpec.Dense(3, Activation.Softmax)], 64), m.Spec);
        Assert.Contains(m.Mapped, l => l.StartsWith("layers.1.weight_ih_l0 [24, 5] ← layers[1].weights[0] [5, 24], transposed", StringComparison.Ordinal));

        ImportedModel gru = KerasJsonImport.Read(Path.Combine(Dir, "keras_gru_ra_dense.json"));
        Assert.Equal(new NetworkSpec(3, [LayerSpec.Gru(7), LayerSpec.Dense(2)], 64), gru.Spec);
        Assert.Contains(gru.Mapped, l => l.Contains("gates z,r,h → r,z,n", StringComparison.Ordinal));

        ImportedModel torch = KerasJsonImport.Read(Path.Combine(Dir, "torch_lstm2_linear.json"));
        Assert.Equal(new NetworkSpec(3, [LayerSpec.Lstm(6), LayerSpec.Lstm(6), LayerSpec.Dense(2)], 64), torch.Spec);
        Assert.Contains(torch.Mapped, l => l.StartsWith("layers.1.weight_ih_l0 [24, 6] ← rec.weight_ih_l1 [24, 6]", StringComparison.Ordinal));
    }

    [Fact]
    public void Generated_models_run_the_imported_weights_within_1e5()
    {
        Check<KerasLstmDenseModel>("keras_lstm_dense");
        Check<KerasStackedModel>("keras_stacked_lstm_softmax");
        Check<KerasGruResetAfterModel>("keras_gru_ra_dense");
        Check<TorchLstm2LinearModel>("torch_lstm2_linear");
        Check<KerasSimpleRnnModel>("keras_simplernn_relu");
        Check<KerasGruV1HeadsModel>("keras_gru_v1_heads");
        Check<KerasLstmGruV1LastModel>("keras_lstm_gru_v1_last");

        static void Check<T>(string name) where T : IRecurrentNetwork, new()
        {
            ImportedModel model = KerasJsonImport.Read(Path.Combine(Dir, name + ".json"));
            var net = new T();
            Assert.Equal(model.Spec!.Layers, net.Spec.Layers);
            model.Parameters!.CopyTo(net.Parameters);
            var (input, steps, expected) = KerasFixtures.Expected(name);
            var outputs = new float[expected.Length];
            net.Forward(input, steps, outputs);
            KerasFixtures.AssertClose(expected, outputs, $"{typeof(T).Name} on {name}");
        }
    }

    private static string Write(string json)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-keras-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static InvalidDataException Refused(string json)
    {
        string path = Write(json);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => KerasJsonImport.Read(path));
            Assert.StartsWith(path + ": ", e.Message);
            return e;
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("conv1d")]
    [InlineData("batchnorm")]
    [InlineData("prelu")]
    [InlineData("conv2d")]
    public void Unsupported_layer_types_are_named_with_their_index(string type)
    {
        string json = File.ReadAllText(Path.Combine(Dir, "keras_lstm_dense.json"));
        using JsonDocument d = JsonDocument.Parse(json);
        string layers = string.Join(",", d.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetRawText()));
        var e = Refused($$"""{"in_shape": [null, null, 3], "layers": [{{layers}}, {"type": "{{type}}", "activation": "", "shape": [null, null, 2], "weights": [[1, 2], [0.5]]}]}""");
        Assert.Contains($"layer 2 has type '{type}'", e.Message);
    }

    [Fact]
    public void A_gru_with_reset_after_false_and_a_last_step_output_are_declared_as_keras_has_them()
    {
        ImportedModel v1 = KerasJsonImport.Read(Path.Combine(Dir, "keras_gru_v1_heads.json"));
        Assert.Equal(new NetworkSpec(2, [LayerSpec.Gru(6, resetAfter: false), LayerSpec.Dense(4, Activation.Tanh), LayerSpec.Dense(1, Activation.Sigmoid)], 64), v1.Spec);
        Assert.Contains("[Gru(6, ResetAfter = false)]", PyTorchImport.Declaration(v1, "GruV1"));
        Assert.Contains(v1.Mapped, l => l == "layers.0.bias_hh_l0 [18] ← zeros (Keras has one bias)");

        ImportedModel last = KerasJsonImport.Read(Path.Combine(Dir, "keras_lstm_gru_v1_last.json"));
        Assert.Equal(new NetworkSpec(3, [LayerSpec.Lstm(5), LayerSpec.Gru(4, resetAfter: false), LayerSpec.Dense(2, Activation.Relu)], 64, OutputMode.LastStep), last.Spec);
        Assert.Contains("Output = OutputMode.LastStep", PyTorchImport.Declaration(last, "LastStep"));
    }

    [Fact]
    public void Bad_shapes_activations_and_documents_are_named()
    {
        Assert.Contains("kernel of layer 0 (lstm)", Refused("""{"in_shape": [null, null, 3], "layers": [{"type": "lstm", "activation": "tanh", "shape": [null, null, 2], "weights": [[[1,2,3,4,5,6,7,8]], [[1,2,3,4,5,6,7,8],[1,2,3,4,5,6,7,8]], [1,2,3,4,5,6,7,8]]}]}""").Message);
        Assert.Contains("activation 'elu'", Refused("""{"in_shape": [null, null, 1], "layers": [{"type": "dense", "activation": "elu", "shape": [null, null, 1], "weights": [[[1]], [0]]}]}""").Message);
        Assert.Contains("states 3 units", Refused("""{"in_shape": [null, null, 1], "layers": [{"type": "dense", "activation": "", "shape": [null, null, 3], "weights": [[[1]], [0]]}]}""").Message);
        Assert.Contains("not a rectangular list", Refused("""{"in_shape": [null, null, 2], "layers": [{"type": "dense", "activation": "", "shape": [null, null, 1], "weights": [[[1], [2, 3]], [0]]}]}""").Message);
        Assert.Contains("not valid JSON", Refused("""{"in_shape": [null, null, 2], "layers": [""").Message);
        Assert.Contains("neither", Refused("""{"hello": "world"}""").Message);
        Assert.Contains("no recurrent", Refused("""{"x.running_mean": [1, 2]}""").Message);
        Assert.Contains("not a finite float", Refused("""{"in_shape": [null, null, 1], "layers": [{"type": "dense", "activation": "", "shape": [null, null, 1], "weights": [[[1e39]], [0]]}]}""").Message);
    }

    [Fact]
    public void An_activation_layer_folds_into_the_dense_before_it()
    {
        string path = Write("""{"in_shape": [null, null, 1], "layers": [{"type": "dense", "activation": "", "shape": [null, null, 2], "weights": [[[1, -1]], [0, 0]]}, {"type": "activation", "activation": "relu", "shape": [null, null, 2], "weights": []}]}""");
        try
        {
            ImportedModel m = KerasJsonImport.Read(path);
            Assert.Equal(new NetworkSpec(1, [LayerSpec.Dense(2, Activation.Relu)], 64), m.Spec);
            Assert.Equal(new float[] { 2, 0 }, KerasFixtures.RunReference(m, [2f], 1));
        }
        finally { File.Delete(path); }
    }

    private const int Cases = 3000;

    [Fact]
    public void Mutated_and_truncated_json_loads_or_fails_with_an_InvalidDataException_naming_the_file()
    {
        string[] names = ["keras_lstm_dense", "keras_stacked_lstm_softmax", "keras_gru_ra_dense", "keras_lstm_gru_v1_last", "torch_lstm2_linear", "torch_gru_linear"];
        // Small seeds keep the cases fast: the same structure with the weights cut to their first values.
        byte[][] seeds = [.. names.Select(n => File.ReadAllBytes(Path.Combine(Dir, n + ".json")))];
        string[] tokens = ["[", "]", "{", "}", ",", ":", "\"", "null", "-1", "0", "1e39", "2147483648", "1.5", "[]", "[[]]", "\"lstm\"", "\"gru\"", "\"conv1d\"", "\"\"", "true"];
        var random = new DeterministicRandom(4242);
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-keras-fuzz-{Guid.NewGuid():N}.json");
        int loaded = 0, rejected = 0;
        try
        {
            for (int i = 0; i < Cases; i++)
            {
                byte[] seed = seeds[random.NextInt(seeds.Length)];
                string text = Encoding.UTF8.GetString(seed);
                int kind = random.NextInt(6);
                byte[]? raw = null;
                switch (kind)
                {
                    case 0: text = text[..random.NextInt(text.Length)]; break;
                    case 1:
                        for (int k = 1 + random.NextInt(4); k > 0; k--)
                        {
                            int at = random.NextInt(text.Length);
                            text = text.Remove(at, Math.Min(1 + random.NextInt(6), text.Length - at));
                        }
                        break;
                    case 2:
                        for (int k = 1 + random.NextInt(4); k > 0; k--) text = text.Insert(random.NextInt(text.Length), tokens[random.NextInt(tokens.Length)]);
                        break;
                    case 3:
                    {
                        // Replace one number by an extreme one (shapes, units, weights).
                        var starts = Enumerable.Range(0, text.Length).Where(k => char.IsAsciiDigit(text[k]) && (k == 0 || !char.IsAsciiDigit(text[k - 1]) && text[k - 1] != '.')).ToArray();
                        int s = starts[random.NextInt(starts.Length)], e = s;
                        while (e < text.Length && (char.IsAsciiDigit(text[e]) || text[e] is '.' or 'e' or '-')) e++;
                        text = text[..s] + tokens[8 + random.NextInt(5)] + text[e..];
                        break;
                    }
                    case 4:
                    {
                        // Bytes: bit flips and invalid UTF-8 inside strings and numbers.
                        raw = (byte[])seed.Clone();
                        for (int k = 1 + random.NextInt(6); k > 0; k--) raw[random.NextInt(raw.Length)] ^= (byte)(0x80 | (1 << random.NextInt(8)));
                        break;
                    }
                    default:
                    {
                        // Drop or duplicate one element of a list: ragged weights, missing layers.
                        int at = text.IndexOf(',', random.NextInt(text.Length));
                        if (at < 0) break;
                        int end = text.IndexOfAny([',', ']'], at + 1);
                        text = random.NextInt(2) == 0 ? text.Remove(at, end - at) : text.Insert(at, text[at..end]);
                        break;
                    }
                }
                byte[] bytes = raw ?? System.Text.Encoding.UTF8.GetBytes(text);
                string what = $"case {i} (mutation {kind}): {(text.Length > 300 ? text[..300] : text)}";
                if (HostileInput.AssertLoadsOrFailsNamingFile(path, bytes, f => Assert.NotNull(KerasJsonImport.Read(f).Parameters), what)) loaded++;
                else rejected++;
            }
        }
        finally { File.Delete(path); }
        Assert.True(rejected > Cases / 2, $"only {rejected} of {Cases} rejected ({loaded} loaded): the mutations are too mild");
    }
}

[RnnModel(InputSize = 3, MaxSteps = 64)]
[Lstm(8)]
[Dense(2)]
public partial class KerasLstmDenseModel;

[RnnModel(InputSize = 4, MaxSteps = 64)]
[Dense(5, Activation.Relu)]
[Lstm(6)]
[Lstm(4)]
[Dense(3, Activation.Softmax)]
public partial class KerasStackedModel;

[RnnModel(InputSize = 3, MaxSteps = 64)]
[Gru(7)]
[Dense(2)]
public partial class KerasGruResetAfterModel;

[RnnModel(InputSize = 3, MaxSteps = 64)]
[Lstm(6)]
[Lstm(6)]
[Dense(2)]
public partial class TorchLstm2LinearModel;

[RnnModel(InputSize = 2, MaxSteps = 64)]
[Rnn(5, Activation = Activation.Relu)]
[Dense(2)]
public partial class KerasSimpleRnnModel;

[RnnModel(InputSize = 2, MaxSteps = 64)]
[Gru(6, ResetAfter = false)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class KerasGruV1HeadsModel;

[RnnModel(InputSize = 3, MaxSteps = 64, Output = OutputMode.LastStep)]
[Lstm(5)]
[Gru(4, ResetAfter = false)]
[Dense(2, Activation.Relu)]
public partial class KerasLstmGruV1LastModel;
