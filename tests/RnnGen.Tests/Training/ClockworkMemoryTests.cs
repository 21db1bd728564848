using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>
/// What a clockwork layer is for: a sequence-level value far in the past. The target is the sign of the first of 96
/// inputs (the other 95 are noise of the same size), read at the last step. A Clockwork RNN(16) whose slowest group
/// (period 96) updates only at t = 0 can hold it for the whole sequence; a plain Elman RNN(16) trained the same way
/// has to carry it through 95 tanh steps and their vanishing gradients, and stays near chance.
/// </summary>
public sealed class ClockworkMemoryTests
{
    private const int Steps = 96;

    /// <summary>Sequences of <see cref="Steps"/> inputs: the first ±1 at random, the rest uniform in (−1, 1); target 1 when the first is positive.</summary>
    private static Sequence[] Data(int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        var data = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            float[] x = new float[Steps];
            for (int t = 0; t < Steps; t++) x[t] = (float)(random.NextDouble() * 2 - 1);
            x[0] = x[0] >= 0 ? 1f : -1f;
            data[i] = Sequence.FromFloats(x, Steps, [x[0] > 0 ? 1f : 0f]);
        }
        return data;
    }

    /// <summary>Trains a fresh model of <typeparamref name="TModel"/> on the task with a fixed budget; returns its held-out accuracy.</summary>
    private static double TrainedAccuracy<TModel>() where TModel : IRecurrentNetwork, new()
    {
        Sequence[] training = Data(1024, 1), test = Data(256, 2);
        var options = new TrainerOptions { BatchSize = 32, Epochs = 6, Seed = 5, Workers = 2, Shards = 2 };
        using var trainer = new Trainer(() => new TModel(), new Adam(0.01f), options);
        trainer.Fit(training);
        IRecurrentNetwork model = trainer.Model;
        var logit = new float[1];
        int correct = 0;
        foreach (Sequence s in test)
        {
            model.Forward(s.Inputs, Steps, logit);
            if (logit[0] > 0 == s.Targets![0] > 0.5f) correct++;
        }
        return (double)correct / test.Length;
    }

    [Fact]
    public void A_clockwork_layer_remembers_the_first_of_96_inputs_where_a_plain_Elman_layer_does_not()
    {
        double clockwork = TrainedAccuracy<ClockworkMemory>(), elman = TrainedAccuracy<ElmanMemory>();
        Assert.True(clockwork >= 0.95, $"the clockwork layer should learn the task: accuracy {clockwork:F3} (plain Elman {elman:F3})");
        Assert.True(elman <= 0.7, $"the plain Elman layer should stay near chance with the same budget: accuracy {elman:F3} (clockwork {clockwork:F3})");
    }
}
