using System.Numerics;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>The reference runtime against PyTorch 1.13 on the committed golden fixtures: outputs, final states,
/// loss, every parameter gradient, the input gradients and dLoss/d(initial state), in float and in double.</summary>
public sealed class PyTorchParityTests
{
    public static TheoryData<string> Networks() => [.. PyTorchFixture.NetworkNames()];

    [Fact]
    public void There_are_at_least_twelve_fixtures() => Assert.True(PyTorchFixture.NetworkNames().Count() >= 12);

    [Theory, MemberData(nameof(Networks))]
    public void Float_reference_matches_pytorch(string name) => Check(PyTorchFixture.Load(name), new ReferenceNetwork<float>(PyTorchFixture.Load(name).Spec).AsTestNetwork());

    [Theory, MemberData(nameof(Networks))]
    public void Double_reference_matches_pytorch(string name) => Check(PyTorchFixture.Load(name), new ReferenceNetwork<double>(PyTorchFixture.Load(name).Spec).AsTestNetwork());

    public static TheoryData<string> GeneratedTwins() => [.. Generated.Matrix.MatrixModels.FixtureTwins.Select(t => t.Fixture)];

    [Theory, MemberData(nameof(GeneratedTwins))]
    public void Generated_model_matches_pytorch(string name)
    {
        PyTorchFixture fixture = PyTorchFixture.Load(name);
        IRecurrentNetwork twin = Generated.Matrix.MatrixModels.FixtureTwins.Single(t => t.Fixture == name).Create();
        Assert.Equal(fixture.Spec, twin.Spec);
        Check(fixture, twin.AsTestNetwork());
    }

    [Fact]
    public void Every_fixture_has_a_generated_twin() =>
        Assert.Equal(PyTorchFixture.NetworkNames(), Generated.Matrix.MatrixModels.FixtureTwins.Select(t => t.Fixture).Order(StringComparer.Ordinal));

    internal static void Check<T>(PyTorchFixture f, ITestNetwork<T> net) where T : unmanaged, IFloatingPointIeee754<T>
    {
        net.LoadSafetensors(f.ParametersPath);
        Numerics.Convert<T>(f.Tensor("initial_state")).CopyTo(net.CurrentState);

        int outputSteps = f.Spec.Output == OutputMode.LastStep ? 1 : f.Steps;
        var outputs = new T[outputSteps * f.Spec.OutputSize];
        if (f.Tokens is not null)
            net.ForwardContinue(f.Tokens, f.Steps, outputs);
        else
            net.ForwardContinue(Numerics.Convert<T>(f.Tensor("inputs")), f.Steps, outputs);

        Numerics.AssertClose<float, T>(f.Tensor("outputs"), outputs, $"{f.Name} outputs");
        Numerics.AssertClose<float, T>(f.Tensor("final_state"), net.CurrentState, $"{f.Name} final state");

        T loss = f.ClassIds is not null ? net.Backward(f.ClassIds) : net.Backward(Numerics.Convert<T>(f.Tensor("targets")));
        Numerics.AssertClose(f.Loss, double.CreateChecked(loss), $"{f.Name} loss");

        foreach (ParameterTensor t in f.Spec.ParameterLayout)
            Numerics.AssertClose<float, T>(f.Tensor("grad." + t.Name), net.Gradients.Slice(t.Offset, t.Length), $"{f.Name} dLoss/d{t.Name}");
        if (f.Has("input_grad"))
            Numerics.AssertClose<float, T>(f.Tensor("input_grad"), net.InputGradients, $"{f.Name} dLoss/dInputs");
        else
            Assert.True(net.InputGradients.IsEmpty);
        Numerics.AssertClose<float, T>(f.Tensor("initial_state_grad"), net.InitialStateGradients, $"{f.Name} dLoss/dInitialState");
    }

    /// <summary>PyTorch's h0 (and c0) as leaf tensors with gradients are what a learned initial state is: the fixtures
    /// with random initial states, run as networks that learn their initial state (set to the fixture's h0, c0) from a
    /// fresh Forward, give PyTorch's outputs, loss and gradients, and dLoss/dh0, dc0 land in initial_h, initial_c.</summary>
    [Theory]
    [InlineData("lstm_initial_state")]
    [InlineData("lstm_bidirectional")]
    [InlineData("stack2_lstm_gru_sum")]
    [InlineData("gru_sigmoid_rnn_final_recurrent")]
    public void Learned_initial_states_match_pytorch_h0_and_c0_with_gradients(string name)
    {
        CheckLearned<float>(PyTorchFixture.Load(name));
        CheckLearned<double>(PyTorchFixture.Load(name));
    }

