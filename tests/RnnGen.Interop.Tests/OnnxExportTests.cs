using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-onnx-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> ReferenceSpecs => [.. Specs.Keys];

    private static readonly Dictionary<string, NetworkSpec> Specs = new()
    {
        ["lstm_stack"] = new(3, [LayerSpec.Lstm(5), LayerSpec.Lstm(4), LayerSpec.Dense(2)], 32),
        ["gru_bidirectional"] = new(4, [LayerSpec.Gru(6, bidirectional: true), LayerSpec.Dense(3, Activation.Softmax)], 32),
        ["rnn_relu_bidirectional"] = new(3, [LayerSpec.Rnn(7, Activation.Relu, bidirectional: true), LayerSpec.Rnn(3), LayerSpec.Dense(2, Activation.Tanh)], 32),
        ["embedding_lstm_softmax"] = new(0, [LayerSpec.Embedding(10, 4), LayerSpec.Lstm(5), LayerSpec.Dense(10, Activation.Softmax)], 32),
        ["last_step"] = new(2, [LayerSpec.Gru(8), LayerSpec.Dense(3, Activation.Sigmoid)], 32, OutputMode.LastStep),
        ["peepholes"] = new(2, [LayerSpec.Lstm(3, bidirectional: true, peepholes: true), LayerSpec.Dense(2, Activation.Relu)], 32),
        ["learned_initial_states"] = new(3, [LayerSpec.Lstm(4, bidirectional: true) with { LearnInitialState = true }, LayerSpec.Gru(3) with { LearnInitialState = true }, LayerSpec.Rnn(2) with { LearnInitialState = true }], 32),
        ["reservoir"] = new(2, [LayerSpec.Reservoir(20, spectralRadius: 0.9f, density: 0.3f), LayerSpec.Dense(1)], 32),
        ["gru_reset_before"] = new(3, [LayerSpec.Gru(5, bidirectional: true, resetAfter: false), LayerSpec.Gru(4, resetAfter: false), LayerSpec.Dense(2)], 32),
        ["dense_only"] = new(3, [LayerSpec.Dense(4, Activation.Tanh), LayerSpec.Dense(2)], 32),
    };

    /// <summary>Seeded parameters, with every learned initial state non-zero (they start at zero).</summary>
    private static void Initialize(IRecurrentNetwork net, int seed)
    {
        net.InitializeParameters(seed);
        var random = new Random(seed);
        foreach (ParameterTensor t in net.Spec.ParameterLayout)
            if (t.Name.Contains(".initial_", StringComparison.Ordinal))
                for (int i = 0; i < t.Length; i++) net.Parameters[t.Offset + i] = (float)(random.NextDouble() - 0.5);
    }

    private void CheckAgainstOrt(IRecurrentNetwork net, string name)
    {
        string path = Path.Combine(_dir, name + ".onnx");
        net.SaveOnnx(path);
        foreach (int steps in new[] { 1, 6, 17 })
        {
            float[] x = Run.Input(net.Spec, steps, seed: steps);
            Close.All(Run.Forward(net, x, steps), Ort.Run(path, x, steps), 1e-5f, $"{name}, {steps} steps");
        }
        // Export → import gives the same network and parameters.
        Imported back = Imported.Read(path);
        Assert.Equal(net.Spec.InputSize, back.Spec.InputSize);
        Assert.Equal(net.Spec.Output, back.Spec.Output);
        Assert.Equal(net.Spec.Layers.Select(Plain), back.Spec.Layers);
        Assert.Equal(net.Parameters.ToArray(), back.Parameters);
    }

    /// <summary>What survives ONNX: a reservoir is an ordinary Elman layer there.</summary>
    private static LayerSpec Plain(LayerSpec l) =>
        l.IsReservoir ? LayerSpec.Rnn(l.Size, l.Activation, l.Bidirectional) : l;

    [Theory]
    [MemberData(nameof(ReferenceSpecs))]
    public void ReferenceNetworkExportRunsInOnnxRuntimeAndReadsBack(string name)
    {
        var net = new ReferenceNetwork(Specs[name]);
        Initialize(net, 11);
        CheckAgainstOrt(net, name);
    }

    [Fact]
    public void GeneratedModelsExportRunInOnnxRuntimeAndReadBack()
    {
        IRecurrentNetwork[] models = [new ExportLstmStack(), new ExportBiGru(), new ExportRnnRelu(), new ExportEmbeddingLstm(), new ExportLastStep(), new ExportPeepholes(), new ExportGruResetBefore()];
        foreach (IRecurrentNetwork net in models)
        {
            Initialize(net, 5);
            CheckAgainstOrt(net, net.GetType().Name);
        }
    }

    [Fact]
    public void SaveOnnxWritesAtomicallyAndReplaces()
    {
        string path = Path.Combine(_dir, "m.onnx");
        var a = new ReferenceNetwork(Specs["lstm_stack"]);
        Initialize(a, 1);
        a.SaveOnnx(path);
        long first = new FileInfo(path).Length;
        var b = new ReferenceNetwork(Specs["dense_only"]);
        Initialize(b, 2);
        b.SaveOnnx(path);
        Assert.NotEqual(first, new FileInfo(path).Length);
        Assert.Equal(["m.onnx"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    public static TheoryData<string, string> Inexpressible => new()
    {
        { "leaky", "leaky" },
        { "skip", "skip connection" },
        { "clockwork", "clockwork" },
        { "projection", "projection" },
        { "leaky reservoir", "leaky" },
    };

    [Theory]
    [MemberData(nameof(Inexpressible))]
    public void LayersOnnxCannotExpressAreRefusedByName(string kind, string reason)
    {
        LayerSpec layer = kind switch
        {
            "leaky" => LayerSpec.Rnn(4, Activation.Tanh, false, leak: 0.5f),
            "skip" => LayerSpec.Rnn(4, Activation.Tanh, false, 0f, skipDelay: 2),
            "clockwork" => LayerSpec.Clockwork(4, [1, 2]),
            "projection" => LayerSpec.Lstm(4) with { ProjectionSize = 2 },
            _ => LayerSpec.Reservoir(8, leak: 0.3f),
        };
        var net = new ReferenceNetwork(new NetworkSpec(2, [LayerSpec.Dense(3), layer, LayerSpec.Dense(1)], 8));
        string path = Path.Combine(_dir, "x.onnx");
        var e = Assert.Throws<NotSupportedException>(() => net.SaveOnnx(path));
        Assert.Contains("Layers[1]", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.False(File.Exists(path));
    }
}
