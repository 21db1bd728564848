using RnnGen.Optimization;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>An encoder–decoder pair trained by the <see cref="Trainer"/>: batches, workers, clipping, schedules,
/// validation, checkpoints with exact resume, and its misuse.</summary>
public sealed class EncoderDecoderTrainerTests
{
    private const int Start = 5, End = 6;   // tokens 0…4 are symbols

    private static EncoderDecoder TinyPair() => new(new TinyEncoder(), new TinyDecoder(), Start, End);

    /// <summary>Pairs of random strings of 1–<paramref name="longest"/> symbols and their reversal.</summary>
    private static SequencePair[] Reversals(int count, ulong seed, int longest = 4)
    {
        var random = new DeterministicRandom(seed);
        var pairs = new SequencePair[count];
        for (int i = 0; i < count; i++)
        {
            var s = new int[1 + random.NextInt(longest)];
            for (int k = 0; k < s.Length; k++) s[k] = random.NextInt(5);
            pairs[i] = SequencePair.FromTokens(s, [.. s.Reverse()]);
        }
        return pairs;
    }

    private static TrainerOptions Options(int workers) => new()
    {
        BatchSize = 6, Epochs = 3, Seed = 11, ClipNorm = 1f, Workers = workers, Shards = 3, ValidationFraction = 0,
    };

    [Fact]
    public void Learns_to_reverse_short_strings_through_the_trainer()
    {
        using var trainer = new Trainer(() => new EncoderDecoder(new ReverseEncoder(), new ReverseDecoder(), Start, End), new Adam(0.01f),
            new TrainerOptions { BatchSize = 8, Epochs = 10, Seed = 1, ClipNorm = 5f, Workers = 2, ValidationFraction = 0 });
        TrainingResult result = trainer.Fit(Reversals(1200, 4), Reversals(100, 5));
        Assert.Equal(1500, result.Updates);
        Assert.Equal(10, result.History.Count);
        Assert.True(result.History[^1].ValidationLoss < 0.5 * result.History[0].ValidationLoss, string.Join(", ", result.History));

        EncoderDecoder pair = trainer.EncoderDecoder!;
        var none = new DeterministicRandom(0);
        var output = new int[8];
        int Exact(SequencePair[] set) =>
            set.Count(p => pair.Generate(p.SourceTokens, output, 0f, ref none) is int n && output.AsSpan(0, n).SequenceEqual(p.Target));
        SequencePair[] test = Reversals(200, 77);
        Assert.True(Exact(test) >= 0.9 * test.Length, $"exact match {Exact(test)}/{test.Length}");
        // Strings of 1–4 symbols are few (780), so most test strings are also in the training set; on those that are
        // not, the pair must still reverse at least half (copying the input is right only on palindromes).
        var seen = new HashSet<string>(Reversals(1200, 4).Select(p => string.Concat(p.SourceTokens!)));
        SequencePair[] unseen = [.. Reversals(2000, 77).Where(p => !seen.Contains(string.Concat(p.SourceTokens!))).Take(100)];
        Assert.Equal(100, unseen.Length);
        Assert.True(Exact(unseen) >= 0.5 * unseen.Length, $"exact match on unseen strings {Exact(unseen)}/{unseen.Length}");
    }

    /// <summary>One update equals its definition: the mean of the pairs' gradients through both networks, an SGD step.</summary>
    [Fact]
    public void One_update_is_the_mean_gradient_of_the_batch_through_both_networks()
    {
        SequencePair[] data = Reversals(5, 3);
        using var trainer = new Trainer(TinyPair, new Sgd(0.5f),
            new TrainerOptions { BatchSize = 5, Epochs = 1, Seed = 2, Workers = 1, Shards = 1, Shuffle = false, ValidationFraction = 0 });
        EncoderDecoder master = trainer.EncoderDecoder!;
        EncoderDecoder manual = TinyPair();
        master.Encoder.Parameters.CopyTo(manual.Encoder.Parameters);
        master.Decoder.Parameters.CopyTo(manual.Decoder.Parameters);
        manual.ZeroGradients();
        double loss = data.Sum(p => (double)manual.Backward(p.SourceTokens, p.Target)) / data.Length;

        TrainingResult result = trainer.Fit(data);
        Assert.Equal(1, result.Updates);
        Assert.Equal(loss, result.History[0].TrainingLoss, 6);
        foreach (var (trained, start, gradient) in new[]
        {
            (master.Encoder, manual.Encoder.Parameters.ToArray(), manual.Encoder.Gradients.ToArray()),
            (master.Decoder, manual.Decoder.Parameters.ToArray(), manual.Decoder.Gradients.ToArray()),
        })
        {
            float[] expected = start.Select((w, i) => w - 0.5f * (gradient[i] / data.Length)).ToArray();
            Assert.Contains(gradient, g => Math.Abs(g) > 1e-4f);
            Numerics.AssertClose<float, float>(expected, trained.Parameters.ToArray(), "parameters after one update", 1e-5, 1e-6);
        }
    }