    private static void CheckLearned<T>(PyTorchFixture f) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plain = new ReferenceNetwork<T>(f.Spec);
        plain.LoadSafetensors(f.ParametersPath);
        var spec = new NetworkSpec(f.Spec.InputSize, [.. f.Spec.Layers.Select(l => l.IsRecurrent ? l with { LearnInitialState = true } : l)],
            f.Spec.MaxSteps, f.Spec.Output, f.Spec.Loss, f.Spec.Reduction);
        var net = new ReferenceNetwork<T>(spec);
        foreach (ParameterTensor t in f.Spec.ParameterLayout) plain.Parameter(t.Name).CopyTo(net.Parameter(t.Name));
        T[] h0 = Numerics.Convert<T>(f.Tensor("initial_state")), dh0 = Numerics.Convert<T>(f.Tensor("initial_state_grad"));
        RnnGen.Geometry.NetworkGeometry geometry = spec.Geometry;
        var learnedGradients = new List<(string Name, T[] Expected)>();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec l = spec.Layers[i];
            if (!l.IsRecurrent) continue;
            for (int d = 0; d < l.Directions; d++)
            {
                int at = geometry.StateOffset(i) + d * l.StateWidthPerDirection;
                string suffix = d == 0 ? "_l0" : "_l0_reverse";
                foreach ((string part, int from) in l.Kind == LayerKind.Lstm ? new[] { ("h", 0), ("c", l.Size) } : new[] { ("h", 0) })
                {
                    string tensor = $"layers.{i}.initial_{part}{suffix}";
                    h0.AsSpan(at + from, l.Size).CopyTo(net.Parameter(tensor));
                    learnedGradients.Add((tensor, dh0.AsSpan(at + from, l.Size).ToArray()));
                }
            }
        }
        int outputSteps = f.Spec.Output == OutputMode.LastStep ? 1 : f.Steps;
        var outputs = new T[outputSteps * f.Spec.OutputSize];
        net.CurrentState.Clear();
        if (f.Tokens is not null) net.Forward(f.Tokens, f.Steps, outputs);
        else net.Forward(Numerics.Convert<T>(f.Tensor("inputs")), f.Steps, outputs);
        Numerics.AssertClose<float, T>(f.Tensor("outputs"), outputs, $"{f.Name} outputs");
        Numerics.AssertClose<float, T>(f.Tensor("final_state"), net.CurrentState, $"{f.Name} final state");
        T loss = f.ClassIds is not null ? net.Backward(f.ClassIds) : net.Backward(Numerics.Convert<T>(f.Tensor("targets")));
        Numerics.AssertClose(f.Loss, double.CreateChecked(loss), $"{f.Name} loss");
        foreach (ParameterTensor t in f.Spec.ParameterLayout)
            Numerics.AssertClose<float, T>(f.Tensor("grad." + t.Name), net.Gradient(t.Name), $"{f.Name} dLoss/d{t.Name}");
        foreach ((string tensor, T[] expected) in learnedGradients)
            Numerics.AssertClose<T, T>(expected, net.Gradient(tensor), $"{f.Name} dLoss/d{tensor}");
    }

    [Fact]
    public void A_checkpoint_with_another_module_layout_loads_through_a_name_map()
    {
        // remap.safetensors is nn.LSTM(3, 5, num_layers=2) as 'encoder' plus nn.Linear(5, 2) as 'head'.
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(5), LayerSpec.Lstm(5), LayerSpec.Dense(2)], maxSteps: 6);
        var map = new Dictionary<string, string>();
        foreach (string kind in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
        {
            map[$"layers.0.{kind}_l0"] = $"encoder.{kind}_l0";
            map[$"layers.1.{kind}_l0"] = $"encoder.{kind}_l1";
        }
        map["layers.2.weight"] = "head.weight";
        map["layers.2.bias"] = "head.bias";
        var net = new ReferenceNetwork(spec);
        string dir = PyTorchFixture.Directory;
        net.LoadSafetensors(Path.Combine(dir, "remap.safetensors"), map);

        var expected = RnnGen.Safetensors.SafetensorsFile.Open(Path.Combine(dir, "remap.expected.safetensors"));
        var outputs = new float[6 * 2];
        net.Forward(expected.ReadFloat32("inputs"), 6, outputs);
        Numerics.AssertClose<float, float>(expected.ReadFloat32("outputs"), outputs, "remapped outputs");
    }
}
