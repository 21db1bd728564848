using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>Leaky Elman units: h' = α·h + (1 − α)·act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
public sealed class LeakyUnitTests
{
    /// <summary>One step computed by hand from the parameters, for the reference runtime and the generated model.</summary>
    [Fact]
    public void One_step_follows_the_leaky_equation_in_reference_and_generated_code()
    {
        var generated = new LeakyTanh13();
        generated.InitializeParameters(seed: 3);
        NetworkSpec spec = LeakyTanh13.Spec;
        Assert.Equal(0.8f, spec.Layers[0].Leak);
        var reference = new ReferenceNetwork<double>(spec);
        float[] p = generated.Parameters.ToArray();
        for (int i = 0; i < p.Length; i++) reference.Parameters[i] = p[i];

        const int inputs = 3, hidden = 13;
        float[] x = Numerics.Random<float>(inputs, 5);
        float[] h0 = Numerics.Random<float>(hidden, 6, 0.5);
        // PyTorch's layout: W_ih [H × I], W_hh [H × H], b_ih [H], b_hh [H]
        var expected = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double a = (double)p[hidden * (inputs + hidden) + j] + p[hidden * (inputs + hidden) + hidden + j];
            for (int c = 0; c < inputs; c++) a += (double)p[j * inputs + c] * x[c];
            for (int c = 0; c < hidden; c++) a += (double)p[hidden * inputs + j * hidden + c] * h0[c];
            expected[j] = (double)0.8f * h0[j] + (1 - (double)0.8f) * Math.Tanh(a);   // α is the float 0.8f
        }

        h0.CopyTo(generated.CurrentState);
        generated.Step(x, new float[2]);
        Numerics.AssertClose<double, float>(expected, generated.CurrentState.ToArray(), "generated h'", 1e-6, 1e-5);

        for (int j = 0; j < hidden; j++) reference.CurrentState[j] = h0[j];
        reference.Step(x.Select(v => (double)v).ToArray(), new double[2]);
        Numerics.AssertClose<double, double>(expected, reference.CurrentState.ToArray(), "reference h'", 1e-12, 1e-12);
    }

    /// <summary>A leak keeps a fading memory of the state after the input stops: with zero weights, h(t) = αᵗ·h(0).</summary>
    [Fact]
    public void With_zero_weights_the_state_decays_geometrically()
    {
        var net = new ReferenceNetwork<double>(new NetworkSpec(1, [LayerSpec.Rnn(4, Activation.Tanh, false, leak: 0.5f)], maxSteps: 8));
        net.Parameters.Clear();
        double[] h0 = [1, -2, 0.5, 4];
        h0.CopyTo(net.CurrentState);
        var outputs = new double[3 * 4];
        net.ForwardContinue(new double[3], 3, outputs);
        for (int t = 0; t < 3; t++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(h0[j] * Math.Pow(0.5, t + 1), outputs[t * 4 + j], 12);
    }

    [Fact]
    public void Leak_survives_a_json_round_trip()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Rnn(4, Activation.Relu, true, leak: 0.625f), LayerSpec.Dense(1)], maxSteps: 4);
        NetworkSpec back = NetworkSpec.FromJson(spec.ToJson());
        Assert.Equal(0.625f, back.Layers[0].Leak);
        Assert.Equal(spec.ToJson(), back.ToJson());
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(1.5f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void Leak_outside_0_to_1_is_rejected_with_the_field_named(float leak)
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Rnn(4, Activation.Tanh, false, leak)], maxSteps: 4));
        Assert.Contains("Layers[0].Leak", e.Message);
        Assert.Contains("[0, 1)", e.Message);
    }

    /// <summary>A learned leak starts every unit at Leak (λ = logit(α)), learns per unit, and lives in leak_l0.</summary>
    [Fact]
    public void Learned_leak_starts_at_Leak_and_moves_per_unit_with_training()
    {
        var net = new RnnGen.Tests.Generated.Matrix.LearnedLeakTanh8();
        net.InitializeParameters(seed: 1);
        ParameterTensor lambda = RnnGen.Tests.Generated.Matrix.LearnedLeakTanh8.Spec.ParameterLayout["layers.0.leak_l0"];
        Assert.Equal([8], lambda.Shape);
        Assert.All(net.Parameters.Slice(lambda.Offset, 8).ToArray(), l => Assert.Equal(0.6, 1 / (1 + Math.Exp(-l)), 6));
        float[] x = Numerics.Random<float>(9 * 3, 4), targets = Numerics.Random<float>(9 * 2, 5);
        net.ZeroGradients();
        net.Forward(x, 9, new float[18]);
        net.Backward(targets);
        float[] dLambda = net.Gradients.Slice(lambda.Offset, 8).ToArray();
        Assert.Equal(8, dLambda.Distinct().Count());   // every unit gets its own gradient
        Assert.Contains("LearnLeak = true needs Leak in (0, 1)", Assert.Throws<ArgumentException>(() =>
            new NetworkSpec(1, [LayerSpec.Rnn(3, Activation.Tanh, false, 0f, learnLeak: true)], 4)).Message);
    }

    [Fact]
    public void Leak_on_a_layer_without_leaky_units_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Lstm(4) with { Leak = 0.5f }], maxSteps: 4));
        Assert.Contains("only an Rnn layer", e.Message);
    }
}