    [Fact]
    public void Any_worker_count_gives_the_same_weights()
    {
        SequencePair[] data = Reversals(40, 8, longest: 7);
        float[] Train(int workers)
        {
            using var trainer = new Trainer(TinyPair, new Adam(0.02f), Options(workers) with { Schedule = LearningRateSchedule.Cosine(0.002f) });
            trainer.Fit(data);
            return [.. trainer.EncoderDecoder!.Encoder.Parameters.ToArray(), .. trainer.EncoderDecoder.Decoder.Parameters.ToArray()];
        }
        float[] one = Train(1);
        Assert.Equal(one, Train(2));
        using var untrained = new Trainer(TinyPair, new Adam(0.02f), Options(1));
        Assert.NotEqual(one, [.. untrained.EncoderDecoder!.Encoder.Parameters.ToArray(), .. untrained.EncoderDecoder.Decoder.Parameters.ToArray()]);
    }

    /// <summary>A decoder with dropout: the trainer switches the pair's networks to training for updates only, with masks
    /// seeded per example, so any worker count trains the same weights, and they differ from training without dropout.</summary>
    [Fact]
    public void Dropout_in_a_pair_acts_in_updates_and_keeps_any_worker_count_identical()
    {
        static ReferenceNetwork Decoder(float dropout) => new(new NetworkSpec(0,
            [LayerSpec.Embedding(7, 3), LayerSpec.Lstm(6) with { Dropout = dropout, RecurrentDropout = dropout }, LayerSpec.Dense(7, Activation.Softmax)],
            9, loss: LossKind.CrossEntropy));
        SequencePair[] data = Reversals(24, 21, longest: 6);
        float[] Train(int workers, float dropout, out Trainer trainer)
        {
            trainer = new Trainer(() => new EncoderDecoder(new TinyEncoder(), Decoder(dropout), Start, End), new Adam(0.02f), Options(workers) with { Epochs = 2 });
            trainer.Fit(data);
            return [.. trainer.EncoderDecoder!.Encoder.Parameters.ToArray(), .. trainer.EncoderDecoder.Decoder.Parameters.ToArray()];
        }
        float[] one = Train(1, 0.3f, out Trainer a), two = Train(2, 0.3f, out Trainer b), plain = Train(1, 0f, out Trainer c);
        Assert.Equal(one, two);
        Assert.NotEqual(one, plain);
        // Evaluation runs without dropout: twice the same loss, and the networks are left out of training mode.
        Assert.Equal(a.Evaluate(data).Loss, a.Evaluate(data).Loss);
        Assert.False(a.EncoderDecoder!.Decoder.Training);
        a.Dispose(); b.Dispose(); c.Dispose();
    }

