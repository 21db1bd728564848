using RnnGen.Optimization;
using RnnGen.Safetensors;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary><see cref="LearningRateSchedule.OnPlateau"/>: PyTorch's ReduceLROnPlateau over the validation loss
/// (plateau.expected.safetensors, written by tools/make_fixtures.py), in a run and across a resume.</summary>
public sealed class PlateauScheduleTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-plateau").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The rate after each loss, from a fresh run.</summary>
    private static float[] Rates(LearningRateSchedule schedule, float baseRate, IEnumerable<double> losses)
    {
        var position = new Trainer.Position();
        var rates = new List<float>();
        foreach (double loss in losses)
        {
            schedule.EndEpoch(loss, baseRate, position);
            rates.Add(schedule.Rate(0, 100, baseRate, position));
        }
        return [.. rates];
    }

    [Theory]
    [InlineData("halve_0")]
    [InlineData("tenth_2")]
    [InlineData("halve_1_floor")]
    public void Rates_equal_torch_ReduceLROnPlateau(string name)
    {
        var fixture = SafetensorsFile.Open(Path.Combine(PyTorchFixture.Directory, "plateau.expected.safetensors"));
        float[] config = fixture.ReadFloat32($"{name}.config");
        var schedule = LearningRateSchedule.OnPlateau(config[1], (int)config[2], config[3]);
        float[] rates = Rates(schedule, config[0], fixture.ReadFloat32("losses").Select(l => (double)l));
        Assert.Equal(fixture.ReadFloat32($"{name}.rates"), rates);
    }

    [Fact]
    public void Improvement_is_relative_to_the_best_loss_by_one_ten_thousandth()
    {
        // torch: better when loss < best · (1 − 1e-4); reduce when bad epochs > patience; rate = max(rate · factor, min_lr).
        var schedule = LearningRateSchedule.OnPlateau(0.5f, 0, 0f);
        Assert.Equal([1f, 0.5f, 0.5f, 0.25f], Rates(schedule, 1f, [2.0, 2.0 * (1 - 0.5e-4), 2.0 * (1 - 2e-4), double.NaN]));
        Assert.Equal([1f, 1f, 1f, 0.5f], Rates(LearningRateSchedule.OnPlateau(0.5f, 2, 0f), 1f, [3.0, 3.0, 3.0, 3.0]));
        Assert.Equal([0.3f, 0.3f], Rates(LearningRateSchedule.OnPlateau(0.1f, 0, 0.3f), 0.3f, [1.0, 1.0]));   // at the minimum already
        Assert.Equal(0.7f, schedule.RateAt(5, 10, 0.7f));   // RateAt alone: the rate before any reduction
    }

    [Fact]
    public void Arguments_are_checked_and_named()
    {
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(1f, 1, 0f)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(0f, 1, 0f)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(float.NaN, 1, 0f)).ParamName);
        var patience = Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(0.5f, -1, 0f));
        Assert.Equal("patience", patience.ParamName);
        Assert.Contains("-1", patience.Message);
        Assert.Equal("minimum", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(0.5f, 1, -1e-3f)).ParamName);
        Assert.Equal("minimum", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OnPlateau(0.5f, 1, float.PositiveInfinity)).ParamName);
    }

    [Fact]
    public void Fit_without_validation_data_is_refused_before_training()
    {
        var options = new TrainerOptions { Workers = 1, Epochs = 1, Schedule = LearningRateSchedule.OnPlateau(0.5f, 1, 0f) };
        using var trainer = new Trainer(() => new TrainerLstm(), new Adam(), options);
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(TrainerTests.RandomSequences(10, 1)));
        Assert.Equal("validation", e.ParamName);
        Assert.Contains("ValidationFraction", e.Message);
        Assert.Equal(0, trainer.UpdateCount);
        using var stream = new Trainer(() => new TinyCharModel(), new Adam(), options with { BatchSize = 2, TbpttK1 = 4 });
        int[] tokens = Enumerable.Range(0, 41).Select(i => i % 7).ToArray();
        Assert.Equal("validation", Assert.Throws<ArgumentException>(() => stream.FitStream(SequenceStream.NextToken(tokens))).ParamName);
    }

    /// <summary>Noise labels: the validation loss soon stops falling, so the rate is cut within a few epochs.</summary>
    private static Sequence[] NoiseLabels()
    {
        var random = new DeterministicRandom(11);
        var data = new Sequence[60];
        for (int i = 0; i < data.Length; i++)
        {
            int steps = 2 + random.NextInt(10);
            int[] tokens = new int[steps];
            for (int t = 0; t < steps; t++) tokens[t] = random.NextInt(9);
            data[i] = Sequence.FromTokens(tokens, [random.NextInt(2)]);
        }
        return data;
    }

    private static TrainerOptions PlateauOptions(IProgress<TrainingProgress>? progress = null) => new()
    {
        BatchSize = 8, Epochs = 7, Seed = 1, Workers = 2, Shards = 2, ValidationFraction = 0.3,
        Schedule = LearningRateSchedule.OnPlateau(0.5f, 0, 1e-3f), Progress = progress,
    };

    [Fact]
    public void A_run_cuts_the_rate_from_the_epoch_after_a_validation_plateau()
    {
        var reports = new List<TrainingProgress>();
        using var trainer = new Trainer(() => new TinyClassifier(), new Adam(0.05f), PlateauOptions(new TrainerTests.InlineProgress(reports.Add)));
        TrainingResult result = trainer.Fit(NoiseLabels());
        Assert.Equal(7, result.History.Count);

        // The torch rule by hand over the run's own validation losses (patience 0: every epoch that is not better cuts).
        double best = double.PositiveInfinity, rate = 0.05;
        var expected = new List<float>();
        foreach (EpochSummary epoch in result.History)
        {
            expected.Add((float)rate);
            if (epoch.ValidationLoss < best * (1 - 1e-4)) best = epoch.ValidationLoss;
            else rate = Math.Max(rate * 0.5, 1e-3);
        }
        float[] used = result.History.Select(e => reports.First(r => r.Epoch == e.Epoch).LearningRate).ToArray();
        Assert.Equal(expected, used);
        Assert.All(reports, r => Assert.Equal(used[r.Epoch - 1], r.LearningRate));
        Assert.True(used[^1] < 0.05f, "the noise labels should make the validation loss plateau");
    }

    [Fact]
    public void A_run_resumed_after_a_cut_equals_an_uninterrupted_run()
    {
        string path = Path.Combine(_folder, "run.safetensors");
        var options = PlateauOptions() with { CheckpointPath = path, CheckpointEvery = 4 };
        using var whole = new Trainer(() => new TinyClassifier(), new Adam(0.05f), options with { CheckpointPath = Path.Combine(_folder, "whole.safetensors") });
        TrainingResult expected = whole.Fit(NoiseLabels());

        // 6 updates per epoch: stop at update 28 (epoch 5), after the plateau's first cut, and resume from the checkpoint of update 28.
        using var cancel = new CancellationTokenSource();
        float rateAtStop = 0;
        var stopAt28 = new TrainerTests.InlineProgress(p => { if (p.Update == 28) { rateAtStop = p.LearningRate; cancel.Cancel(); } });
        using (var first = new Trainer(() => new TinyClassifier(), new Adam(0.05f), options with { Progress = stopAt28 }))
            Assert.Equal("cancelled", first.Fit(NoiseLabels(), cancellation: cancel.Token).StopReason);
        Assert.True(rateAtStop < 0.05f, $"the rate should have been cut by update 28 (it is {rateAtStop})");
        Assert.Contains("\"plateauRate\":", File.ReadAllText(path + ".json"));

        using var resumed = new Trainer(() => new TinyClassifier(), new Adam(0.05f), options);
        resumed.LoadCheckpoint(path);
        TrainingResult rest = resumed.Fit(NoiseLabels());
        Assert.Equal(whole.Model.Parameters.ToArray(), resumed.Model.Parameters.ToArray());
        Assert.Equal(expected.History, rest.History);
    }
}
