using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>
/// LSTM peepholes (Gers &amp; Schmidhuber, ONNX's P): i = σ(… + p_i ⊙ c(t−1)), f = σ(… + p_f ⊙ c(t−1)),
/// o = σ(… + p_o ⊙ c(t)), one tensor <c>weight_peephole_l0</c> [3, H] with rows i, o, f.
/// </summary>
public sealed class PeepholeTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>A few steps of both directions written out from the equations, against the reference runtime.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_follows_the_peephole_equations(bool bidirectional)
    {
        const int inputs = 3, hidden = 5, steps = 4;
        var spec = new NetworkSpec(inputs, [LayerSpec.Lstm(hidden, bidirectional, peepholes: true)], maxSteps: steps);
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 5);
        double[] p = net.Parameters.ToArray();
        double[] x = Numerics.Random<double>(steps * inputs, 2);
        double[] state0 = Numerics.Random<double>(spec.StateSize, 3, 0.8);
        state0.CopyTo(net.CurrentState);
        var outputs = new double[steps * spec.OutputSize];
        net.ForwardContinue(x, steps, outputs);

        int directions = bidirectional ? 2 : 1, width = hidden * directions;
        var expected = new double[steps * width];
        var expectedState = new double[spec.StateSize];
        for (int d = 0; d < directions; d++)
        {
            string suffix = d == 0 ? "_l0" : "_l0_reverse";
            int wih = spec.ParameterLayout["layers.0.weight_ih" + suffix].Offset, whh = spec.ParameterLayout["layers.0.weight_hh" + suffix].Offset;
            int bih = spec.ParameterLayout["layers.0.bias_ih" + suffix].Offset, bhh = spec.ParameterLayout["layers.0.bias_hh" + suffix].Offset;
            ParameterTensor peephole = spec.ParameterLayout["layers.0.weight_peephole" + suffix];
            Assert.Equal([3, hidden], peephole.Shape);
            int pi = peephole.Offset, po = pi + hidden, pf = pi + 2 * hidden;   // ONNX's row order: i, o, f
            double[] h = state0.AsSpan(d * 2 * hidden, hidden).ToArray(), c = state0.AsSpan(d * 2 * hidden + hidden, hidden).ToArray();
            for (int k = 0; k < steps; k++)
            {
                int t = d == 0 ? k : steps - 1 - k;
                double Pre(int gate, int j)
                {
                    int row = gate * hidden + j;
                    double a = p[bih + row] + p[bhh + row];
                    for (int m = 0; m < inputs; m++) a += p[wih + row * inputs + m] * x[t * inputs + m];
                    for (int m = 0; m < hidden; m++) a += p[whh + row * hidden + m] * h[m];
                    return a;
                }
                var hNext = new double[hidden];
                var cNext = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    double i = Sigmoid(Pre(0, j) + p[pi + j] * c[j]);
                    double f = Sigmoid(Pre(1, j) + p[pf + j] * c[j]);
                    double g = Math.Tanh(Pre(2, j));
                    cNext[j] = f * c[j] + i * g;
                    double o = Sigmoid(Pre(3, j) + p[po + j] * cNext[j]);
                    hNext[j] = o * Math.Tanh(cNext[j]);
                }
                h = hNext;
                c = cNext;
                h.CopyTo(expected, t * width + d * hidden);
            }
            h.CopyTo(expectedState, d * 2 * hidden);
            c.CopyTo(expectedState, d * 2 * hidden + hidden);
        }
        Numerics.AssertClose<double, double>(expected, outputs, "outputs", 1e-12, 1e-12);
        Numerics.AssertClose<double, double>(expectedState, net.CurrentState.ToArray(), "final state", 1e-12, 1e-12);
    }

    /// <summary>With the peepholes at zero the layer is the plain LSTM, bit for bit.</summary>
    [Fact]
    public void Zero_peepholes_compute_the_plain_lstm()
    {
        var plainSpec = new NetworkSpec(2, [LayerSpec.Lstm(4, true), LayerSpec.Dense(2)], maxSteps: 5);
        var peepholeSpec = new NetworkSpec(2, [LayerSpec.Lstm(4, true, peepholes: true), LayerSpec.Dense(2)], maxSteps: 5);
        var plain = new ReferenceNetwork<double>(plainSpec);
        var peephole = new ReferenceNetwork<double>(peepholeSpec);
        plain.InitializeParameters(seed: 2);
        peephole.Parameters.Clear();
        foreach (ParameterTensor t in plainSpec.ParameterLayout)
            plain.Parameters.Slice(t.Offset, t.Length).CopyTo(peephole.Parameters.Slice(peepholeSpec.ParameterLayout[t.Name].Offset, t.Length));
        double[] x = Numerics.Random<double>(10, 4);
        double[] a = new double[10], b = new double[10];
        plain.Forward(x, 5, a);
        peephole.Forward(x, 5, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Layout_names_the_tensor_after_the_biases_in_each_direction()
    {
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(4, true, peepholes: true)], maxSteps: 2);
        Assert.Equal(
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_peephole_l0",
             "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_peephole_l0_reverse"],
            spec.ParameterLayout.Select(t => t.Name["layers.0.".Length..]));
        Assert.Equal(2 * (16 * 3 + 16 * 4 + 32 + 12), spec.ParameterCount);
    }

    /// <summary>The generated matrix models really declare peepholes (so their parity with the reference runtime covers them).</summary>
    [Fact]
    public void Generated_peephole_models_carry_the_tensor_in_their_spec()
    {
        NetworkSpec spec = PeepholeLstmBi13.Spec;
        Assert.True(spec.Layers[0].Peepholes);
        Assert.Equal([3, 13], spec.ParameterLayout["layers.0.weight_peephole_l0_reverse"].Shape);
        Assert.True(PeepholeStack37Last.Spec.Layers.Take(2).All(l => l.Peepholes));
        Assert.Equal(PeepholeStack37Last.ParameterCount, PeepholeStack37Last.Spec.ParameterCount);
        Assert.True(PeepholeLstm8.Spec.ParameterLayout.TryGet("layers.0.weight_peephole_l0", out _));
    }

    [Fact]
    public void Json_omits_peepholes_when_false_and_round_trips_them_when_true()
    {
        var plain = new NetworkSpec(2, [LayerSpec.Lstm(4), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.DoesNotContain("peephole", plain.ToJson(), StringComparison.OrdinalIgnoreCase);
        var spec = new NetworkSpec(2, [LayerSpec.Lstm(4, peepholes: true), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.Contains("\"peepholes\":true", spec.ToJson());
        NetworkSpec back = NetworkSpec.FromJson(spec.ToJson());
        Assert.True(back.Layers[0].Peepholes);
        Assert.Equal(spec, back);
        Assert.NotEqual(plain, spec);
    }

    [Fact]
    public void Peepholes_on_a_layer_other_than_lstm_are_rejected_with_the_field_named()
    {
        var gru = LayerSpec.Gru(4) with { Peepholes = true };
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [gru], maxSteps: 4));
        Assert.Contains("Layers[0].Peepholes", e.Message);
    }
}