    [Fact]
    public void Validation_is_the_mean_teacher_forced_loss_and_drives_early_stopping()
    {
        SequencePair[] data = Reversals(30, 9), held = Reversals(7, 10);
        using var trainer = new Trainer(TinyPair, new Adam(0.02f), Options(2) with { Epochs = 2 });
        TrainingResult result = trainer.Fit(data, held);
        EncoderDecoder pair = trainer.EncoderDecoder!;
        double expected = held.Sum(p => (double)pair.Loss(p.SourceTokens, p.Target)) / held.Length;
        Assert.Equal(expected, trainer.Evaluate(held), 6);
        Assert.Equal(expected, result.History[^1].ValidationLoss, 6);

        // Validation on another mapping (reversed, then each symbol + 1) gets worse as reversal is learned: the run
        // stops after Patience bad epochs and the pair's networks get back the weights of the best epoch.
        SequencePair[] shifted = [.. held.Select(p => SequencePair.FromTokens(p.SourceTokens!, [.. p.Target.Select(x => (x + 1) % 5)]))];
        using var stopping = new Trainer(TinyPair, new Adam(0.05f), Options(1) with { Epochs = 30, Patience = 2 });
        var afterEpoch = new List<float[]>();
        stopping.StopAfterEpoch = _ =>
        {
            afterEpoch.Add([.. stopping.EncoderDecoder!.Encoder.Parameters.ToArray(), .. stopping.EncoderDecoder.Decoder.Parameters.ToArray()]);
            return false;
        };
        TrainingResult stopped = stopping.Fit(data, shifted);
        Assert.StartsWith("early stopping", stopped.StopReason);
        int best = Enumerable.Range(0, stopped.History.Count).MinBy(e => stopped.History[e].ValidationLoss);
        Assert.True(best < stopped.History.Count - 1, string.Join(", ", stopped.History));
        float[] restored = [.. stopping.EncoderDecoder!.Encoder.Parameters.ToArray(), .. stopping.EncoderDecoder.Decoder.Parameters.ToArray()];
        Assert.Equal(afterEpoch[best], restored);
        Assert.NotEqual(afterEpoch[^1], restored);
    }

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_run()
    {
        SequencePair[] data = Reversals(33, 12);
        string folder = Directory.CreateTempSubdirectory("rnngen-pair-resume").FullName;
        try
        {
            var options = Options(2) with { Epochs = 3, CheckpointPath = Path.Combine(folder, "run.safetensors"), CheckpointEvery = 4 };
            using var whole = new Trainer(TinyPair, new Adam(0.01f), options with { CheckpointPath = Path.Combine(folder, "whole.safetensors") });
            TrainingResult expected = whole.Fit(data);

            using var cancel = new CancellationTokenSource();
            var stopAt9 = new TrainerTests.InlineProgress(p => { if (p.Update == 9) cancel.Cancel(); });
            using (var first = new Trainer(TinyPair, new Adam(0.01f), options with { Progress = stopAt9 }))
                Assert.Equal("cancelled", first.Fit(data, cancellation: cancel.Token).StopReason);
            using var resumed = new Trainer(TinyPair, new Adam(0.01f), options);
            resumed.LoadCheckpoint(options.CheckpointPath!);
            Assert.Equal(9, resumed.UpdateCount);
            TrainingResult rest = resumed.Fit(data);

            Assert.Equal(whole.EncoderDecoder!.Encoder.Parameters.ToArray(), resumed.EncoderDecoder!.Encoder.Parameters.ToArray());
            Assert.Equal(whole.EncoderDecoder.Decoder.Parameters.ToArray(), resumed.EncoderDecoder.Decoder.Parameters.ToArray());
            Assert.Equal(expected.History, rest.History);
            Assert.Equal(expected.Updates, rest.Updates);

            // Each network's tensors are in the file under its prefix, in PyTorch's names.
            var decoder = new TinyDecoder();
            ParameterLayout layout = TinyDecoder.Spec.ParameterLayout;
            decoder.LoadSafetensors(options.CheckpointPath!, layout.ToDictionary(t => t.Name, t => "decoder." + t.Name), ignoreUnusedTensors: true);
            Assert.Equal(resumed.EncoderDecoder.Decoder.Parameters.ToArray(), decoder.Parameters.ToArray());
            Assert.Contains("\"encoder\":", File.ReadAllText(options.CheckpointPath + ".json"));

            // A single network's trainer refuses the pair's checkpoint.
            using var single = new Trainer(() => new TinyDecoder(), new Adam(0.01f), options);
            Assert.Throws<InvalidDataException>(() => single.LoadCheckpoint(options.CheckpointPath!));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Misuse_is_refused_with_what_is_wrong()
    {
        using var trainer = new Trainer(TinyPair, new Adam(), Options(1));
        Assert.Contains("EncoderDecoder.Encoder", Assert.Throws<InvalidOperationException>(() => trainer.Model).Message);
        Assert.Contains("SequencePair", Assert.Throws<InvalidOperationException>(() => trainer.Fit(new[] { Sequence.FromTokens([1], [1]) })).Message);

        var tooLong = SequencePair.FromTokens([1, 2], new int[9]);
        var ex = Assert.Throws<ArgumentException>(() => trainer.Fit([SequencePair.FromTokens([1], [2]), tooLong]));
        Assert.Contains("training[1].Target has 9 tokens; expected at most 8", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => trainer.Fit([SequencePair.FromTokens([1, 9], [2])]));
        Assert.Contains("training[0].SourceTokens[1] is 9; expected a token id in 0..6", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => trainer.Fit([SequencePair.FromFloats([1f, 2f], 2, [2])]));
        Assert.Contains("float source; this encoder reads token ids", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => trainer.Fit([SequencePair.FromTokens(new int[9], [2])]));
        Assert.Contains("source of 9 steps; expected at most 8", ex.Message);

        using var network = new Trainer(() => new TinyDecoder(), new Adam(), Options(1));
        Assert.Null(network.EncoderDecoder);
        Assert.Contains("needs a trainer made for an EncoderDecoder", Assert.Throws<InvalidOperationException>(() => network.Fit([SequencePair.FromTokens([1], [2])])).Message);

        var shared = new TinyDecoder();
        var sharing = new Trainer(() => new EncoderDecoder(new TinyEncoder(), shared, Start, End), new Adam(), Options(2));
        Assert.Contains("sharing a network", Assert.Throws<InvalidOperationException>(() => sharing.Fit(Reversals(4, 1))).Message);
        sharing.Dispose();
    }
}
