using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary><see cref="Trainer.Evaluate"/>'s accuracy for classification losses, on data whose predictions are known.</summary>
public sealed class EvaluationTests
{
    /// <summary>One Dense layer (size × size) set to the identity, so each output step is its input step.</summary>
    private static Trainer IdentityTrainer(int size, string activation, string loss, string output, int workers = 1)
    {
        var spec = NetworkSpec.FromJson($$"""
            {"inputSize":{{size}},"layers":[{"kind":"Dense","size":{{size}},"activation":"{{activation}}","bidirectional":false,"vocabulary":0}],
             "maxSteps":4,"output":"{{output}}","loss":"{{loss}}","reduction":"Mean"}
            """);
        var trainer = new Trainer(() => new ReferenceNetwork(spec), new Sgd(0.1f), new TrainerOptions { BatchSize = 2, Workers = workers, Shards = 2 });
        Span<float> p = trainer.Model.Parameters;
        p.Clear();
        ParameterTensor weight = spec.ParameterLayout.First(t => t.Name.EndsWith("weight", StringComparison.Ordinal));
        for (int i = 0; i < size; i++) p[weight.Offset + i * size + i] = 1f;
        return trainer;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Cross_entropy_accuracy_is_the_share_of_steps_whose_largest_output_is_the_class(int workers)
    {
        using Trainer trainer = IdentityTrainer(3, "Softmax", "CrossEntropy", "EveryStep", workers);
        Sequence[] data =
        [
            // inputs = logits: the largest of each step is the prediction
            Sequence.FromFloats([5, 1, 0, /**/ 0, 2, 1], 2, [0, 2]),           // right, wrong
            Sequence.FromFloats([0, 0, 9], 1, [2]),                             // right
            Sequence.FromFloats([1, 3, 2, /**/ 4, 4, 0, /**/ 0, 1, 0], 3, [1, -100, 0]),   // right, not scored, wrong
        ];
        Evaluation result = trainer.Evaluate(data);
        Assert.Equal(3.0 / 5, result.Accuracy);
        Assert.True(result.Loss > 0);
        double loss = trainer.Evaluate(data);   // converts to its loss
        Assert.Equal(result.Loss, loss);
        // Ties go to the first of the largest outputs, like torch.argmax.
        Assert.Equal(1.0, trainer.Evaluate([Sequence.FromFloats([2, 2, 1], 1, [0])]).Accuracy);
        Assert.Equal(0.0, trainer.Evaluate([Sequence.FromFloats([2, 2, 1], 1, [1])]).Accuracy);
    }

    [Fact]
    public void Last_step_cross_entropy_scores_one_output_per_sequence()
    {
        using Trainer trainer = IdentityTrainer(2, "Identity", "CrossEntropy", "LastStep");
        Sequence[] data =
        [
            Sequence.FromFloats([9, 0, /**/ 0, 1], 2, [1]),   // last step predicts 1: right
            Sequence.FromFloats([0, 1, /**/ 3, 1], 2, [1]),   // predicts 0: wrong
            Sequence.FromFloats([0, 2], 1, [1]),              // right
            Sequence.FromFloats([7, 2], 1, [0]),              // right
        ];
        Assert.Equal(0.75, trainer.Evaluate(data).Accuracy);
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Identity")]
    public void Binary_accuracy_compares_each_output_above_one_half_with_its_target(string activation)
    {
        // Sigmoid(x) > ½ and the logit x > 0 are the same prediction.
        using Trainer trainer = IdentityTrainer(2, activation, "BinaryCrossEntropy", "EveryStep");
        Sequence[] data =
        [
            Sequence.FromFloats([3, -1, /**/ -2, 0.5f], 2, [1f, 0f, /**/ 1f, 1f]),          // right, right, wrong, right
            Sequence.FromFloats([0.1f, -0.1f], 1, [0.7f, float.NaN]),                    // soft target 0.7 counts as 1: right; NaN not scored
            Sequence.FromFloats([-4, 4, /**/ 1, 1, /**/ -1, -1], 3, [0.2f, 0, 1, 1, 1, 0]),   // right, wrong, right, right, wrong, right
        ];
        Assert.Equal(8.0 / 11, trainer.Evaluate(data).Accuracy!.Value, 12);
    }

    [Fact]
    public void Regression_losses_have_no_accuracy_and_nothing_to_score_is_NaN()
    {
        using Trainer regression = IdentityTrainer(2, "Identity", "MeanSquaredError", "EveryStep");
        Evaluation result = regression.Evaluate([Sequence.FromFloats([1, 2], 1, [1f, 2f])]);
        Assert.Null(result.Accuracy);
        Assert.Equal(0, result.Loss);
        using Trainer classifier = IdentityTrainer(2, "Identity", "CrossEntropy", "EveryStep");
        Assert.True(double.IsNaN(classifier.Evaluate([Sequence.FromFloats([1, 2], 1, [-100])]).Accuracy!.Value));
        Assert.Equal(new Evaluation(double.NaN, null), classifier.Evaluate(Array.Empty<Sequence>()));
    }

    /// <summary>Random token sequences of a few lengths with random labels.</summary>
    private static Sequence[] Tokens(int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var data = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int steps = 3 + random.NextInt(3);
            int[] tokens = new int[steps];
            for (int t = 0; t < steps; t++) tokens[t] = random.NextInt(9);
            data[i] = Sequence.FromTokens(tokens, [random.NextInt(2)]);
        }
        return data;
    }

    [Fact]
    public void Batched_and_parallel_evaluation_counts_like_one_sequence_at_a_time()
    {
        Sequence[] data = Tokens(40, 4);
        var model = new TinyClassifier();
        model.InitializeParameters(5);
        float[] y = new float[2];
        int right = 0;
        foreach (Sequence s in data)
        {
            model.Forward(s.Tokens!, s.Steps, y);
            if ((y[1] > y[0] ? 1 : 0) == s.ClassIds![0]) right++;
        }
        double expected = (double)right / data.Length;
        Assert.InRange(expected, 0.05, 0.95);   // a count that can be wrong either way
        foreach ((int workers, bool batched) in new[] { (1, false), (3, true), (2, true) })
        {
            using var trainer = new Trainer(() => new TinyClassifier(), new Adam(), new TrainerOptions { BatchSize = 16, Workers = workers, Shards = 4, UseBatchedKernels = batched });
            model.Parameters.CopyTo(trainer.Model.Parameters);
            Assert.Equal(expected, trainer.Evaluate(data).Accuracy);
        }
    }

    [Fact]
    public void Stream_accuracy_counts_each_next_token_once()
    {
        int[] tokens = Enumerable.Range(0, 21).Select(i => (i * 3 + i / 4) % 7).ToArray();
        var model = new TinyCharModel();
        model.InitializeParameters(2);
        float[] y = new float[20 * 7];
        model.Forward(tokens.AsSpan(0, 20), 20, y);
        int right = 0;
        for (int t = 0; t < 20; t++)
        {
            ReadOnlySpan<float> row = y.AsSpan(t * 7, 7);
            int best = 0;
            for (int k = 1; k < 7; k++) if (row[k] > row[best]) best = k;
            if (best == tokens[t + 1]) right++;
        }
        // One stream in windows of 6 steps, its state carried: the same predictions as one pass.
        using var trainer = new Trainer(() => new TinyCharModel(), new Adam(), new TrainerOptions { BatchSize = 1, TbpttK1 = 6, Workers = 1 });
        model.Parameters.CopyTo(trainer.Model.Parameters);
        Evaluation result = trainer.EvaluateStream(SequenceStream.NextToken(tokens));
        Assert.Equal(right / 20.0, result.Accuracy!.Value, 12);
    }

    [Fact]
    public void Epoch_summaries_and_progress_carry_the_validation_accuracy()
    {
        Sequence[] data = Tokens(48, 8);
        var reports = new List<TrainingProgress>();
        using var trainer = new Trainer(() => new TinyClassifier(), new Adam(0.02f), new TrainerOptions
        {
            BatchSize = 8, Epochs = 3, Seed = 2, Workers = 2, ValidationFraction = 0.25, Progress = new TrainerTests.InlineProgress(reports.Add),
        });
        TrainingResult result = trainer.Fit(data);
        Assert.All(result.History, e => Assert.InRange(e.ValidationAccuracy!.Value, 0, 1));
        var (_, validation) = Trainer.Split(data, 0.25, 2);
        Assert.Equal(trainer.Evaluate(validation).Accuracy, result.History[^1].ValidationAccuracy);
        Assert.All(reports.Where(r => r.Epoch == 1), r => Assert.Null(r.ValidationAccuracy));
        Assert.All(reports.Where(r => r.Epoch > 1), r => Assert.Equal(result.History[r.Epoch - 2].ValidationAccuracy, r.ValidationAccuracy));

        using var regression = new Trainer(() => new TrainerLstm(), new Adam(), new TrainerOptions { BatchSize = 8, Epochs = 1, Workers = 1, ValidationFraction = 0.25 });
        Assert.All(regression.Fit(TrainerTests.RandomSequences(16, 3)).History, e => Assert.Null(e.ValidationAccuracy));
    }
}
