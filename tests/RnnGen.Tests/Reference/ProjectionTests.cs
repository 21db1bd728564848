using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>
/// LSTM projections (PyTorch's <c>proj_size</c>): h(t) = W_hr·(o ⊙ tanh(c(t))), W_hr = <c>weight_hr_l0</c> [p, H],
/// W_hh [4H, p]; the output and h are p wide, c stays H wide.
/// </summary>
public sealed class ProjectionTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>A few steps of both directions written out from the equations, against the reference runtime.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_follows_the_projection_equations(bool bidirectional)
    {
        const int inputs = 3, hidden = 5, projection = 2, steps = 4;
        var spec = new NetworkSpec(inputs, [LayerSpec.Lstm(hidden, bidirectional) with { ProjectionSize = projection }], maxSteps: steps);
        int directions = bidirectional ? 2 : 1, width = projection * directions, stateWidth = projection + hidden;
        Assert.Equal(width, spec.OutputSize);
        Assert.Equal(directions * stateWidth, spec.StateSize);
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 5);
        double[] p = net.Parameters.ToArray();
        double[] x = Numerics.Random<double>(steps * inputs, 2);
        double[] state0 = Numerics.Random<double>(spec.StateSize, 3, 0.8);
        state0.CopyTo(net.CurrentState);
        var outputs = new double[steps * spec.OutputSize];
        net.ForwardContinue(x, steps, outputs);

        var expected = new double[steps * width];
        var expectedState = new double[spec.StateSize];
        for (int d = 0; d < directions; d++)
        {
            string suffix = d == 0 ? "_l0" : "_l0_reverse";
            int wih = spec.ParameterLayout["layers.0.weight_ih" + suffix].Offset, whh = spec.ParameterLayout["layers.0.weight_hh" + suffix].Offset;
            int bih = spec.ParameterLayout["layers.0.bias_ih" + suffix].Offset, bhh = spec.ParameterLayout["layers.0.bias_hh" + suffix].Offset;
            Assert.Equal([4 * hidden, projection], spec.ParameterLayout["layers.0.weight_hh" + suffix].Shape);
            ParameterTensor hr = spec.ParameterLayout["layers.0.weight_hr" + suffix];
            Assert.Equal([projection, hidden], hr.Shape);
            double[] h = state0.AsSpan(d * stateWidth, projection).ToArray(), c = state0.AsSpan(d * stateWidth + projection, hidden).ToArray();
            for (int k = 0; k < steps; k++)
            {
                int t = d == 0 ? k : steps - 1 - k;
                double Pre(int gate, int j)
                {
                    int row = gate * hidden + j;
                    double a = p[bih + row] + p[bhh + row];
                    for (int m = 0; m < inputs; m++) a += p[wih + row * inputs + m] * x[t * inputs + m];
                    for (int m = 0; m < projection; m++) a += p[whh + row * projection + m] * h[m];
                    return a;
                }
                var m0 = new double[hidden];
                var cNext = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    double i = Sigmoid(Pre(0, j)), f = Sigmoid(Pre(1, j)), g = Math.Tanh(Pre(2, j)), o = Sigmoid(Pre(3, j));
                    cNext[j] = f * c[j] + i * g;
                    m0[j] = o * Math.Tanh(cNext[j]);
                }
                var hNext = new double[projection];
                for (int r = 0; r < projection; r++)
                    for (int j = 0; j < hidden; j++) hNext[r] += p[hr.Offset + r * hidden + j] * m0[j];
                h = hNext;
                c = cNext;
                h.CopyTo(expected, t * width + d * projection);
            }
            h.CopyTo(expectedState, d * stateWidth);
            c.CopyTo(expectedState, d * stateWidth + projection);
        }
        Numerics.AssertClose<double, double>(expected, outputs, "outputs", 1e-12, 1e-12);
        Numerics.AssertClose<double, double>(expectedState, net.CurrentState.ToArray(), "final state", 1e-12, 1e-12);
    }

    [Fact]
    public void Layout_follows_pytorch_state_dict_order_with_weight_hr_after_the_biases()
    {
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(4, true) with { ProjectionSize = 2 }, LayerSpec.Dense(1)], maxSteps: 2);
        Assert.Equal(
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
             "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_hr_l0_reverse"],
            spec.ParameterLayout.Where(t => t.Layer == 0).Select(t => t.Name["layers.0.".Length..]));
        Assert.Equal(2 * (16 * 3 + 16 * 2 + 32 + 2 * 4) + (4 + 1), spec.ParameterCount);
        Assert.Equal([1, 4], spec.ParameterLayout["layers.1.weight"].Shape);   // the Dense reads 2 × p
    }

    /// <summary>The generated matrix models really declare projections (so their parity with the reference runtime covers them).</summary>
    [Fact]
    public void Generated_projection_models_carry_the_projection_in_their_spec()
    {
        NetworkSpec spec = ProjectionLstmBi13P5.Spec;
        Assert.Equal(5, spec.Layers[0].ProjectionSize);
        Assert.Equal([5, 13], spec.ParameterLayout["layers.0.weight_hr_l0_reverse"].Shape);
        Assert.Equal(2 * 5, spec.LayerInputWidth(1));
        Assert.Equal([11, 3], ProjectionStack37Last.Spec.Layers.Take(2).Select(l => l.ProjectionSize));
        Assert.Equal([64, 11], ProjectionStack37Last.Spec.ParameterLayout["layers.1.weight_ih_l0"].Shape);
        Assert.Equal(ProjectionStack37Last.ParameterCount, ProjectionStack37Last.Spec.ParameterCount);
        Assert.Equal(9 + 32, ProjectionTokensLstm32.Spec.StateSize);
    }

    [Fact]
    public void Json_omits_the_projection_when_zero_and_round_trips_it()
    {
        var plain = new NetworkSpec(2, [LayerSpec.Lstm(4), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.DoesNotContain("projection", plain.ToJson(), StringComparison.OrdinalIgnoreCase);
        var spec = new NetworkSpec(2, [LayerSpec.Lstm(4) with { ProjectionSize = 3 }, LayerSpec.Dense(1)], maxSteps: 4);
        Assert.Contains("\"projectionSize\":3", spec.ToJson());
        NetworkSpec back = NetworkSpec.FromJson(spec.ToJson());
        Assert.Equal(3, back.Layers[0].ProjectionSize);
        Assert.Equal(spec, back);
        Assert.NotEqual(plain, spec);
    }

    [Theory]
    [InlineData(4, "Layers[0].ProjectionSize = 4", "1…3")]
    [InlineData(7, "Layers[0].ProjectionSize = 7", "hidden size 4")]
    [InlineData(-1, "Layers[0].ProjectionSize = -1", "0 (none)")]
    public void A_projection_not_smaller_than_the_hidden_size_is_rejected(int projection, string field, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [LayerSpec.Lstm(4) with { ProjectionSize = projection }], maxSteps: 4));
        Assert.Contains(field, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_projection_with_peepholes_or_on_another_kind_is_rejected()
    {
        var both = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [LayerSpec.Lstm(4, peepholes: true) with { ProjectionSize = 2 }], maxSteps: 4));
        Assert.Contains("Peepholes = true and ProjectionSize = 2", both.Message);
        var gru = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [LayerSpec.Gru(4) with { ProjectionSize = 2 }], maxSteps: 4));
        Assert.Contains("Layers[0].ProjectionSize = 2, but only an Lstm layer has a projection", gru.Message);
    }
}
