using RnnGen.Optimization;
using RnnGen.Safetensors;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary><see cref="TrainerOptions.ClipValue"/>: element-wise clipping as <c>clip_grad_value_</c>, checked against
/// full-batch training updates in PyTorch (clip_value.expected.safetensors, written by tools/make_fixtures.py).</summary>
public sealed class ClipValueTests
{
    private static readonly SafetensorsFile Fixture = SafetensorsFile.Open(Path.Combine(PyTorchFixture.Directory, "clip_value.expected.safetensors"));

    /// <summary>The fixture's batch: sequences of 3 inputs and 2 targets per step.</summary>
    private static Sequence[] Data()
    {
        int steps = int.Parse(Fixture.Metadata["steps"]);
        float[] x = Fixture.ReadFloat32("inputs"), y = Fixture.ReadFloat32("targets");
        int batch = x.Length / (steps * 3);
        var data = new Sequence[batch];
        for (int b = 0; b < batch; b++)
            data[b] = Sequence.FromFloats(x.AsSpan(b * steps * 3, steps * 3).ToArray(), steps, y.AsSpan(b * steps * 2, steps * 2).ToArray());
        return data;
    }

    public static TheoryData<string, bool> Cases() => new() { { "sgd", false }, { "sgd", true }, { "adam_norm", false }, { "adam_norm", true } };

    [Theory, MemberData(nameof(Cases))]
    public void Training_updates_match_torch_with_clip_grad_value(string name, bool reference)
    {
        int updates = int.Parse(Fixture.Metadata["updates"]);
        Sequence[] data = Data();
        int batch = data.Length;
        float clip = Fixture.ReadFloat32($"{name}.clip_value")[0], maxNorm = Fixture.ReadFloat32($"{name}.max_norm")[0];
        IOptimizer optimizer = name == "sgd" ? new Sgd(0.5f) : new Adam(0.02f);
        var options = new TrainerOptions
        {
            BatchSize = batch, Epochs = updates, Shuffle = false, Workers = 2, Shards = 2, ClipValue = clip, ClipNorm = maxNorm,
        };
        using var trainer = new Trainer(() => reference ? new ReferenceNetwork(TrainerLstm.Spec) : new TrainerLstm(), optimizer, options);
        trainer.Model.LoadSafetensors(Path.Combine(PyTorchFixture.Directory, "clip_value.safetensors"));
        TrainingResult result = trainer.Fit(data);
        Assert.Equal(updates, result.Updates);

        float[] parameters = trainer.Model.Parameters.ToArray();
        foreach (ParameterTensor t in trainer.Model.Spec.ParameterLayout)
            Numerics.AssertClose<float, float>(Fixture.ReadFloat32($"{name}.{t.Name}"), parameters.AsSpan(t.Offset, t.Length),
                $"{name} {t.Name} after {updates} updates", rel: 1e-4, abs: 2e-6);
    }

    [Fact]
    public void Without_clip_value_the_same_run_ends_elsewhere()
    {
        // The fixture's clipping matters: unclipped SGD lands far from torch's clipped weights.
        Sequence[] data = Data();
        int batch = data.Length;
        using var trainer = new Trainer(() => new TrainerLstm(), new Sgd(0.5f), new TrainerOptions { BatchSize = batch, Epochs = 4, Shuffle = false, Workers = 1 });
        trainer.Model.LoadSafetensors(Path.Combine(PyTorchFixture.Directory, "clip_value.safetensors"));
        trainer.Fit(data);
        ParameterTensor weights = trainer.Model.Spec.ParameterLayout.First();
        float[] expected = Fixture.ReadFloat32($"sgd.{weights.Name}");
        ReadOnlySpan<float> actual = trainer.Model.Parameters.Slice(weights.Offset, weights.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst > 1e-3, $"unclipped weights differ from the clipped ones by at most {worst}");
    }

    [Fact]
    public void Clip_by_value_clamps_each_element_like_clamp()
    {
        float[] g = [-3f, -0.5f, 0f, 0.25f, 0.5f, 2f, float.PositiveInfinity, float.NegativeInfinity, -0f, 0.4999f];
        GradientClipping.ClipByValue(g, 0.5f);
        Assert.Equal([-0.5f, -0.5f, 0f, 0.25f, 0.5f, 0.5f, 0.5f, -0.5f, -0f, 0.4999f], g);
        // Long spans (vector lanes and a tail) clamp the same as element by element.
        float[] long1 = Numerics.Random<float>(203, 5, 2.0), long2 = (float[])long1.Clone();
        GradientClipping.ClipByValue(long1, 0.7f);
        for (int i = 0; i < long2.Length; i++) GradientClipping.ClipByValue(long2.AsSpan(i, 1), 0.7f);
        Assert.Equal(long2, long1);
        Assert.All(long1, v => Assert.InRange(v, -0.7f, 0.7f));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_clip_value_that_is_not_positive_and_finite_is_refused_naming_it(float value)
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer(() => new TrainerLstm(), new Adam(), new TrainerOptions { ClipValue = value }));
        Assert.Equal(nameof(TrainerOptions.ClipValue), e.ParamName);
        Assert.Contains($"ClipValue = {value}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue(new float[3], value));
    }
}
