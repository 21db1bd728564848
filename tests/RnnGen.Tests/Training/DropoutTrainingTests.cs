using RnnGen.Optimization;
using RnnGen.Tests.Generated;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Dropout under the Trainer: the same weights for any number of workers, training mode only during updates,
/// prediction always in inference mode, and on a small over-fitting task a lower held-out loss than without it.</summary>
public sealed class DropoutTrainingTests
{
    private static TrainerOptions Options(int workers) => new()
    {
        BatchSize = 10, Epochs = 2, Seed = 7, Workers = workers, Shards = 4, ValidationFraction = 0.2,
    };

    [Fact]
    public void Weights_with_dropout_are_bit_identical_whatever_the_number_of_workers()
    {
        Sequence[] data = TrainerTests.RandomSequences(43, 3, 3, 10);
        var runtimes = new (Func<IRecurrentNetwork> Dropout, Func<IRecurrentNetwork> Plain)[]
        {
            (() => new DropoutTwinLstm(), () => new PlainTwinLstm()),
            (() => new ReferenceNetwork(DropoutTwinLstm.Spec), () => new ReferenceNetwork(PlainTwinLstm.Spec)),
        };
        foreach (var (factory, plainFactory) in runtimes)
        {
            float[]? first = null;
            TrainingResult? firstResult = null;
            foreach (int workers in new[] { 1, 2 })
            {
                using var trainer = new Trainer(factory, new Adam(0.01f), Options(workers));
                TrainingResult result = trainer.Fit(data);
                Assert.False(trainer.Model.Training);
                float[] weights = trainer.Model.Parameters.ToArray();
                if (first is null) { first = weights; firstResult = result; continue; }
                Assert.Equal(first, weights);
                Assert.Equal(firstResult!.History, result.History);
            }
            // the masks did act: the same run without dropout ends elsewhere
            using var plain = new Trainer(plainFactory, new Adam(0.01f), Options(1));
            plain.Fit(data);
            Assert.NotEqual(first, plain.Model.Parameters.ToArray());
        }
    }

    [Fact]
    public void Stream_training_with_dropout_is_bit_identical_whatever_the_number_of_workers()
    {
        int[] tokens = Enumerable.Range(0, 6 * 40 + 1).Select(i => (i * 5 + i / 3) % 7).ToArray();
        float[]? first = null;
        foreach (int workers in new[] { 1, 2 })
        {
            using var trainer = new Trainer(() => new DropoutCharModel(), new Adam(0.01f), new TrainerOptions
            {
                BatchSize = 6, Epochs = 2, TbpttK1 = 6, TbpttK2 = 9, Workers = workers, Shards = 3, Seed = 2,
            });
            trainer.FitStream(SequenceStream.NextToken(tokens));
            if (first is null) first = trainer.Model.Parameters.ToArray();
            else Assert.Equal(first, trainer.Model.Parameters.ToArray());
        }
    }

    [Fact]
    public void Predict_runs_in_inference_mode_and_restores_training()
    {
        var model = new DropoutTwinLstm();
        model.InitializeParameters(4);
        Sequence[] data = TrainerTests.RandomSequences(5, 9, 3, 10);
        var expected = new float[data.Length][];
        for (int i = 0; i < data.Length; i++)
        {
            expected[i] = new float[data[i].Steps * DropoutTwinLstm.OutputSize];
            model.Forward(data[i].Inputs, data[i].Steps, expected[i]);
        }
        model.Training = true;
        IReadOnlyList<float[]> predicted = model.Predict(data);
        Assert.True(model.Training);
        for (int i = 0; i < data.Length; i++) Assert.Equal(expected[i], predicted[i]);
    }

    /// <summary>y = 0.5·Σ_t x₀(t)/T plus noise: few examples, a wide network, many updates — the network learns the noise.</summary>
    private static Sequence[] NoisyTask(int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var data = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            const int steps = 8;
            float[] x = new float[steps * 4];
            double sum = 0;
            for (int k = 0; k < x.Length; k++) x[k] = (float)(random.NextDouble() * 2 - 1);
            for (int t = 0; t < steps; t++) sum += x[t * 4];
            data[i] = Sequence.FromFloats(x, steps, [(float)(0.5 * sum / steps + 0.5 * random.NextNormal())]);
        }
        return data;
    }

    [Fact]
    public void Dropout_lowers_the_held_out_loss_of_an_over_fitting_network_at_equal_updates()
    {
        Sequence[] training = NoisyTask(24, 1), heldOut = NoisyTask(400, 2);
        double Fit(Func<IRecurrentNetwork> factory)
        {
            using var trainer = new Trainer(factory, new Adam(0.01f), new TrainerOptions { BatchSize = 8, Epochs = 150, Seed = 3, Workers = 1, Shards = 1 });
            trainer.Fit(training);
            return trainer.Evaluate(heldOut);
        }
        double plain = Fit(() => new OverfitPlain()), dropout = Fit(() => new OverfitDropout());
        Assert.True(dropout < plain, $"held-out loss with dropout {dropout}, without {plain}");
    }
}

[RnnModel(MaxSteps = 16, Loss = LossKind.CrossEntropy)]
[Embedding(7, 5, Dropout = 0.1f)]
[Gru(12, Dropout = 0.2f, RecurrentDropout = 0.3f)]
[Dense(7)]
public partial class DropoutCharModel;

[RnnModel(InputSize = 4, MaxSteps = 8, Output = OutputMode.LastStep)]
[Lstm(32, Dropout = 0.5f, RecurrentDropout = 0.25f)]
[Dense(32, Activation.Tanh, Dropout = 0.5f)]
[Dense(1)]
public partial class OverfitDropout;

[RnnModel(InputSize = 4, MaxSteps = 8, Output = OutputMode.LastStep)]
[Lstm(32)]
[Dense(32, Activation.Tanh)]
[Dense(1)]
public partial class OverfitPlain;
