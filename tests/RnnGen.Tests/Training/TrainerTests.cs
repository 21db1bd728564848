using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public class TrainerTests
{
    internal static Sequence[] RandomSequences(int count, int seed, int minSteps = 3, int maxSteps = 12)
    {
        var random = new DeterministicRandom((ulong)seed);
        var data = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int steps = minSteps + random.NextInt(maxSteps - minSteps + 1);
            float[] x = new float[steps * 3], y = new float[steps * 2];
            float running = 0;
            for (int t = 0; t < steps; t++)
            {
                for (int k = 0; k < 3; k++) x[t * 3 + k] = (float)(random.NextDouble() * 2 - 1);
                running = 0.7f * running + x[t * 3];
                y[t * 2] = MathF.Tanh(running);
                y[t * 2 + 1] = x[t * 3 + 1] * x[t * 3 + 2];
            }
            data[i] = Sequence.FromFloats(x, steps, y);
        }
        return data;
    }

    private static TrainerOptions Options(int workers) => new()
    {
        BatchSize = 10, Epochs = 3, Seed = 7, ClipNorm = 0.5f, ClipValue = 0.05f, Workers = workers, Shards = 4,
        Schedule = LearningRateSchedule.Cosine(1e-4f, warmupUpdates: 2), ValidationFraction = 0.2,
    };

    [Fact]
    public void Weights_are_bit_identical_whatever_the_number_of_workers()
    {
        Sequence[] data = RandomSequences(53, 1);   // a partial last batch, sequences of 3..12 steps
        float[]? first = null;
        TrainingResult? firstResult = null;
        foreach (int workers in new[] { 1, 2, 3, 4 })
        {
            using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(workers));
            TrainingResult result = trainer.Fit(data);
            float[] weights = trainer.Model.Parameters.ToArray();
            if (first is null) { first = weights; firstResult = result; continue; }
            Assert.Equal(first, weights);
            Assert.Equal(firstResult!.History, result.History);
        }
        Assert.True(firstResult!.History[^1].TrainingLoss < firstResult.History[0].TrainingLoss, "the loss should fall");
    }

    [Fact]
    public void Batched_kernels_give_the_same_weights_as_one_sequence_at_a_time()
    {
        // Many sequences of equal length so that the batched path really groups them (BatchTile sequences per pass).
        Sequence[] data = RandomSequences(64, 12, 6, 8);
        Assert.True(TrainerLstm.BatchTile >= 4);
        float[]? reference = null;
        foreach (bool batched in new[] { false, true })
        {
            using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(2) with { BatchSize = 32, Shards = 2, UseBatchedKernels = batched, ValidationFraction = 0 });
            trainer.Fit(data);
            if (reference is null) reference = trainer.Model.Parameters.ToArray();
            else Assert.Equal(reference, trainer.Model.Parameters.ToArray());
        }
        int[] tokens = Enumerable.Range(0, 8 * 40 + 1).Select(i => (i * 7 + i / 5) % 7).ToArray();
        float[]? streamReference = null;
        foreach (bool batched in new[] { false, true })
        {
            using var trainer = new Trainer(() => new TinyCharModel(), new Adam(0.01f), new TrainerOptions
            {
                BatchSize = 8, Epochs = 2, TbpttK1 = 6, TbpttK2 = 9, Workers = 2, Shards = 2, UseBatchedKernels = batched,
            });
            trainer.FitStream(SequenceStream.NextToken(tokens));
            if (streamReference is null) streamReference = trainer.Model.Parameters.ToArray();
            else Assert.Equal(streamReference, trainer.Model.Parameters.ToArray());
        }
    }

    [Fact]
    public void The_reference_runtime_trains_like_the_generated_model()
    {
        Sequence[] data = RandomSequences(30, 2);
        var options = Options(2) with { Epochs = 2 };
        using var generated = new Trainer(() => new TrainerLstm(), new Adam(0.01f), options);
        using var reference = new Trainer(() => new ReferenceNetwork(TrainerLstm.Spec), new Adam(0.01f), options);
        TrainingResult a = generated.Fit(data), b = reference.Fit(data);
        for (int e = 0; e < a.History.Count; e++)
            Assert.Equal(a.History[e].TrainingLoss, b.History[e].TrainingLoss, 4);
        float[] x = generated.Model.Parameters.ToArray(), y = reference.Model.Parameters.ToArray();
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) < 1e-4f, $"parameter {i}: {x[i]} vs {y[i]}");
    }

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_run()
    {
        Sequence[] data = RandomSequences(47, 3);
        string folder = Directory.CreateTempSubdirectory("rnngen-resume").FullName;
        try
        {
            var options = Options(2) with { Epochs = 4, CheckpointPath = Path.Combine(folder, "run.safetensors"), CheckpointEvery = 3 };
            using var whole = new Trainer(() => new TrainerLstm(), new Adam(0.01f), options with { CheckpointPath = Path.Combine(folder, "whole.safetensors") });
            TrainingResult expected = whole.Fit(data);

            // Stop mid-epoch (update 7 of 4 per epoch … in epoch 2), like a killed run, then resume from the checkpoint.
            using var cancel = new CancellationTokenSource();
            var stopAt7 = new InlineProgress(p => { if (p.Update == 7) cancel.Cancel(); });
            using (var first = new Trainer(() => new TrainerLstm(), new Adam(0.01f), options with { Progress = stopAt7 }))
            {
                TrainingResult partial = first.Fit(data, cancellation: cancel.Token);
                Assert.Equal("cancelled", partial.StopReason);
                Assert.Equal(7, partial.Updates);
            }
            using var resumed = new Trainer(() => new TrainerLstm(), new Adam(0.01f), options);
            resumed.LoadCheckpoint(options.CheckpointPath!);
            Assert.Equal(7, resumed.UpdateCount);
            TrainingResult rest = resumed.Fit(data);

            Assert.Equal(whole.Model.Parameters.ToArray(), resumed.Model.Parameters.ToArray());
            Assert.Equal(expected.History, rest.History);
            Assert.Equal(expected.Updates, rest.Updates);
            Assert.Equal(expected.SmoothedLoss, rest.SmoothedLoss);
            Assert.True(File.Exists(options.CheckpointPath + ".json"));
            Assert.Contains("\"update\":", File.ReadAllText(options.CheckpointPath + ".json"));
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));

            // The checkpoint's parameters load as a plain safetensors model too (PyTorch names).
            var plain = new TrainerLstm();
            plain.LoadSafetensors(options.CheckpointPath!, new Dictionary<string, string>(), ignoreUnusedTensors: true);
            Assert.Equal(resumed.Model.Parameters.ToArray(), plain.Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_checkpoint_from_other_options_or_another_network_is_refused_with_a_reason()
    {
        string folder = Directory.CreateTempSubdirectory("rnngen-ckpt").FullName;
        try
        {
            string path = Path.Combine(folder, "c.safetensors");
            using (var t = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1) with { Epochs = 1, CheckpointPath = path }))
                t.Fit(RandomSequences(20, 4));
            using var otherSeed = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1) with { Seed = 8 });
            Assert.Contains("Seed 7", Assert.Throws<InvalidDataException>(() => otherSeed.LoadCheckpoint(path)).Message);
            using var otherOptimizer = new Trainer(() => new TrainerLstm(), new Sgd(0.01f), Options(1));
            Assert.Contains("optimizer Adam", Assert.Throws<InvalidDataException>(() => otherOptimizer.LoadCheckpoint(path)).Message);
            using var otherNetwork = new Trainer(() => new AddingLstm(), new Adam(0.01f), Options(1));
            Assert.Contains("written for", Assert.Throws<InvalidDataException>(() => otherNetwork.LoadCheckpoint(path)).Message);
            // An unfinished run continues only on its own data.
            string unfinished = Path.Combine(folder, "unfinished.safetensors");
            using var cancel = new CancellationTokenSource();
            using (var t = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1) with
                { CheckpointPath = unfinished, Progress = new InlineProgress(p => { if (p.Update == 1) cancel.Cancel(); }) }))
                Assert.Equal("cancelled", t.Fit(RandomSequences(20, 4), cancellation: cancel.Token).StopReason);
            using var resumed = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1));
            resumed.LoadCheckpoint(unfinished);
            Assert.Contains("Resume with the same data", Assert.Throws<InvalidOperationException>(() => resumed.Fit(RandomSequences(21, 4))).Message);
            // A finished run's checkpoint starts a new run from its weights and optimizer state, on any data.
            using var next = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1) with { Epochs = 1 });
            next.LoadCheckpoint(path);
            Assert.Equal(2, next.Fit(RandomSequences(21, 4)).Updates);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_diverging_run_stops_with_a_clear_message_and_leaves_the_last_checkpoint_intact()
    {
        string folder = Directory.CreateTempSubdirectory("rnngen-nan").FullName;
        try
        {
            string path = Path.Combine(folder, "last.safetensors");
            var data = new PoisonedData(RandomSequences(40, 5));
            var poisonAfter3 = new InlineProgress(p => { if (p.Update == 3) data.Poisoned = true; });
            using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f),
                Options(2) with { Epochs = 5, CheckpointPath = path, CheckpointEvery = 1, Progress = poisonAfter3, ValidationFraction = 0 });
            var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
            Assert.Equal(4, error.Update);
            Assert.Contains("update 4", error.Message);
            Assert.Contains("NaN", error.Message);
            Assert.Contains("intact", error.Message);

            // The model still holds the parameters of update 3, and so does the checkpoint.
            float[] weights = trainer.Model.Parameters.ToArray();
            Assert.All(weights, w => Assert.True(float.IsFinite(w)));
            using var reader = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options(1));
            reader.LoadCheckpoint(path);
            Assert.Equal(3, reader.UpdateCount);
            Assert.Equal(weights, reader.Model.Parameters.ToArray());
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_adding_problem_is_solved_within_a_bounded_number_of_updates()
    {
        // T = 20, LSTM(16): a learning test with a fixed seed, not a timing test.
        const int steps = 20;
        var data = new GeneratedSequences(16 * 1500, i => AddingExample(steps, i));
        using var trainer = new Trainer(() => new AddingLstm(), new Adam(0.01f),
            new TrainerOptions { BatchSize = 16, Epochs = 1, ClipNorm = 1f, Seed = 3, StopWhenLossBelow = 0.01 });
        TrainingResult result = trainer.Fit(data);
        Assert.StartsWith("smoothed loss", result.StopReason);
        Assert.InRange(result.Updates, 50, 1200);

        var test = new GeneratedSequences(400, i => AddingExample(steps, 1_000_000 + i));
        double heldOut = trainer.Evaluate(test);
        Assert.True(heldOut < 0.02, $"held-out MSE {heldOut}");
    }

    internal static Sequence AddingExample(int steps, int index)
    {
        var random = new DeterministicRandom(0xADD0000UL + (ulong)index);
        int first = random.NextInt(steps / 2), second = steps / 2 + random.NextInt(steps - steps / 2);
        float[] x = new float[steps * 2];
        float sum = 0;
        for (int t = 0; t < steps; t++)
        {
            x[2 * t] = (float)random.NextDouble();
            if (t == first || t == second) { x[2 * t + 1] = 1; sum += x[2 * t]; }
        }
        return Sequence.FromFloats(x, steps, [sum]);
    }

    [Fact]
    public void Early_stopping_stops_after_the_patience_and_restores_the_best_parameters()
    {
        // Labels are noise: validation stops improving early.
        var random = new DeterministicRandom(11);
        var data = new Sequence[60];
        for (int i = 0; i < data.Length; i++)
        {
            int steps = 2 + random.NextInt(10);
            int[] tokens = new int[steps];
            for (int t = 0; t < steps; t++) tokens[t] = random.NextInt(9);
            data[i] = Sequence.FromTokens(tokens, [random.NextInt(2)]);
        }
        using var trainer = new Trainer(() => new TinyClassifier(), new Adam(0.05f),
            new TrainerOptions { BatchSize = 8, Epochs = 200, Seed = 1, ValidationFraction = 0.3, Patience = 3 });
        TrainingResult result = trainer.Fit(data);
        Assert.StartsWith("early stopping", result.StopReason);
        Assert.True(result.Epochs < 200);
        int best = result.History.ToList().FindIndex(e => e.ValidationLoss == result.BestValidationLoss);
        Assert.Equal(result.Epochs - 3 - 1, best);   // the best epoch, then three without improvement
        var (_, validation) = Trainer.Split(data, 0.3, 1);
        Assert.Equal(result.BestValidationLoss, trainer.Evaluate(validation), 6);
    }

    [Fact]
    public void Progress_reports_every_update_with_the_scheduled_rate()
    {
        var reports = new List<TrainingProgress>();
        using var trainer = new Trainer(() => new TrainerLstm(), new Sgd(0.1f),
            new TrainerOptions { BatchSize = 5, Epochs = 2, Workers = 1, Schedule = LearningRateSchedule.StepDecay(3, 0.5f), Progress = new InlineProgress(reports.Add) });
        trainer.Fit(RandomSequences(20, 6));
        Assert.Equal(8, reports.Count);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), reports.Select(r => r.Update));
        Assert.Equal([0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f, 0.025f], reports.Select(r => r.LearningRate));
        Assert.All(reports, r => Assert.Equal(8, r.TotalUpdates));
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.GradientNorm > 0 && r.SequencesPerSecond > 0));
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
    }

    /// <summary>Epochs = int.MaxValue trains until cancelled: its remaining-time estimate (10¹² updates and more, the
    /// first ones slowed by the JIT) must saturate, not throw — the BenchmarkDotNet training suite hit it.</summary>
    [Fact]
    public void The_remaining_time_saturates_instead_of_overflowing()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), Trainer.Remaining(30, 0.1));
        Assert.Equal(TimeSpan.Zero, Trainer.Remaining(-5, 0.1));
        Assert.Equal(TimeSpan.MaxValue, Trainer.Remaining((long)int.MaxValue * 4096, 0.5));
        Assert.Equal(TimeSpan.MaxValue, Trainer.Remaining(long.MaxValue, 1e-3));
    }

    [Fact]
    public void Schedules_follow_their_formulas()
    {
        var cosine = LearningRateSchedule.Cosine(0.1f);
        Assert.Equal(1f, cosine.RateAt(0, 11, 1f), 6);
        Assert.Equal(0.55f, cosine.RateAt(5, 11, 1f), 6);
        Assert.Equal(0.1f, cosine.RateAt(10, 11, 1f), 6);
        var warm = LearningRateSchedule.Cosine(0f, warmupUpdates: 4);
        Assert.Equal([0.25f, 0.5f, 0.75f, 1f], Enumerable.Range(0, 4).Select(u => warm.RateAt(u, 100, 1f)));
        Assert.Equal(0.008f, LearningRateSchedule.StepDecay(10, 0.2f).RateAt(25, 100, 0.2f), 6);
        Assert.Equal(0.3f, LearningRateSchedule.Constant.RateAt(99, 100, 0.3f));
    }

    [Fact]
    public void An_example_that_does_not_fit_is_named_with_expected_and_actual_sizes()
    {
        Sequence[] data = RandomSequences(10, 7);
        data[6] = Sequence.FromFloats(new float[5 * 3], 5, new float[5 * 3]);   // targets need 5 × 2
        using var trainer = new Trainer(() => new TrainerLstm(), new Adam(), new TrainerOptions { Workers = 2 });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(data));
        Assert.Contains("training[6].Targets has 15 elements; expected 10", error.Message);

        data[6] = Sequence.FromFloats(new float[13 * 3], 13, new float[13 * 2]);
        Assert.Contains("training[6] has 13 steps; expected at most 12", Assert.Throws<ArgumentException>(() => trainer.Fit(data)).Message);
    }

    [Fact]
    public void Variable_length_batches_are_exact_without_padding()
    {
        // One update over a batch of sequences of different lengths equals the mean of their separate gradients.
        Sequence[] data = RandomSequences(6, 8, 2, 12);
        using var trainer = new Trainer(() => new TrainerLstm(), new Sgd(1f), new TrainerOptions { BatchSize = 6, Epochs = 1, Workers = 2, Shards = 3, Shuffle = false });
        float[] before = trainer.Model.Parameters.ToArray();
        trainer.Fit(data);
        float[] after = trainer.Model.Parameters.ToArray();

        var single = new TrainerLstm();
        before.CopyTo(single.Parameters);
        double[] mean = new double[before.Length];
        foreach (Sequence s in data)
        {
            single.ZeroGradients();
            single.Forward(s.Inputs, s.Steps, new float[s.Steps * 2]);
            single.Backward(s.Targets);
            for (int i = 0; i < mean.Length; i++) mean[i] += single.Gradients[i] / 6.0;
        }
        for (int i = 0; i < mean.Length; i++)
            Assert.True(Math.Abs(before[i] - mean[i] - after[i]) < 1e-5, $"parameter {i}");
    }

    internal sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    internal sealed class GeneratedSequences(int count, Func<int, Sequence> make) : IReadOnlyList<Sequence>
    {
        public Sequence this[int index] => make(index);
        public int Count => count;
        public IEnumerator<Sequence> GetEnumerator() { for (int i = 0; i < count; i++) yield return make(i); }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class PoisonedData(Sequence[] data) : IReadOnlyList<Sequence>
    {
        public volatile bool Poisoned;
        private readonly Sequence _nan = Sequence.FromFloats(Enumerable.Repeat(float.NaN, 12).ToArray(), 4, new float[8]);
        public Sequence this[int index] => Poisoned ? _nan : data[index];
        public int Count => data.Length;
        public IEnumerator<Sequence> GetEnumerator() => ((IEnumerable<Sequence>)data).GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
