using RnnGen.Kernels;
using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public class StreamTrainingTests
{
    private static int[] Text(int length, int seed)
    {
        // A learnable stream: mostly 0 1 2 3 4 5 6 0 1 … with random jumps.
        var random = new DeterministicRandom((ulong)seed);
        int[] tokens = new int[length];
        for (int i = 1; i < length; i++) tokens[i] = random.NextDouble() < 0.1 ? random.NextInt(7) : (tokens[i - 1] + 1) % 7;
        return tokens;
    }

    [Fact]
    public void Truncated_bptt_with_k1_equal_k2_is_the_classic_chunked_loop()
    {
        int[] tokens = Text(4 * 50 + 3, 1);
        const int streams = 4, k = 8;
        using var trainer = new Trainer(() => new TinyCharModel(), new Adam(0.01f),
            new TrainerOptions { BatchSize = streams, Epochs = 2, TbpttK1 = k, Workers = 1, Shards = 1, Seed = 5 });
        trainer.FitStream(SequenceStream.NextToken(tokens));

        // By hand: 4 parallel streams of 50 steps, chunks of 8 (the last of 2), state carried, reset per epoch.
        var model = new TinyCharModel();
        model.InitializeParameters(5);
        var adam = new Adam(0.01f);
        int length = (tokens.Length - 1) / streams;
        float[][] states = new float[streams][];
        float[] outputs = new float[k * 7];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            for (int b = 0; b < streams; b++) states[b] = new float[TinyCharModel.StateSize];
            for (int t = 0; t < length; t += k)
            {
                int n = Math.Min(k, length - t);
                model.ZeroGradients();
                for (int b = 0; b < streams; b++)
                {
                    int at = b * length + t;
                    states[b].CopyTo(model.CurrentState);
                    model.ForwardContinue(tokens.AsSpan(at, n), n, outputs.AsSpan(0, n * 7));
                    model.CurrentState.CopyTo(states[b]);
                    model.Backward(tokens.AsSpan(at + 1, n));
                }
                Span<float> g = model.Gradients;
                for (int i = 0; i < g.Length; i++) g[i] *= 1f / streams;
                adam.Step(model.Parameters, g);
            }
        }
        Assert.Equal(model.Parameters.ToArray(), trainer.Model.Parameters.ToArray());
    }

    [Fact]
    public void A_longer_backward_window_scores_the_same_steps_with_the_same_states()
    {
        // With the learning rate at 0 the forward values cannot depend on where a window starts, only on the
        // carried state: the losses of k2 = 3·k1 must equal those of k2 = k1, while the gradients differ.
        int[] tokens = Text(3 * 60 + 1, 2);
        List<TrainingProgress> Run(int k2, out float[] gradient)
        {
            var reports = new List<TrainingProgress>();
            using var trainer = new Trainer(() => new TinyCharModel(), new Sgd(0f),
                new TrainerOptions { BatchSize = 3, Epochs = 1, TbpttK1 = 5, TbpttK2 = k2, Workers = 2, Seed = 1, Progress = new TrainerTests.InlineProgress(reports.Add) });
            trainer.FitStream(SequenceStream.NextToken(tokens));
            gradient = trainer.Model.Gradients.ToArray();
            return reports;
        }
        var shortWindow = Run(5, out float[] g1);
        var longWindow = Run(15, out float[] g3);
        Assert.Equal(12, shortWindow.Count);
        Assert.Equal(shortWindow.Select(r => r.Loss), longWindow.Select(r => r.Loss));
        Assert.NotEqual(g1, g3);
    }

    [Fact]
    public void A_resumed_stream_run_equals_an_uninterrupted_one()
    {
        int[] tokens = Text(2 * 80 + 1, 3);
        string folder = Directory.CreateTempSubdirectory("rnngen-stream").FullName;
        try
        {
            var options = new TrainerOptions
            {
                BatchSize = 2, Epochs = 2, TbpttK1 = 6, TbpttK2 = 10, Workers = 2, Seed = 2, ClipNorm = 1,
                CheckpointPath = Path.Combine(folder, "s.safetensors"), CheckpointEvery = 1,
            };
            var train = SequenceStream.NextToken(tokens);
            var validation = SequenceStream.NextToken(Text(2 * 30 + 1, 4));
            using var whole = new Trainer(() => new TinyCharModel(), new Adam(0.02f), options with { CheckpointPath = Path.Combine(folder, "w.safetensors") });
            TrainingResult expected = whole.FitStream(train, validation);

            using var cancel = new CancellationTokenSource();
            using (var first = new Trainer(() => new TinyCharModel(), new Adam(0.02f),
                options with { Progress = new TrainerTests.InlineProgress(p => { if (p.Update == 17) cancel.Cancel(); }) }))
                first.FitStream(train, validation, cancel.Token);
            using var resumed = new Trainer(() => new TinyCharModel(), new Adam(0.02f), options);
            resumed.LoadCheckpoint(options.CheckpointPath!);
            TrainingResult rest = resumed.FitStream(train, validation);
            Assert.Equal(whole.Model.Parameters.ToArray(), resumed.Model.Parameters.ToArray());
            Assert.Equal(expected.History, rest.History);
            Assert.True(expected.History[^1].ValidationLoss < expected.History[0].ValidationLoss + 1e-9);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Stream_training_needs_outputs_at_every_step_and_a_window_that_fits()
    {
        using var classifier = new Trainer(() => new TinyClassifier(), new Adam());
        Assert.Contains("EveryStep", Assert.Throws<ArgumentException>(() => classifier.FitStream(SequenceStream.FromTokens([1, 2, 3], [0, 1, 0]))).Message);
        using var lm = new Trainer(() => new TinyCharModel(), new Adam(), new TrainerOptions { TbpttK1 = 8, TbpttK2 = 30 });
        Assert.Contains("MaxSteps is 24", Assert.Throws<ArgumentException>(() => lm.FitStream(SequenceStream.NextToken(Text(500, 1)))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(() => new TinyCharModel(), new Adam(), new TrainerOptions { TbpttK1 = 8, TbpttK2 = 4 }));
    }

    [Fact]
    public void Ignored_steps_carry_no_loss_and_no_gradient()
    {
        float[] logits = [1, 2, 3, 0.5f, -1, 2, 4, 4, 0];
        float[] d = new float[9], dPart = new float[3];
        float loss = Losses<float>.CrossEntropy(logits, 3, [Losses<float>.IgnoreIndex, 1, Losses<float>.IgnoreIndex], d, Reduction.Mean);
        float part = Losses<float>.CrossEntropy(logits.AsSpan(3, 3), 3, [1], dPart, Reduction.Mean);
        Assert.Equal(part, loss);
        Assert.Equal(new float[3], d[..3]);
        Assert.Equal(dPart, d[3..6]);
        Assert.Equal(new float[3], d[6..]);

        float[] y = [1, 2, 3], dy = new float[3];
        Assert.Equal(1f, Losses<float>.MeanSquaredError(y, [float.NaN, 3, float.NaN], dy, Reduction.Mean));
        Assert.Equal([0f, -2f, 0f], dy);
        Assert.Equal(0f, Losses<float>.CrossEntropy(logits.AsSpan(0, 3), 3, [Losses<float>.IgnoreIndex], d.AsSpan(0, 3), Reduction.Mean));
    }
}
