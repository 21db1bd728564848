using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>Clockwork layers (groups updating every T_g steps) and skip connections that replace the unit delay.</summary>
public sealed class ClockworkTests
{
    /// <summary>
    /// Steps by hand from a state whose counter is not 0, in both runtimes: at t = 6 of periods 1, 2, 4, 8 only the
    /// groups of periods 1 and 2 update, each reading the groups of the same or a longer period (W_hh's lower blocks
    /// are set to junk, which neither runtime may read); the others keep their state bit for bit; the counter moves
    /// to 7, then wraps from 7 to 0, where every group updates.
    /// </summary>
    [Fact]
    public void Only_the_groups_whose_period_divides_t_update_and_they_read_the_slower_groups()
    {
        const int inputs = 3, hidden = 16, size = 4;
        int[] periods = [1, 2, 4, 8];
        NetworkSpec spec = Clockwork16Tanh.Spec;
        Assert.Equal(periods, spec.Layers[0].ClockPeriods!);
        Assert.Equal(hidden + 1, spec.Layers[0].StateWidth);   // h, then the counter
        var generated = new Clockwork16Tanh();
        generated.InitializeParameters(seed: 4);
        ParameterLayout layout = spec.ParameterLayout;
        ParameterTensor wih = layout["layers.0.weight_ih_l0"], whh = layout["layers.0.weight_hh_l0"];
        ParameterTensor bih = layout["layers.0.bias_ih_l0"], bhh = layout["layers.0.bias_hh_l0"];
        Assert.Equal((hidden, hidden), (whh.Rows, whh.Columns));   // stored whole, PyTorch's shape
        for (int i = 0; i < hidden; i++)
            for (int j = 0; j < i / size * size; j++)
                Assert.Equal(0f, generated.Parameters[whh.Offset + i * hidden + j]);   // initialised at zero
        float[] p = generated.Parameters.ToArray();
        float[] junk = (float[])p.Clone();
        for (int i = 0; i < hidden; i++)
            for (int j = 0; j < i / size * size; j++) junk[whh.Offset + i * hidden + j] = 5f;

        float[] x = Numerics.Random<float>(inputs, 5);
        float[] h = Numerics.Random<float>(hidden, 6, 0.8);
        double[] Expected(int t)
        {
            var next = new double[hidden + 1];
            for (int i = 0; i < hidden; i++)
            {
                if (t % periods[i / size] != 0) { next[i] = h[i]; continue; }
                double a = (double)p[bih.Offset + i] + p[bhh.Offset + i];
                for (int c = 0; c < inputs; c++) a += (double)p[wih.Offset + i * inputs + c] * x[c];
                for (int c = i / size * size; c < hidden; c++) a += (double)p[whh.Offset + i * hidden + c] * h[c];
                next[i] = Math.Tanh(a);
            }
            next[hidden] = (t + 1) % 8;
            return next;
        }

        var reference = new ReferenceNetwork<double>(spec);
        for (int i = 0; i < junk.Length; i++) reference.Parameters[i] = junk[i];
        junk.CopyTo(generated.Parameters);
        foreach (int t in new[] { 6, 7 })
        {
            double[] expected = Expected(t);
            float[] state = [.. h, t];
            state.CopyTo(generated.CurrentState);
            generated.Step(x, new float[2]);
            Numerics.AssertClose<double, float>(expected, generated.CurrentState.ToArray(), $"generated, t = {t}", 1e-6, 1e-5);
            for (int i = 0; i < state.Length; i++) reference.CurrentState[i] = state[i];
            reference.Step(x.Select(v => (double)v).ToArray(), new double[2]);
            Numerics.AssertClose<double, double>(expected, reference.CurrentState.ToArray(), $"reference, t = {t}", 1e-12, 1e-12);
            for (int i = 0; i < hidden; i++)
                if (t % periods[i / size] != 0) Assert.Equal(h[i], generated.CurrentState[i]);   // waiting groups: bit for bit
        }
    }

