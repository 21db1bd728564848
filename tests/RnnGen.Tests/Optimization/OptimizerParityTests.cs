using RnnGen.Optimization;
using RnnGen.Safetensors;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Optimization;

/// <summary>SGD, Adam and clip_grad_norm_ against torch.optim trajectories over fixed gradients (optimizer.expected.safetensors).</summary>
public sealed class OptimizerParityTests
{
    private static readonly SafetensorsFile Fixture = SafetensorsFile.Open(Path.Combine(PyTorchFixture.Directory, "optimizer.expected.safetensors"));

    public static TheoryData<string> Optimizers() => ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_decay"];

    private static IOptimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd_momentum" => new Sgd(0.05f, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f),
        "sgd_nesterov" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 0.001f, nesterov: true),
        "adam" => new Adam(1e-2f),
        "adam_decay" => new Adam(3e-3f, beta1: 0.8f, beta2: 0.99f, epsilon: 1e-6f, weightDecay: 0.01f),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Optimizers))]
    public void Trajectory_matches_torch_optim(string name)
    {
        float[] parameters = Fixture.ReadFloat32("p0");
        float[] grads = Fixture.ReadFloat32("grads");
        float[] expected = Fixture.ReadFloat32(name);
        int n = parameters.Length, steps = grads.Length / n;
        IOptimizer optimizer = Create(name);
        for (int s = 0; s < steps; s++)
        {
            optimizer.Step(parameters, grads.AsSpan(s * n, n));
            Numerics.AssertClose<float, float>(expected.AsSpan(s * n, n), parameters, $"{name} step {s + 1}");
        }
        Assert.Equal(steps, optimizer.StepCount);
    }

    [Theory, MemberData(nameof(Optimizers))]
    public void Restored_state_continues_identically(string name)
    {
        float[] grads = Fixture.ReadFloat32("grads");
        float[] a = Fixture.ReadFloat32("p0");
        int n = a.Length;
        IOptimizer first = Create(name);
        for (int s = 0; s < 2; s++) first.Step(a, grads.AsSpan(s * n, n));
        float[] b = (float[])a.Clone();
        IOptimizer second = Create(name);
        second.Restore(first.StepCount, first.State);
        for (int s = 2; s < 5; s++)
        {
            first.Step(a, grads.AsSpan(s * n, n));
            second.Step(b, grads.AsSpan(s * n, n));
        }
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Clipping_matches_clip_grad_norm(int index)
    {
        float[] g = Fixture.ReadFloat32($"clip{index}.input");
        float maxNorm = Fixture.ReadFloat32($"clip{index}.max_norm")[0];
        float norm = GradientClipping.ClipByGlobalNorm(g, maxNorm);
        Numerics.AssertClose(Fixture.ReadFloat32($"clip{index}.norm")[0], norm, "total norm");
        Numerics.AssertClose<float, float>(Fixture.ReadFloat32($"clip{index}.output"), g, "clipped gradients");
    }

    [Fact]
    public void Mismatched_lengths_are_argument_errors()
    {
        var adam = new Adam();
        adam.Step(new float[4], new float[4]);
        var e = Assert.Throws<ArgumentException>(() => adam.Step(new float[4], new float[3]));
        Assert.Contains("3", e.Message);
        Assert.Contains("expected 4", e.Message);
        Assert.Throws<ArgumentException>(() => adam.Step(new float[5], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1f));
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
    }

    [Fact]
    public void Clipping_leaves_non_finite_gradients_for_the_caller_to_see()
    {
        float[] g = [1f, float.NaN, 2f];
        Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(g, 1f)));
        Assert.Equal(1f, g[0]);
    }

    [Fact]
    public void Adams_vector_path_is_bit_identical_to_its_scalar_path()
    {
        // One Adam over 203 parameters (vector lanes plus a tail) against 203 Adams over one parameter each (scalar).
        var random = new Random(3);
        float[] whole = Enumerable.Range(0, 203).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[][] single = whole.Select(w => new[] { w }).ToArray();
        var adam = new Adam(0.01f);
        var adams = single.Select(_ => new Adam(0.01f)).ToArray();
        for (int step = 0; step < 20; step++)
        {
            float[] g = Enumerable.Range(0, whole.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            adam.Step(whole, g);
            for (int i = 0; i < whole.Length; i++) adams[i].Step(single[i], [g[i]]);
        }
        Assert.Equal(single.Select(s => s[0]), whole);
    }
}
