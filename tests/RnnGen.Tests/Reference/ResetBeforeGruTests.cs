using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>
/// GRU with the reset gate before the recurrent product (<see cref="LayerSpec.ResetAfter"/> = false; ONNX's
/// linear_before_reset = 0, Keras' reset_after = False): n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn), with PyTorch's
/// tensors and gate order r, z, n.
/// </summary>
public sealed class ResetBeforeGruTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The equations as a plain double loop over both directions, from a given state.</summary>
    private static (double[] Outputs, double[] State) Expected(NetworkSpec spec, double[] p, double[] x, double[] state0, int steps, int inputs, int hidden, bool resetAfter)
    {
        int directions = spec.Layers[0].Directions, width = hidden * directions;
        var expected = new double[steps * width];
        var expectedState = new double[spec.StateSize];
        for (int d = 0; d < directions; d++)
        {
            string suffix = d == 0 ? "_l0" : "_l0_reverse";
            int wih = spec.ParameterLayout["layers.0.weight_ih" + suffix].Offset, whh = spec.ParameterLayout["layers.0.weight_hh" + suffix].Offset;
            int bih = spec.ParameterLayout["layers.0.bias_ih" + suffix].Offset, bhh = spec.ParameterLayout["layers.0.bias_hh" + suffix].Offset;
            double[] h = state0.AsSpan(d * hidden, hidden).ToArray();
            for (int k = 0; k < steps; k++)
            {
                int t = d == 0 ? k : steps - 1 - k;
                double Input(int gate, int j)
                {
                    int row = gate * hidden + j;
                    double a = p[bih + row];
                    for (int m = 0; m < inputs; m++) a += p[wih + row * inputs + m] * x[t * inputs + m];
                    return a;
                }
                double Hidden(int gate, int j, double[] v)
                {
                    int row = gate * hidden + j;
                    double a = p[bhh + row];
                    for (int m = 0; m < hidden; m++) a += p[whh + row * hidden + m] * v[m];
                    return a;
                }
                var r = new double[hidden];
                for (int j = 0; j < hidden; j++) r[j] = Sigmoid(Input(0, j) + Hidden(0, j, h));
                double[] rh = h.Select((v, j) => r[j] * v).ToArray();
                var hNext = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    double z = Sigmoid(Input(1, j) + Hidden(1, j, h));
                    double n = resetAfter ? Math.Tanh(Input(2, j) + r[j] * Hidden(2, j, h)) : Math.Tanh(Input(2, j) + Hidden(2, j, rh));
                    hNext[j] = (1 - z) * n + z * h[j];
                }
                h = hNext;
                h.CopyTo(expected, t * width + d * hidden);
            }
            h.CopyTo(expectedState, d * hidden);
        }
        return (expected, expectedState);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Forward_follows_the_equations(bool bidirectional, bool resetAfter)
    {
        const int inputs = 3, hidden = 5, steps = 4;
        var spec = new NetworkSpec(inputs, [LayerSpec.Gru(hidden, bidirectional, resetAfter)], maxSteps: steps);
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 5);
        double[] p = net.Parameters.ToArray();
        double[] x = Numerics.Random<double>(steps * inputs, 2);
        double[] state0 = Numerics.Random<double>(spec.StateSize, 3, 0.8);
        state0.CopyTo(net.CurrentState);
        var outputs = new double[steps * spec.OutputSize];
        net.ForwardContinue(x, steps, outputs);

        (double[] expected, double[] expectedState) = Expected(spec, p, x, state0, steps, inputs, hidden, resetAfter);
        Numerics.AssertClose<double, double>(expected, outputs, "outputs", 1e-12, 1e-12);
        Numerics.AssertClose<double, double>(expectedState, net.CurrentState.ToArray(), "final state", 1e-12, 1e-12);
    }

    /// <summary>The same parameters give other outputs with the reset before the product: the variant is really used.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reset_before_differs_from_reset_after(bool bidirectional)
    {
        var after = new NetworkSpec(3, [LayerSpec.Gru(4, bidirectional), LayerSpec.Dense(2)], maxSteps: 5);
        var before = new NetworkSpec(3, [LayerSpec.Gru(4, bidirectional, resetAfter: false), LayerSpec.Dense(2)], maxSteps: 5);
        Assert.Equal(after.ParameterLayout.Select(t => (t.Name, string.Join(",", t.Shape))), before.ParameterLayout.Select(t => (t.Name, string.Join(",", t.Shape))));
        var a = new ReferenceNetwork<double>(after);
        var b = new ReferenceNetwork<double>(before);
        a.InitializeParameters(seed: 3);
        a.Parameters.CopyTo(b.Parameters);
        double[] x = Numerics.Random<double>(15, 4);
        double[] ya = new double[10], yb = new double[10];
        a.Forward(x, 5, ya);
        b.Forward(x, 5, yb);
        double largest = ya.Zip(yb, (u, v) => Math.Abs(u - v)).Max();
        Assert.True(largest > 1e-3, $"the two forms differ by at most {largest}");
        Assert.NotEqual(ya, yb);
    }

    [Fact]
    public void Float_reference_agrees_with_double()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Gru(6, true, resetAfter: false), LayerSpec.Dense(3)], maxSteps: 6);
        var d = new ReferenceNetwork<double>(spec);
        var f = new ReferenceNetwork<float>(spec);
        d.InitializeParameters(seed: 8);
        for (int i = 0; i < d.ParameterCount; i++) f.Parameters[i] = (float)d.Parameters[i];
        double[] x = Numerics.Random<double>(12, 1);
        double[] yd = new double[18];
        float[] yf = new float[18];
        d.Forward(x, 6, yd);
        f.Forward(x.Select(v => (float)v).ToArray(), 6, yf);
        Numerics.AssertClose<double, float>(yd, yf, "outputs", 1e-5, 1e-6);
    }

    [Fact]
    public void Json_omits_reset_after_when_true_and_round_trips_false()
    {
        var plain = new NetworkSpec(2, [LayerSpec.Gru(4), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.DoesNotContain("resetAfter", plain.ToJson(), StringComparison.OrdinalIgnoreCase);
        Assert.True(NetworkSpec.FromJson(plain.ToJson()).Layers[0].ResetAfter);
        var spec = new NetworkSpec(2, [LayerSpec.Gru(5, resetAfter: false), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.Contains("\"resetAfter\":false", spec.ToJson());
        NetworkSpec back = NetworkSpec.FromJson(spec.ToJson());
        Assert.False(back.Layers[0].ResetAfter);
        Assert.True(back.Layers[1].ResetAfter);
        Assert.Equal(spec, back);
        Assert.NotEqual(plain, spec);
        Assert.NotEqual(LayerSpec.Gru(5), LayerSpec.Gru(5, resetAfter: false));
        Assert.True(NetworkSpec.FromJson(spec.ToJson().Replace("\"resetAfter\":false", "\"resetAfter\":true")).Layers[0].ResetAfter);
    }

    [Fact]
    public void ToString_and_declaration_show_the_variant()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Gru(5, resetAfter: false), LayerSpec.Gru(3), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.Contains("Gru(5, ResetAfter = false)", spec.ToString());
        Assert.Contains("Gru(3)", spec.ToString());
        Assert.Equal("[Gru(5, ResetAfter = false)]", NetworkSpec.Describe(spec.Layers[0]));
        Assert.Equal("[Gru(3)]", NetworkSpec.Describe(spec.Layers[1]));
    }

    [Fact]
    public void Reset_after_false_on_a_layer_other_than_gru_is_rejected_with_the_field_named()
    {
        var lstm = LayerSpec.Lstm(4) with { ResetAfter = false };
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [lstm, LayerSpec.Dense(1)], maxSteps: 4));
        Assert.Contains("Layers[0].ResetAfter", e.Message);
        var dense = LayerSpec.Dense(2) with { ResetAfter = false };
        Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [LayerSpec.Gru(3), dense], maxSteps: 4));
    }
}