    /// <summary>A sequence starts at t = 0 from the zero state and its gradient never reaches W_hh's lower blocks.</summary>
    [Fact]
    public void A_sequence_counts_from_its_first_step_and_the_unread_blocks_get_no_gradient()
    {
        NetworkSpec spec = Clockwork16Tanh.Spec;
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 3);
        const int steps = 9;
        double[] inputs = Numerics.Random<double>(steps * spec.InputSize, 8);
        var outputs = new double[steps * spec.OutputSize];
        net.Forward(inputs, steps, outputs);
        Assert.Equal(steps % 8, net.CurrentState[16]);
        net.ZeroGradients();
        net.Backward(Numerics.Random<double>(outputs.Length, 9));
        ParameterTensor whh = spec.ParameterLayout["layers.0.weight_hh_l0"];
        double lower = 0, upper = 0;
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 16; j++)
            {
                double gradient = Math.Abs(net.Gradients[whh.Offset + i * 16 + j]);
                if (j < i / 4 * 4) lower += gradient; else upper += gradient;
            }
        Assert.Equal(0, lower);
        Assert.True(upper > 0);
    }

    /// <summary>The skip connection that replaces the unit delay: no weight_hh tensor, and h(t) reads h(t − d) only.</summary>
    [Fact]
    public void Replacing_the_unit_delay_drops_weight_hh_and_reads_only_h_t_minus_d()
    {
        NetworkSpec spec = SkipOnly2Tanh8.Spec;
        Assert.True(spec.Layers[0].ReplaceUnitDelay);
        ParameterLayout layout = spec.ParameterLayout;
        Assert.Equal(["layers.0.weight_ih_l0", "layers.0.bias_ih_l0", "layers.0.bias_hh_l0", "layers.0.weight_skip_l0", "layers.1.weight", "layers.1.bias"],
            layout.Select(t => t.Name));
        var generated = new SkipOnly2Tanh8();
        generated.InitializeParameters(seed: 6);
        float[] p = generated.Parameters.ToArray();
        ParameterTensor wih = layout["layers.0.weight_ih_l0"], wskip = layout["layers.0.weight_skip_l0"];
        ParameterTensor bih = layout["layers.0.bias_ih_l0"], bhh = layout["layers.0.bias_hh_l0"];
        const int inputs = 3, hidden = 8;
        float[] x = Numerics.Random<float>(inputs, 5);
        float[] line = Numerics.Random<float>(2 * hidden, 6, 0.7);   // [h(t−1), h(t−2)]
        var expected = new double[2 * hidden];
        for (int j = 0; j < hidden; j++)
        {
            double a = (double)p[bih.Offset + j] + p[bhh.Offset + j];
            for (int c = 0; c < inputs; c++) a += (double)p[wih.Offset + j * inputs + c] * x[c];
            for (int c = 0; c < hidden; c++) a += (double)p[wskip.Offset + j * hidden + c] * line[hidden + c];
            expected[j] = Math.Tanh(a);
            expected[hidden + j] = line[j];
        }
        line.CopyTo(generated.CurrentState);
        generated.Step(x, new float[2]);
        Numerics.AssertClose<double, float>(expected, generated.CurrentState.ToArray(), "generated delay line", 1e-6, 1e-5);
        var reference = new ReferenceNetwork<double>(spec);
        for (int i = 0; i < p.Length; i++) reference.Parameters[i] = p[i];
        for (int i = 0; i < line.Length; i++) reference.CurrentState[i] = line[i];
        reference.Step(x.Select(v => (double)v).ToArray(), new double[2]);
        Numerics.AssertClose<double, double>(expected, reference.CurrentState.ToArray(), "reference delay line", 1e-12, 1e-12);
    }

    [Fact]
    public void The_spec_round_trips_through_json_and_leaves_other_layers_json_unchanged()
    {
        var plain = new NetworkSpec(3, [LayerSpec.Rnn(4), LayerSpec.Dense(1)], 5);
        Assert.DoesNotContain("clockPeriods", plain.ToJson());
        Assert.DoesNotContain("replaceUnitDelay", plain.ToJson());
        var spec = new NetworkSpec(3, [LayerSpec.Clockwork(8, [1, 2, 4, 8]), LayerSpec.Rnn(4, Activation.Tanh, false, 0f, skipDelay: 3) with { ReplaceUnitDelay = true }, LayerSpec.Dense(1)], 5);
        string json = spec.ToJson();
        Assert.Contains("\"clockPeriods\":[1,2,4,8]", json);
        Assert.Contains("\"replaceUnitDelay\":true", json);
        NetworkSpec back = NetworkSpec.FromJson(json);
        Assert.Equal(spec, back);
        Assert.Equal(spec.GetHashCode(), back.GetHashCode());
        Assert.Equal(json, back.ToJson());
        Assert.Equal(LayerSpec.Clockwork(8, [1, 2, 4, 8]), LayerSpec.Clockwork(8, new List<int> { 1, 2, 4, 8 }));
        Assert.NotEqual(LayerSpec.Clockwork(8, [1, 2, 4, 8]), LayerSpec.Clockwork(8, [1, 2, 4, 16]));
        Assert.Equal(Clockwork16Tanh.Spec, new NetworkSpec(3, [LayerSpec.Clockwork(16, [1, 2, 4, 8]), LayerSpec.Dense(2)], 9));
    }

    public static TheoryData<string, Func<LayerSpec>, string> Invalid() => new()
    {
        { "not increasing", () => LayerSpec.Clockwork(8, [1, 4, 2, 8]), "ClockPeriods = [1, 4, 2, 8]: periods must be strictly increasing, but 4 is followed by 2" },
        { "repeated", () => LayerSpec.Clockwork(8, [2, 2]), "but 2 is followed by 2" },
        { "none", () => LayerSpec.Clockwork(8, []), "there must be at least one period" },
        { "zero", () => LayerSpec.Clockwork(8, [0, 2]), "period 1 is 0, but every period must be ≥ 1" },
        { "uneven", () => LayerSpec.Clockwork(10, [1, 2, 4]), "the 10 units do not split into 3 equal groups; make the hidden size a multiple of 3 (e.g. 12)" },
        { "too many", () => LayerSpec.Clockwork(2, [1, 2, 4]), "3 groups need at least 3 units, but the layer has 2" },
        { "cycle", () => LayerSpec.Clockwork(3, [4099, 4111, 4127]), "exceeds 16777216 (2^24)" },
        { "bidirectional", () => LayerSpec.Clockwork(4, [1, 2]) with { Bidirectional = true }, "remove Bidirectional" },
        { "leak", () => LayerSpec.Clockwork(4, [1, 2]) with { Leak = 0.5f }, "remove Leak and LearnLeak" },
        { "skip", () => LayerSpec.Clockwork(4, [1, 2]) with { SkipDelay = 2 }, "remove SkipDelay" },
        { "lstm", () => LayerSpec.Lstm(4) with { ClockPeriods = [1, 2] }, "not a Lstm layer; remove ClockPeriods" },
        { "reservoir", () => LayerSpec.Reservoir(4) with { ClockPeriods = [1, 2] }, "not a reservoir; remove ClockPeriods" },
        { "replace without skip", () => LayerSpec.Rnn(4) with { ReplaceUnitDelay = true }, "ReplaceUnitDelay = true: it replaces W_hh·h(t−1) by the skip connection W_skip·h(t−d), so it needs SkipDelay = d ≥ 2" },
        { "replace on a gru", () => LayerSpec.Gru(4) with { ReplaceUnitDelay = true }, "not a Gru layer; remove ReplaceUnitDelay" },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void Bad_settings_throw_saying_how_to_fix_them(string label, Func<LayerSpec> create, string message)
    {
        _ = label;
        var e = Assert.ThrowsAny<ArgumentException>(() => new NetworkSpec(3, [create(), LayerSpec.Dense(1)], 5));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("Layers[0].", e.ParamName);
    }
}
