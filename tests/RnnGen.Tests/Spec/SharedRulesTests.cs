using RnnGen.Geometry;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Spec;

/// <summary>
/// The files the generator links from the runtime (Geometry/, the enums, the safetensors format): the geometry
/// against PyTorch's formulas, the rules listing every problem (NetworkSpec throws the first, the generator reports
/// them all), the one declaration text, and the float conversions the baked weights share with the runtime.
/// </summary>
public sealed class SharedRulesTests
{
    [Theory]
    [InlineData(LayerKind.Rnn, 1)]
    [InlineData(LayerKind.Lstm, 4)]
    [InlineData(LayerKind.Gru, 3)]
    public void Recurrent_geometry_is_pytorchs_per_direction_block(LayerKind kind, int gates)
    {
        foreach (int input in new[] { 1, 3, 17 })
            foreach (int hidden in new[] { 1, 5, 32 })
                foreach (int skip in kind == LayerKind.Rnn ? new[] { 0, 2, 5 } : new[] { 0 })
                    foreach (bool learn in kind == LayerKind.Rnn ? new[] { false, true } : new[] { false })
                    {
                        var layer = new LayerDescription(kind, hidden, Activation.Tanh, bidirectional: true, leak: learn ? 0.5f : 0f, learnLeak: learn, skipDelay: skip);
                        LayerGeometry g = LayerGeometry.Of(layer, input);
                        int gh = gates * hidden;
                        Assert.Equal(gates, g.GateCount);
                        Assert.Equal(gh, g.GateRows);
                        Assert.Equal((long)gh * (input + hidden + 2) + (skip > 0 ? hidden * hidden : 0) + (learn ? hidden : 0), g.ParametersPerDirection);
                        Assert.Equal(2 * g.ParametersPerDirection, g.ParameterCount);
                        Assert.Equal(kind == LayerKind.Lstm ? 2 * hidden : skip > 1 ? skip * hidden : hidden, g.StateWidthPerDirection);
                        Assert.Equal((gh, input, 0), (g[TensorRole.WeightIh].Rows, g[TensorRole.WeightIh].Columns, g[TensorRole.WeightIh].Offset));
                        Assert.Equal((gh, hidden, gh * input), (g[TensorRole.WeightHh].Rows, g[TensorRole.WeightHh].Columns, g[TensorRole.WeightHh].Offset));
                        Assert.Equal(gh * (input + hidden), g[TensorRole.BiasIh].Offset);
                        Assert.Equal(gh * (input + hidden) + gh, g[TensorRole.BiasHh].Offset);
                        Assert.Equal(skip > 0, g.Has(TensorRole.WeightSkip));
                        Assert.Equal(learn, g.Has(TensorRole.Leak));
                        if (learn) Assert.Equal(gh * (input + hidden + 2) + (skip > 0 ? hidden * hidden : 0), g[TensorRole.Leak].Offset);
                        Assert.Equal("layers.2.weight_hh_l0_reverse", g.TensorName(2, g[TensorRole.WeightHh], 1));
                        Assert.Equal(g.ParametersPerDirection, g.Tensors.Sum(t => t.Length));
                    }
    }

    [Fact]
    public void Clockwork_and_skip_only_geometry()
    {
        var clockwork = new LayerDescription(LayerKind.Rnn, 12, Activation.Tanh, clockPeriods: [1, 2, 4]);
        LayerGeometry c = LayerGeometry.Of(clockwork, 5);
        Assert.Equal(13, c.StateWidthPerDirection);   // h, then the step counter
        Assert.Equal((12, 12), (c[TensorRole.WeightHh].Rows, c[TensorRole.WeightHh].Columns));   // kept whole
        Assert.Equal(12L * (5 + 12 + 2), c.ParametersPerDirection);
        Assert.Equal((4, 4L), (clockwork.ClockGroupSize, clockwork.ClockCycle));
        Assert.Equal(24L, new LayerDescription(LayerKind.Rnn, 3, Activation.Tanh, clockPeriods: [3, 8, 12]).ClockCycle);
        Assert.Equal(long.MaxValue, new LayerDescription(LayerKind.Rnn, 3, Activation.Tanh, clockPeriods: [4099, 4111, 4127]).ClockCycle);

        var skipOnly = new LayerDescription(LayerKind.Rnn, 6, Activation.Tanh, bidirectional: true, skipDelay: 3, replaceUnitDelay: true);
        LayerGeometry s = LayerGeometry.Of(skipOnly, 4);
        Assert.False(s.Has(TensorRole.WeightHh));
        Assert.Equal([TensorRole.WeightIh, TensorRole.BiasIh, TensorRole.BiasHh, TensorRole.WeightSkip], s.Tensors.Select(t => t.Role));
        Assert.Equal(6L * (4 + 2) + 36, s.ParametersPerDirection);
        Assert.Equal(18, s.StateWidthPerDirection);   // the delay line is unchanged
        Assert.Equal(6 * 4, s[TensorRole.BiasIh].Offset);
    }

