using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

public class OnnxImportTests
{
    public static TheoryData<string> Fixtures =>
    [
        "lstm_stack", "gru_bidirectional_softmax", "rnn_relu", "lstm_gemm_sigmoid", "lstm_initial_state",
        "embedding_lstm_softmax", "lstm_fixed_shape", "lstm_reverse", "lstm_peepholes", "lstm_bidirectional_stack",
        "lstm_final_hidden", "lstm_stack_final_hidden", "gru_batch_first", "gru_lbr0",
        "lstm_batch_first_dynamic",
    ];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void OnnxRuntimeComputesWhatTheFixtureRecords(string name)
    {
        Fixture f = Fixture.Load(name);
        Close.All(f.Output, Ort.Run(f.OnnxPath, f.Input, f.Steps), 1e-5f, name);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ImportedReferenceNetworkMatchesOnnxRuntime(string name)
    {
        Fixture f = Fixture.Load(name);
        Imported model = Imported.Read(f.OnnxPath);
        ReferenceNetwork net = Run.Reference(model);
        Close.All(Ort.Run(f.OnnxPath, f.Input, f.Steps), Run.Forward(net, f.Input, f.Steps), 1e-5f, name);
        // Other lengths than the traced one, where the graph allows them.
        if (name != "lstm_fixed_shape")
            foreach (int steps in new[] { 1, 13 })
            {
                float[] x = Run.Input(net.Spec, steps, seed: steps);
                Close.All(Ort.Run(f.OnnxPath, x, steps), Run.Forward(net, x, steps), 1e-5f, $"{name}, {steps} steps");
            }
    }

    [Fact]
    public void ImportedSpecsAreTheTorchModules()
    {
        Assert.Equal("in 3 → Lstm(5) → Lstm(5) → Dense(2, Identity); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("lstm_stack").ToString());
        Assert.Equal("in 4 → Gru(6, bi) → Dense(3, Softmax); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("gru_bidirectional_softmax").ToString());
        Assert.Equal("in 3 → Rnn(7, Relu) → Rnn(7, Relu) → Dense(1, Identity); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("rnn_relu").ToString());
        Assert.Equal("in 2 → Lstm(8) → Dense(3, Sigmoid); MeanSquaredError Mean, LastStep, T ≤ 64", Spec("lstm_gemm_sigmoid").ToString());
        Assert.Equal("in 3 → Lstm(4, bi, learned h0) → Dense(2, Tanh); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("lstm_initial_state").ToString());
        Assert.Equal("tokens → Embedding(10, 4) → Lstm(5) → Dense(10, Softmax); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("embedding_lstm_softmax").ToString());
        Assert.Equal("in 2 → Lstm(3, peepholes); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("lstm_peepholes").ToString());
        Assert.Equal("in 3 → Lstm(4, bi) → Lstm(4, bi) → Dense(2, Identity); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("lstm_bidirectional_stack").ToString());
        Assert.Equal("in 3 → Lstm(6) → Dense(2, Identity); MeanSquaredError Mean, LastStep, T ≤ 64", Spec("lstm_final_hidden").ToString());
        Assert.Equal("in 3 → Gru(5) → Dense(1, Tanh); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("gru_batch_first").ToString());
        Assert.Equal("in 3 → Lstm(5) → Lstm(5) → Dense(2, Relu); MeanSquaredError Mean, LastStep, T ≤ 64", Spec("lstm_stack_final_hidden").ToString());
        // batch_first with dynamic_axes {0: 'batch', 1: 'seq'}: read as [1, steps, features] through torch's Transpose.
        Assert.Equal("in 3 → Lstm(4) → Dense(2, Identity); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("lstm_batch_first_dynamic").ToString());
        // A reverse-only LSTM followed by a layer: a bidirectional LSTM whose forward half the head ignores.
        NetworkSpec reverse = Spec("lstm_reverse");
        Assert.Equal("in 3 → Lstm(4, bi) → Dense(2, Identity); MeanSquaredError Mean, EveryStep, T ≤ 64", reverse.ToString());
        Imported model = Imported.Read(Fixture.Load("lstm_reverse").OnnxPath);
        ParameterTensor head = reverse.ParameterLayout["layers.1.weight"];
        for (int u = 0; u < 2; u++)
            for (int j = 0; j < 4; j++) Assert.Equal(0f, model.Parameters[head.Offset + u * 8 + j]);
    }

    [Fact]
    public void A_reverse_only_layer_is_noted_as_a_bidirectional_layer_at_twice_the_cost()
    {
        ImportedModel model = OnnxImport.Read(Fixture.Load("lstm_reverse").OnnxPath);
        Assert.Contains(model.Notes, n => n.StartsWith("node 'lstm_reverse' runs in reverse only", StringComparison.Ordinal)
            && n.Contains("bidirectional Lstm(4)", StringComparison.Ordinal) && n.Contains("twice", StringComparison.Ordinal));
        Assert.DoesNotContain(OnnxImport.Read(Fixture.Load("lstm_stack").OnnxPath).Notes, n => n.Contains("reverse only", StringComparison.Ordinal));
    }

    private static NetworkSpec Spec(string name) => Imported.Read(Fixture.Load(name).OnnxPath).Spec;

    [Fact]
    public void MappedLinesNameTheOnnxTensorsAndGateOrders()
    {
        Imported model = Imported.Read(Fixture.Load("lstm_stack").OnnxPath);
        Assert.Contains(model.Mapped, m => m.StartsWith("layers.0.weight_ih_l0 [20, 3]", StringComparison.Ordinal) && m.Contains("gates i,o,f,c → i,f,g,o"));
        Assert.Contains(model.Mapped, m => m.StartsWith("layers.2.weight [2, 5]", StringComparison.Ordinal) && m.Contains("transposed"));
    }

    [Fact]
    public void GruWithLinearBeforeResetZeroIsTheResetBeforeVariant()
    {
        Assert.Equal("in 3 → Gru(5, ResetAfter = false); MeanSquaredError Mean, EveryStep, T ≤ 64", Spec("gru_lbr0").ToString());
        Assert.True(Spec("gru_bidirectional_softmax").Layers[0].ResetAfter);
    }
}

public class GeneratedTwinTests
{
    public static TheoryData<string> Twins => ["lstm_stack", "gru_bidirectional_softmax", "lstm_gemm_sigmoid", "gru_lbr0"];

    [Theory]
    [MemberData(nameof(Twins))]
    public void GeneratedModelWithImportedParametersMatchesOnnxRuntime(string name)
    {
        Fixture f = Fixture.Load(name);
        Imported model = Imported.Read(f.OnnxPath);
        IRecurrentNetwork net = name switch
        {
            "lstm_stack" => new OnnxLstmStack(),
            "gru_bidirectional_softmax" => new OnnxBiGruSoftmax(),
            "gru_lbr0" => new OnnxGruLbr0(),
            _ => new OnnxLstmLastStep(),
        };
        Assert.Equal(model.Spec, net.Spec);
        model.Parameters.CopyTo(net.Parameters);
        foreach (int steps in new[] { f.Steps, 1, 20 })
        {
            float[] x = steps == f.Steps ? f.Input : Run.Input(net.Spec, steps, seed: 100 + steps);
            Close.All(Ort.Run(f.OnnxPath, x, steps), Run.Forward(net, x, steps), 1e-5f, $"{name}, {steps} steps");
        }
    }
}

public sealed class ConstantNodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-onnx-constant-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void InitialStatesFromConstantNodesAreLearnedInitialStates()
    {
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(4, bidirectional: true) with { LearnInitialState = true }, LayerSpec.Dense(2)], 16);
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(9);
        var random = new Random(9);
        foreach (ParameterTensor t in spec.ParameterLayout)
            if (t.Name.Contains(".initial_", StringComparison.Ordinal))
                for (int i = 0; i < t.Length; i++) net.Parameters[t.Offset + i] = (float)(random.NextDouble() - 0.5);
        global::Onnx.ModelProto model = OnnxExport.Build(spec, net.Parameters);
        // The initial states as Constant nodes instead of initializers, as some exporters write them.
        foreach (string name in new[] { "layers.0.initial_h", "layers.0.initial_c" })
        {
            global::Onnx.TensorProto tensor = model.Graph.Initializer.Single(t => t.Name == name);
            model.Graph.Initializer.Remove(tensor);
            var node = new global::Onnx.NodeProto { OpType = "Constant", Name = name + "_constant" };
            node.Output.Add(name);
            node.Attribute.Add(new global::Onnx.AttributeProto { Name = "value", Type = global::Onnx.AttributeProto.Types.AttributeType.Tensor, T = tensor });
            model.Graph.Node.Insert(0, node);
        }
        string path = Path.Combine(_dir, "constant_states.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        Imported back = Imported.Read(path);
        Assert.Equal(spec.Layers, back.Spec.Layers);
        Assert.Equal(net.Parameters.ToArray(), back.Parameters);
        float[] x = Run.Input(spec, 7, seed: 3);
        Close.All(Ort.Run(path, x, 7), Run.Forward(Run.Reference(back), x, 7), 1e-5f);
    }
}
