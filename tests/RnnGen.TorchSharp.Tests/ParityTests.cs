using System.Runtime.InteropServices;
using RnnGen;
using RnnGen.Safetensors;
using RnnGen.TorchSharp;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// torch.manual_seed is process-wide: the tests build their modules one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace RnnGenTorchSharp.Tests;

/// <summary>
/// TorchSharp modules built with fixed seeds, run by TorchSharp, then copied into generated RnnGen models and into the
/// reference runtime: both reproduce TorchSharp's outputs.
/// </summary>
public sealed class ParityTests
{
    private const int Steps = 12;
    private const double Tolerance = 1e-5;

    /// <summary>nn.LSTM(3, 5, numLayers: 2) and nn.Linear(5, 2) as the fields of a custom module.</summary>
    [Fact]
    public void A_two_layer_lstm_with_a_linear_head()
    {
        torch.manual_seed(1);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5, numLayers: 2), nn.Linear(5, 2));
        AssertParity(module, new LstmStack(), [LayerSpec.Lstm(5), LayerSpec.Lstm(5), LayerSpec.Dense(2)]);
        Assert.Equal("recurrent.weight_hh_l1", TorchSharpImport.Infer(module).NameMap["layers.1.weight_hh_l0"]);
        string declaration = TorchSharpImport.Declaration(module, "Imported", "MyApp", maxSteps: 100).Replace("\r\n", "\n");
        Assert.Contains("namespace MyApp;", declaration);
        Assert.Contains("[RnnModel(InputSize = 3, MaxSteps = 100)]", declaration);
        Assert.Contains("[Lstm(5)]\n[Lstm(5)]\n[Dense(2)]\npublic partial class Imported;", declaration);
    }

    /// <summary>A parameterless activation module is noted in the declaration: RnnGen cannot tell where it acts.</summary>
    [Fact]
    public void An_activation_module_is_noted()
    {
        torch.manual_seed(8);
        using var module = nn.Sequential(("encoder", new SequenceOutput(nn.LSTM(3, 5))), ("hidden", nn.Linear(5, 4)), ("act", nn.ReLU()), ("out", nn.Linear(4, 2)));
        ImportedModel imported = TorchSharpImport.Infer(module);
        Assert.Equal([LayerSpec.Lstm(5), LayerSpec.Dense(4), LayerSpec.Dense(2)], imported.Layers);
        Assert.Contains(imported.Notes, n => n.StartsWith("module 'act' is a ReLU module without parameters", StringComparison.Ordinal));
        Assert.Contains("// note: module 'act' is a ReLU", TorchSharpImport.Declaration(module, "Imported"));
    }

    /// <summary>nn.GRU(4, 6, numLayers: 2, bidirectional: true) and nn.Linear(12, 3): the reverse direction's
    /// weights (weight_ih_l0_reverse, …) go to each layer's backward direction.</summary>
    [Fact]
    public void A_bidirectional_two_layer_gru_with_a_linear_head()
    {
        torch.manual_seed(2);
        using var module = new RecurrentWithHead(nn.GRU(4, 6, numLayers: 2, bidirectional: true), nn.Linear(12, 3));
        AssertParity(module, new BidirectionalGru(), [LayerSpec.Gru(6, true), LayerSpec.Gru(6, true), LayerSpec.Dense(3)]);
    }

    /// <summary>nn.RNN with tanh, then nn.RNN with ReLU (numLayers: 2): TorchSharp keeps the nonlinearity in the
    /// native module, and one step of each module tells it, so the declaration has it and a model declared with
    /// another activation is refused.</summary>
    [Fact]
    public void A_tanh_rnn_then_a_relu_rnn()
    {
        torch.manual_seed(3);
        using var module = new TwoRecurrentWithHead(nn.RNN(3, 5), nn.RNN(5, 4, numLayers: 2, nonLinearity: nn.NonLinearities.ReLU, dropout: 0.5), nn.Linear(4, 2));
        module.eval();
        AssertParity(module, new TanhReluRnn(),
            [LayerSpec.Rnn(5, Activation.Tanh), LayerSpec.Rnn(4, Activation.Relu), LayerSpec.Rnn(4, Activation.Relu), LayerSpec.Dense(2)]);
        string declaration = TorchSharpImport.Declaration(module, "Imported").Replace("\r\n", "\n");
        Assert.Contains("[Rnn(5)]\n[Rnn(4, Activation = Activation.Relu)]\n[Rnn(4, Activation = Activation.Relu)]\n[Dense(2)]\npublic partial class Imported;", declaration);
        Assert.DoesNotContain("Tanh assumed", declaration);

        // Telling the nonlinearity runs one step in eval mode (no dropout between the layers), then restores the mode.
        module.train();
        Assert.Equal(Activation.Relu, TorchSharpImport.Infer(module).Layers[2].Activation);
        Assert.All(module.modules(), m => Assert.True(m.training));
        var allTanh = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Rnn(5), LayerSpec.Rnn(4), LayerSpec.Rnn(4), LayerSpec.Dense(2)], Steps));
        var e = Assert.Throws<ArgumentException>(() => allTanh.LoadTorchSharp(module));
        Assert.Contains("layer 1 (Rnn(4)) is declared with Activation = Activation.Tanh, but module 'second' is an nn.RNN with nonlinearity ReLU", e.Message);
        Assert.Contains("layer 2 (Rnn(4))", e.Message);
        Assert.DoesNotContain("layer 0", e.Message);
    }

    /// <summary>An nn.RNN whose step of ones cannot tell tanh from ReLU: every row of weight_ih sums to 0.01 (tanh and
    /// ReLU agree on 0.01 within 1e-3), or to 0 (ones, −ones and 4 × ones all give 0). The other probe inputs tell;
    /// an nn.RNN of zero weights still cannot be told and gets the note.</summary>
    [Theory]
    [InlineData("sum 0.01", false)]
    [InlineData("sum 0.01", true)]
    [InlineData("sum 0", false)]
    [InlineData("sum 0", true)]
    public void An_rnn_that_a_step_of_ones_cannot_tell_is_told_by_other_probe_inputs(string weights, bool relu)
    {
        using var module = new RecurrentWithHead(
            relu ? nn.RNN(3, 4, nonLinearity: nn.NonLinearities.ReLU) : nn.RNN(3, 4), nn.Linear(4, 2));
        float[] weightIh = weights == "sum 0.01"
            ? Enumerable.Repeat(0.01f / 3, 12).ToArray()
            : [.. Enumerable.Range(0, 4).SelectMany(r => new[] { 0.5f + r, -(0.5f + r), 0f })];
        SetRnn(module, weightIh);
        ImportedModel imported = TorchSharpImport.Infer(module);
        Assert.Equal(relu ? Activation.Relu : Activation.Tanh, imported.Layers[0].Activation);
        Assert.DoesNotContain(imported.Notes, n => n.Contains("does not tell tanh from ReLU", StringComparison.Ordinal));

        SetRnn(module, new float[12]);
        ImportedModel unknown = TorchSharpImport.Infer(module);
        Assert.Equal(Activation.Tanh, unknown.Layers[0].Activation);
        Assert.Contains(unknown.Notes, n => n.Contains("does not tell tanh from ReLU", StringComparison.Ordinal));
    }

    private static void SetRnn(nn.Module module, float[] weightIh)
    {
        using var _ = torch.no_grad();
        foreach ((string name, Parameter parameter) in module.named_parameters())
        {
            if (!name.StartsWith("recurrent.", StringComparison.Ordinal)) continue;
            if (name == "recurrent.weight_ih_l0") parameter.copy_(torch.tensor(weightIh).reshape(4, 3));
            else if (name == "recurrent.weight_hh_l0") parameter.fill_(0.1);
            else parameter.zero_();
        }
    }

    /// <summary>nn.Embedding(10, 4), nn.LSTM(4, 6), nn.Linear(6, 10): token ids in.</summary>
    [Fact]
    public void An_embedding_lstm_and_linear_on_tokens()
    {
        torch.manual_seed(4);
        using var module = new EmbeddingRecurrentHead(nn.Embedding(10, 4), nn.LSTM(4, 6), nn.Linear(6, 10));
        int[] tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
        float[] expected;
        using (torch.no_grad())
        using (Tensor ids = torch.tensor(tokens.Select(t => (long)t).ToArray()).reshape(Steps, 1))
        using (Tensor y = module.call(ids))
            expected = Floats(y);

        ImportedModel imported = TorchSharpImport.Infer(module);
        Assert.Equal(0, imported.InputSize);
        Assert.Equal([LayerSpec.Embedding(10, 4), LayerSpec.Lstm(6), LayerSpec.Dense(10)], imported.Layers);
        var generated = new TokenLstm();
        var reference = new ReferenceNetwork(new NetworkSpec(0, [.. imported.Layers], Steps));
        foreach (IRecurrentNetwork net in new IRecurrentNetwork[] { generated, reference })
        {
            net.LoadTorchSharp(module);
            float[] outputs = new float[Steps * net.OutputSize];
            net.Forward(tokens, Steps, outputs);
            AssertClose(expected, outputs, net.GetType().Name);
        }
    }

    /// <summary>A Sequential whose first module wraps an nn.LSTM (names "encoder.lstm.weight_ih_l0", "head.weight").</summary>
    [Fact]
    public void A_sequential_with_a_nested_lstm()
    {
        torch.manual_seed(5);
        using var module = nn.Sequential(("encoder", new SequenceOutput(nn.LSTM(3, 5))), ("head", nn.Linear(5, 2)));
        AssertParity(module, new SequentialLstm(), [LayerSpec.Lstm(5), LayerSpec.Dense(2)]);
        Assert.Equal("encoder.lstm.weight_ih_l0", TorchSharpImport.Infer(module).NameMap["layers.0.weight_ih_l0"]);
    }

    /// <summary>A module in float64 (as trained on any device) is copied as float32.</summary>
    [Fact]
    public void A_float64_module_is_copied_as_float32()
    {
        torch.manual_seed(6);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5, numLayers: 2), nn.Linear(5, 2));
        module.to(ScalarType.Float64);
        float[] inputs = Inputs(3, 6);
        float[] expected;
        using (torch.no_grad())
        using (Tensor x = torch.tensor(inputs.Select(v => (double)v).ToArray()).reshape(Steps, 1, 3))
        using (Tensor y = module.call(x))
            expected = Floats(y);
        var generated = new LstmStack();
        generated.LoadTorchSharp(module);
        AssertClose(expected, Run(generated, inputs), "generated");
        Assert.Equal(ScalarType.Float64, module.parameters().First().dtype);   // the module is left as it was
    }

    /// <summary>Convert copies the parameters out in RnnGen's names: saved as safetensors, the plain LoadSafetensors
    /// reproduces TorchSharp's outputs, and the declaration can bake them in.</summary>
    [Fact]
    public void A_converted_module_is_saved_in_rnngen_names_and_loads_without_a_map()
    {
        torch.manual_seed(9);
        using var module = new RecurrentWithHead(nn.GRU(4, 6, numLayers: 2, bidirectional: true), nn.Linear(12, 3));
        module.to(ScalarType.Float64);
        ImportedModel converted = TorchSharpImport.Convert(module, maxSteps: 16);
        Assert.Equal(new NetworkSpec(4, [LayerSpec.Gru(6, true), LayerSpec.Gru(6, true), LayerSpec.Dense(3)], 16), converted.Spec);
        Assert.Contains("layers.1.weight_hh_l0_reverse [18, 6] ← recurrent.weight_hh_l1_reverse, Float64 as Float32", converted.Mapped);
        string declaration = PyTorchImport.Declaration(converted, "Imported", weights: "Models/imported.safetensors");
        Assert.Contains("[RnnModel(InputSize = 4, MaxSteps = 16, Weights = \"Models/imported.safetensors\")]", declaration);

        float[] inputs = Inputs(4, 9);
        float[] expected;
        using (torch.no_grad())
        using (Tensor x = torch.tensor(inputs.Select(v => (double)v).ToArray()).reshape(Steps, 1, 4))
        using (Tensor y = module.call(x))
            expected = Floats(y);
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-torchsharp-{Guid.NewGuid():N}.safetensors");
        try
        {
            converted.SaveWeights(path);
            var generated = new BidirectionalGru();
            generated.LoadSafetensors(path);
            AssertClose(expected, Run(generated, inputs), "generated, from the saved file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>An explicit name map loads the same parameters as the inferred one.</summary>
    [Fact]
    public void A_hand_written_name_map_loads_the_module()
    {
        torch.manual_seed(7);
        using var module = nn.Sequential(("encoder", new SequenceOutput(nn.LSTM(3, 5))), ("head", nn.Linear(5, 2)));
        var map = new Dictionary<string, string>
        {
            ["layers.0.weight_ih_l0"] = "encoder.lstm.weight_ih_l0",
            ["layers.0.weight_hh_l0"] = "encoder.lstm.weight_hh_l0",
            ["layers.0.bias_ih_l0"] = "encoder.lstm.bias_ih_l0",
            ["layers.0.bias_hh_l0"] = "encoder.lstm.bias_hh_l0",
            ["layers.1.weight"] = "head.weight",
            ["layers.1.bias"] = "head.bias",
        };
        var byMap = new SequentialLstm();
        byMap.LoadTorchSharp(module, map);
        var inferred = new SequentialLstm();
        inferred.LoadTorchSharp(module);
        Assert.Equal(inferred.Parameters.ToArray(), byMap.Parameters.ToArray());
        Assert.Contains(byMap.Parameters.ToArray(), v => v != 0f);
    }

    /// <summary>TorchSharp's forward, then the generated model and the reference runtime loaded from the module;
    /// returns TorchSharp's outputs.</summary>
    private static float[] AssertParity(nn.Module<Tensor, Tensor> module, IRecurrentNetwork generated, LayerSpec[] inferredLayers)
    {
        int inputSize = generated.InputSize;
        float[] inputs = Inputs(inputSize, seed: inputSize * 31 + generated.OutputSize);
        float[] expected;
        using (torch.no_grad())
        using (Tensor x = torch.tensor(inputs).reshape(Steps, 1, inputSize))
        using (Tensor y = module.call(x))
            expected = Floats(y);
        Assert.Equal(Steps * generated.OutputSize, expected.Length);
        Assert.True(expected.Max(Math.Abs) > 1e-2, "TorchSharp's outputs are not trivial");

        ImportedModel imported = TorchSharpImport.Infer(module);
        Assert.Equal(inputSize, imported.InputSize);
        Assert.Equal(inferredLayers, imported.Layers);

        generated.LoadTorchSharp(module);
        AssertClose(expected, Run(generated, inputs), generated.GetType().Name);
        var reference = new ReferenceNetwork(generated.Spec);
        reference.LoadTorchSharp(module, imported.NameMap);
        AssertClose(expected, Run(reference, inputs), "ReferenceNetwork");
        return expected;
    }

    private static float[] Run(IRecurrentNetwork net, float[] inputs)
    {
        float[] outputs = new float[Steps * net.OutputSize];
        net.Forward(inputs, Steps, outputs);
        return outputs;
    }

    /// <summary>Inputs in [-1, 1), [Steps × size], from a fixed seed.</summary>
    private static float[] Inputs(int size, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Steps * size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>A tensor's values as float32, copied to the CPU.</summary>
    internal static float[] Floats(Tensor t)
    {
        using Tensor cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        return MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }

    private static double MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = MaxAbsDifference(expected, actual);
        Assert.True(worst <= Tolerance, $"{what}: max |RnnGen - TorchSharp| = {worst:g3} > {Tolerance:g1}");
    }
}