    [Fact]
    public void Network_geometry_is_the_parameter_layout()
    {
        var spec = new NetworkSpec(0, [LayerSpec.Embedding(11, 4), LayerSpec.Lstm(5, true), LayerSpec.Rnn(3, Activation.Tanh, false, 0.5f, 2, learnLeak: true), LayerSpec.Dense(2)], 8);
        NetworkGeometry g = spec.Geometry;
        Assert.Equal(spec.ParameterCount, g.ParameterCount);
        Assert.Equal(spec.StateSize, g.StateSize);
        Assert.Equal(spec.ParameterLayout.Select(t => (t.Name, t.Offset, t.Rows, t.Columns)),
            g.Tensors().Select(t => (t.Name, t.Offset, t.Rows, t.Columns)));
        Assert.Equal(["layers.0.weight", "layers.1.weight_ih_l0"], g.Tensors().Take(2).Select(t => t.Name));
        Assert.Equal(11 * 4, g.ParameterOffset(1));
        Assert.Equal(2 * 2 * 5, g.StateOffset(2));
    }

    [Fact]
    public void The_rules_list_every_problem_and_the_spec_throws_the_first()
    {
        LayerDescription?[] layers =
        [
            new LayerDescription(LayerKind.Lstm, 0, Activation.Tanh),
            new LayerDescription(LayerKind.Rnn, 4, Activation.Sigmoid, leak: 1.5f),
            new LayerDescription(LayerKind.Dense, 2, Activation.Softmax),
            new LayerDescription(LayerKind.Dense, 9000, Activation.Identity),
        ];
        List<NetworkProblem> problems = NetworkRules.Check(3, layers, 0, OutputMode.EveryStep, LossKind.MeanSquaredError, Reduction.Mean);
        Assert.Equal(
            [ProblemKind.MaxSteps, ProblemKind.Size, ProblemKind.Leak, ProblemKind.Activation, ProblemKind.SoftmaxNotFinal, ProblemKind.Size],
            problems.Select(p => p.Kind));
        Assert.Equal([-1, 0, 1, 1, 2, 3], problems.Select(p => p.Layer));
        Assert.Equal("Layers[1].Leak", problems[2].Property);
        Assert.Equal(1.5f, problems[2].Number);

        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(3,
            [LayerSpec.Lstm(0), LayerSpec.Rnn(4, Activation.Sigmoid, false, 1.5f), LayerSpec.Dense(2, Activation.Softmax), LayerSpec.Dense(9000)], 0));
        Assert.Equal(problems[0].Property, e.ParamName);
        Assert.Equal(problems[0].ToException().Message, e.Message);
    }

    [Fact]
    public void A_learned_leak_without_a_start_is_one_problem_not_two()
    {
        var zero = new LayerDescription(LayerKind.Rnn, 4, Activation.Tanh, learnLeak: true);
        var outOfRange = new LayerDescription(LayerKind.Rnn, 4, Activation.Tanh, leak: -1f, learnLeak: true);
        Assert.Equal([ProblemKind.LearnLeakNeedsStart], NetworkRules.Check(1, [zero], 4, default, default, default).Select(p => p.Kind));
        Assert.Equal([ProblemKind.Leak], NetworkRules.Check(1, [outOfRange], 4, default, default, default).Select(p => p.Kind));
    }

    [Fact]
    public void The_generated_cache_also_counts_the_state()
    {
        // Per step: 8 floats per output (2·H, bidirectional), plus the generated code's 2 · 2·H of LSTM state.
        var layers = new[] { new LayerDescription(LayerKind.Lstm, 8192, Activation.Tanh, bidirectional: true) };
        int steps = (int)(int.MaxValue / (8L * 2 * 8192));   // the reference runtime's cache just fits
        Assert.DoesNotContain(NetworkRules.Check(1, layers, steps, default, default, default), p => p.Kind == ProblemKind.CacheSize);
        Assert.Contains(NetworkRules.Check(1, layers, steps, default, default, default, cacheHoldsState: true), p => p.Kind == ProblemKind.CacheSize);
    }

    [Fact]
    public void Both_sides_write_a_layer_as_its_attribute()
    {
        Assert.Equal("[Lstm(8)]", NetworkSpec.Describe(LayerSpec.Lstm(8)));
        Assert.Equal("[Gru(6, Bidirectional = true)]", NetworkSpec.Describe(LayerSpec.Gru(6, true)));
        Assert.Equal("[Dense(2, Activation.Softmax)]", NetworkSpec.Describe(LayerSpec.Dense(2, Activation.Softmax)));
        Assert.Equal("[Dense(2)]", NetworkSpec.Describe(LayerSpec.Dense(2)));
        Assert.Equal("[Rnn(4, Activation = Activation.Relu)]", NetworkSpec.Describe(LayerSpec.Rnn(4, Activation.Relu)));
        Assert.Equal("[Embedding(10, 3)]", NetworkSpec.Describe(LayerSpec.Embedding(10, 3)));
        Assert.Equal("[Reservoir(30)]", NetworkSpec.Describe(LayerSpec.Reservoir(30)));
    }

    [Fact]
    public void Half_and_bfloat16_widen_exactly_as_the_runtime_types_do()
    {
        var bytes = new byte[2];
        for (int h = 0; h <= ushort.MaxValue; h++)
        {
            bytes[0] = (byte)h;
            bytes[1] = (byte)(h >> 8);
            float half = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            Assert.Equal(BitConverter.SingleToInt32Bits(half), BitConverter.SingleToInt32Bits(SafetensorsFormat.ReadSingle(bytes, 0, 0, "F16")));
            Assert.Equal(h << 16, BitConverter.SingleToInt32Bits(SafetensorsFormat.ReadSingle(bytes, 0, 0, "BF16")));
        }
    }
}
