using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Reference;

/// <summary>Echo state networks: the reservoir's initialisation and the closed-form readout.</summary>
public sealed class EchoStateTests
{
    [Fact]
    public void Spectral_radius_estimate_is_exact_on_matrices_with_known_eigenvalues()
    {
        // A rotation scaled by 0.7: eigenvalues ±0.7i (a complex pair, where plain power iteration never settles).
        Assert.Equal(0.7, ParameterInitializer.SpectralRadius([0, -0.7, 0.7, 0], 2), 6);
        // Diagonal: the largest |λ| is 0.9 (negative).
        Assert.Equal(0.9, ParameterInitializer.SpectralRadius([0.5, 0, 0, 0, -0.9, 0, 0, 0, 0.3], 3), 6);
        // Upper triangular: eigenvalues on the diagonal, whatever lies above it.
        Assert.Equal(1.25, ParameterInitializer.SpectralRadius([0.2, 5, -3, 0, 1.25, 7, 0, 0, -0.4], 3), 3);
        // Nilpotent: ρ = 0.
        Assert.Equal(0.0, ParameterInitializer.SpectralRadius([0, 1, 0, 0], 2));
    }

    [Theory]
    [InlineData(50, 0.9f, 0.1f, 0.5f)]
    [InlineData(200, 1.1f, 0.05f, 1f)]
    [InlineData(7, 0.5f, 1f, 2f)]
    public void Reservoir_is_sparse_rescaled_to_its_spectral_radius_and_input_scaled(int size, float radius, float density, float scaling)
    {
        var spec = new NetworkSpec(3, [LayerSpec.Reservoir(size, radius, density, scaling), LayerSpec.Dense(1)], maxSteps: 4);
        var parameters = new float[spec.ParameterCount];
        ParameterInitializer.Initialize(spec, parameters, seed: 5);
        ParameterLayout layout = spec.ParameterLayout;
        ParameterTensor wih = layout["layers.0.weight_ih_l0"], whh = layout["layers.0.weight_hh_l0"];
        ParameterTensor bih = layout["layers.0.bias_ih_l0"], bhh = layout["layers.0.bias_hh_l0"];

        double[] w = parameters.AsSpan(whh.Offset, whh.Length).ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(radius, ParameterInitializer.SpectralRadius(w, size, seed: 99), 2);   // another start vector
        double nonZero = w.Count(v => v != 0) / (double)w.Length;
        if (density < 1f) Assert.InRange(nonZero, density * 0.6, density * 1.6 + 1.0 / size);
        Assert.All(parameters.AsSpan(wih.Offset, wih.Length).ToArray(), v => Assert.InRange(v, -scaling, scaling));
        Assert.All(parameters.AsSpan(bih.Offset, bih.Length).ToArray(), v => Assert.InRange(v, -scaling, scaling));
        Assert.All(parameters.AsSpan(bhh.Offset, bhh.Length).ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>A memory task a linear readout cannot do without the reservoir: y(t) = u(t − 3) for white-noise u.</summary>
    [Fact]
    public void Readout_fitted_by_ridge_regression_recalls_a_delayed_input_and_beats_the_mean()
    {
        const int steps = 1200, washout = 100, delay = 3;
        var spec = new NetworkSpec(1, [LayerSpec.Reservoir(60, 0.9f, 0.2f, 0.5f), LayerSpec.Dense(1)], maxSteps: 8);
        var (inputs, targets) = DelayTask(steps + 400, delay, seed: 3);
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(seed: 1);
        ReadoutFit fit = EchoState.FitReadout(net, inputs.AsSpan(0, steps), targets.AsSpan(0, steps), steps, washout, ridge: 1e-6);
        Assert.Equal(steps - washout, fit.Samples);
        Assert.True(fit.TrainingNrmse < 0.15, $"training NRMSE {fit.TrainingNrmse}");

        // Held-out continuation from where training left the state.
        double held = HeldOutNrmse(net, inputs, targets, steps, 400);
        Assert.True(held < 0.2, $"held-out NRMSE {held} (predicting the mean scores 1)");
    }

    /// <summary>The generated reservoir (its own update code) and the reference one fit the same readout.</summary>
    [Fact]
    public void Generated_and_reference_reservoirs_fit_the_same_readout()
    {
        const int steps = 9;   // Reservoir33's MaxSteps does not limit streaming; use a longer run anyway
        var generated = new Reservoir33();
        generated.InitializeParameters(seed: 4);
        var reference = new ReferenceNetwork(Reservoir33.Spec);
        reference.InitializeParameters(seed: 4);
        Assert.Equal(generated.Parameters.ToArray(), reference.Parameters.ToArray());

        var (inputs, targets) = DelayTask(600, 2, seed: 8);
        ReadoutFit a = EchoState.FitReadout(generated, inputs, targets, 600, 50, 1e-5);
        ReadoutFit b = EchoState.FitReadout(reference, inputs, targets, 600, 50, 1e-5);
        Assert.Equal(b.TrainingNrmse, a.TrainingNrmse, 3);
        Numerics.AssertClose<float, float>(reference.Parameters.ToArray(), generated.Parameters.ToArray(), "fitted readout", 1e-3, 1e-4);
        Assert.True(steps > 0);
    }

    [Fact]
    public void Backward_leaves_the_reservoir_gradients_zero_in_both_runtimes()
    {
        var generated = new ReservoirLeakyStack();
        generated.InitializeParameters(seed: 2);
        var reference = new ReferenceNetwork(ReservoirLeakyStack.Spec);
        generated.Parameters.CopyTo(reference.Parameters);
        float[] x = Numerics.Random<float>(8 * 3, 1);
        float[] target = Numerics.Random<float>(2, 2);
        foreach (IRecurrentNetwork net in new IRecurrentNetwork[] { generated, reference })
        {
            net.ZeroGradients();
            net.Forward(x, 8, new float[2]);
            net.Backward(target);
            ParameterTensor w = net.Spec.ParameterLayout["layers.1.weight_hh_l0"];
            Assert.All(net.Gradients.Slice(w.Offset, w.Length).ToArray(), g => Assert.Equal(0f, g));
            ParameterTensor dense = net.Spec.ParameterLayout["layers.0.weight"];
            Assert.Contains(net.Gradients.Slice(dense.Offset, dense.Length).ToArray(), g => g != 0f);   // the layer before it still learns
        }
    }

    [Fact]
    public void Bad_reservoirs_and_misuse_are_rejected_with_clear_messages()
    {
        Assert.Contains("SpectralRadius", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Reservoir(5, spectralRadius: 0f)], 4)).Message);
        Assert.Contains("Density", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Reservoir(5, density: 0f)], 4)).Message);
        Assert.Contains("InputScaling", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Reservoir(5, inputScaling: float.NaN)], 4)).Message);
        Assert.Contains("one-direction Rnn layer of Tanh", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Reservoir(5) with { Bidirectional = true }], 4)).Message);
        Assert.Contains("only a reservoir", Assert.Throws<ArgumentException>(() => new NetworkSpec(1, [LayerSpec.Lstm(5) with { Density = 0.5f }], 4)).Message);

        var lstm = new ReferenceNetwork(new NetworkSpec(1, [LayerSpec.Lstm(4), LayerSpec.Dense(1)], 4));
        Assert.Contains("reservoir and a Dense(Identity) readout", Assert.Throws<ArgumentException>(() => EchoState.FitReadout(lstm, new float[10], new float[10], 10, 2)).Message);
        var esn = new ReferenceNetwork(new NetworkSpec(1, [LayerSpec.Reservoir(4), LayerSpec.Dense(1)], 4));
        var e = Assert.Throws<ArgumentException>(() => EchoState.FitReadout(esn, new float[10], new float[9], 10, 2));
        Assert.Contains("expected 10", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => EchoState.FitReadout(esn, new float[10], new float[10], 10, 10));
        Assert.Contains("singular", Assert.Throws<InvalidOperationException>(() => EchoState.FitReadout(esn, new float[10], new float[10], 10, 9, ridge: 0)).Message);
    }

    private static (float[] Inputs, float[] Targets) DelayTask(int steps, int delay, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var u = new float[steps];
        for (int t = 0; t < steps; t++) u[t] = (float)(random.NextDouble() - 0.5);
        var y = new float[steps];
        for (int t = delay; t < steps; t++) y[t] = u[t - delay];
        return (u, y);
    }

    private static double HeldOutNrmse(IRecurrentNetwork net, float[] inputs, float[] targets, int from, int count)
    {
        var output = new float[1];
        double squared = 0, sum = 0, sumSquares = 0;
        for (int t = from; t < from + count; t++)
        {
            net.Step(inputs.AsSpan(t, 1), output);
            squared += Math.Pow(output[0] - targets[t], 2);
            sum += targets[t];
            sumSquares += targets[t] * (double)targets[t];
        }
        double mean = sum / count;
        return Math.Sqrt(squared / count / (sumSquares / count - mean * mean));
    }
}
