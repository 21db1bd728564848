using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>Skip connections through time: h(t) also reads h(t − d) through W_skip.</summary>
public sealed class SkipConnectionTests
{
    /// <summary>One step by hand from a given delay line [h(t−1), h(t−2)], in both runtimes.</summary>
    [Fact]
    public void One_step_reads_the_state_d_steps_back_and_moves_the_delay_line()
    {
        var generated = new Skip2Tanh8();
        generated.InitializeParameters(seed: 6);
        NetworkSpec spec = Skip2Tanh8.Spec;
        Assert.Equal(2, spec.Layers[0].SkipDelay);
        Assert.Equal(2 * 8, spec.StateSize);
        float[] p = generated.Parameters.ToArray();
        ParameterLayout layout = spec.ParameterLayout;
        ParameterTensor wih = layout["layers.0.weight_ih_l0"], whh = layout["layers.0.weight_hh_l0"], wskip = layout["layers.0.weight_skip_l0"];
        ParameterTensor bih = layout["layers.0.bias_ih_l0"], bhh = layout["layers.0.bias_hh_l0"];
        Assert.Equal(bhh.Offset + bhh.Length, wskip.Offset);   // after PyTorch's four tensors

        const int inputs = 3, hidden = 8;
        float[] x = Numerics.Random<float>(inputs, 5);
        float[] line = Numerics.Random<float>(2 * hidden, 6, 0.7);   // [h(t−1), h(t−2)]
        var expected = new double[2 * hidden];
        for (int j = 0; j < hidden; j++)
        {
            double a = (double)p[bih.Offset + j] + p[bhh.Offset + j];
            for (int c = 0; c < inputs; c++) a += (double)p[wih.Offset + j * inputs + c] * x[c];
            for (int c = 0; c < hidden; c++) a += (double)p[whh.Offset + j * hidden + c] * line[c];
            for (int c = 0; c < hidden; c++) a += (double)p[wskip.Offset + j * hidden + c] * line[hidden + c];
            expected[j] = Math.Tanh(a);
            expected[hidden + j] = line[j];   // h(t−1) becomes h(t−2)
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

    /// <summary>
    /// What the skip connection is for: with a contracting W_hh the gradient of the last output with respect to the first
    /// input vanishes like λ^τ through W_hh alone; a skip of delay d carries it in τ/d hops of W_skip instead.
    /// </summary>
    [Fact]
    public void Gradients_cross_long_spans_in_tau_over_d_steps()
    {
        const int steps = 49, hidden = 6;   // the last step, t = 48, is 6 hops of d = 8 from t = 0
        double GradientOfFirstInput(int skipDelay)
        {
            var spec = new NetworkSpec(1, [LayerSpec.Rnn(hidden, Activation.Tanh, false, 0f, skipDelay), LayerSpec.Dense(1)], steps,
                OutputMode.LastStep, LossKind.None);
            var net = new ReferenceNetwork<double>(spec);
            net.InitializeParameters(seed: 2);
            foreach (ParameterTensor t in spec.ParameterLayout)
            {
                if (t.Name.Contains("weight_hh"))   // a strongly contracting W_hh: 0.3 of its draw
                    for (int i = t.Offset; i < t.Offset + t.Length; i++) net.Parameters[i] *= 0.3;
                if (t.Name.Contains("weight_skip"))   // W_skip = 0.9·I: each hop of d steps keeps most of the signal
                    for (int r = 0; r < hidden; r++)
                        for (int c = 0; c < hidden; c++) net.Parameters[t.Offset + r * hidden + c] = r == c ? 0.9 : 0.0;
            }
            double[] inputs = Numerics.Random<double>(steps, 4);
            net.Forward(inputs, steps, new double[1]);
            net.Backward([1.0]);
            return Math.Abs(net.InputGradients[0]);
        }
        double plain = GradientOfFirstInput(0), skip8 = GradientOfFirstInput(8);
        Assert.True(plain < 1e-12, $"without a skip the gradient should have vanished over {steps} steps, got {plain:G3}");
        Assert.True(skip8 > 1e-4, $"with d = 8 the gradient should survive its 6 hops, got {skip8:G3}");
        Assert.True(skip8 > 1e8 * plain, $"skip {skip8:G3} vs plain {plain:G3}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-2)]
    [InlineData(LayerSpec.MaxSkipDelay + 1)]
    public void SkipDelay_out_of_range_is_rejected(int delay)
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Rnn(4, Activation.Tanh, false, 0f, delay)], maxSteps: 4));
        Assert.Contains("Layers[0].SkipDelay", e.Message);
    }

    [Fact]
    public void SkipDelay_on_other_layers_is_rejected_and_the_tensor_round_trips_through_safetensors()
    {
        Assert.Contains("only an Rnn layer", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Gru(4) with { SkipDelay = 3 }], 4)).Message);
        var net = new Skip3LeakyReluBi13();
        net.InitializeParameters(seed: 9);
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-skip-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.SaveSafetensors(path);
            var back = new ReferenceNetwork(Skip3LeakyReluBi13.Spec);
            back.LoadSafetensors(path);
            Assert.Equal(net.Parameters.ToArray(), back.Parameters.ToArray());
            Assert.True(Skip3LeakyReluBi13.Spec.ParameterLayout.TryGet("layers.0.weight_skip_l0_reverse", out _));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
