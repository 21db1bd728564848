using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Stacked unidirectional layers, every step's output: tiles run in chunks from state to state.</summary>
[RnnModel(InputSize = 3, MaxSteps = 40)]
[Lstm(8)]
[Gru(5)]
[Dense(4)]
public partial class PredictStackedEvery;

/// <summary>A token classifier, last step's output.</summary>
[RnnModel(MaxSteps = 40, Loss = LossKind.CrossEntropy, Output = OutputMode.LastStep)]
[Embedding(11, 4)]
[Gru(6)]
[Dense(3, Activation.Softmax)]
public partial class PredictTokenLast;

/// <summary>A bidirectional layer: tiles hold sequences of one length.</summary>
[RnnModel(InputSize = 2, MaxSteps = 40, Output = OutputMode.LastStep)]
[Rnn(5, Bidirectional = true)]
[Dense(2)]
public partial class PredictBidirectionalLast;

/// <summary><see cref="Prediction.Predict(IRecurrentNetwork, IReadOnlyList{Sequence})"/> and its token overload: any
/// number of sequences of any lengths, bit-identical to one <c>Forward</c> per sequence.</summary>
public sealed class PredictionTests
{
    private static readonly (string Name, Func<IRecurrentNetwork> Create)[] Local =
    [
        ("PredictStackedEvery", () => new PredictStackedEvery()),
        ("PredictTokenLast", () => new PredictTokenLast()),
        ("PredictBidirectionalLast", () => new PredictBidirectionalLast()),
    ];

    private static IRecurrentNetwork Create(string name) => Local.Concat(MatrixModels.All).Single(m => m.Name == name).Create();

    public static TheoryData<string> Models() => [.. Local.Concat(MatrixModels.All).Select(m => m.Name)];

    public static TheoryData<string> LocalModels() => [.. Local.Select(m => m.Name)];

    /// <summary><paramref name="count"/> sequences of random lengths 1 … min(40, MaxSteps), with targets of the model's kind.</summary>
    private static Sequence[] MakeSequences(IRecurrentNetwork model, int count, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        int longest = Math.Min(40, model.MaxSteps), vocabulary = model.Spec.UsesTokens ? model.Spec.Layers[0].Vocabulary : 0;
        var sequences = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int steps = 1 + random.NextInt(longest);
            int[] classIds = new int[model.Spec.Output == OutputMode.LastStep ? 1 : steps];
            sequences[i] = vocabulary > 0
                ? Sequence.FromTokens(Enumerable.Range(0, steps).Select(_ => random.NextInt(vocabulary)).ToArray(), classIds)
                : Sequence.FromFloats(Numerics.Random<float>(steps * model.InputSize, seed * 1000 + i), steps, classIds);
        }
        return sequences;
    }

    /// <summary>Each sequence alone, through the normal <c>Forward</c>.</summary>
    private static float[][] OneAtATime(IRecurrentNetwork model, IReadOnlyList<Sequence> sequences)
    {
        var outputs = new float[sequences.Count][];
        for (int i = 0; i < sequences.Count; i++)
        {
            Sequence s = sequences[i];
            outputs[i] = new float[(model.Spec.Output == OutputMode.LastStep ? 1 : s.Steps) * model.OutputSize];
            if (s.Tokens is not null) model.Forward(s.Tokens, s.Steps, outputs[i]);
            else model.Forward(s.Inputs, s.Steps, outputs[i]);
        }
        return outputs;
    }

    private static void AssertBitIdentical(float[][] expected, IReadOnlyList<float[]> actual, string label)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].Length == actual[i].Length, $"{label}: sequence {i} has {actual[i].Length} outputs; expected {expected[i].Length}");
            for (int j = 0; j < expected[i].Length; j++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i][j]) == BitConverter.SingleToInt32Bits(actual[i][j]),
                    $"{label}: sequence {i} output {j} is {actual[i][j]:R}; expected {expected[i][j]:R}");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void Generated_predictions_are_bit_identical_to_one_forward_per_sequence(string name)
    {
        IRecurrentNetwork model = Create(name), single = Create(name);
        Assert.True(((IBatchedNetwork)model).BatchTile >= 2);
        model.InitializeParameters(11);
        model.Parameters.CopyTo(single.Parameters);
        float[] carried = Numerics.Random<float>(model.StateSize, 5);
        for (int count = 1; count <= 37; count++)   // every remainder of the batch tile, several times
        {
            Sequence[] sequences = MakeSequences(model, count, 100 + count);
            carried.CopyTo(model.CurrentState);
            IReadOnlyList<float[]> predicted = model.Predict(sequences);
            Assert.Equal(carried, model.CurrentState.ToArray());   // the carried state is left as it was
            float[][] expected = OneAtATime(single, sequences);
            AssertBitIdentical(expected, predicted, $"{name}, {count} sequences");
            if (model.Spec.UsesTokens)
                AssertBitIdentical(expected, model.Predict(sequences.Select(s => s.Tokens!).ToArray()), $"{name}, {count} token sequences");
        }
    }

    [Theory, MemberData(nameof(LocalModels))]
    public void Reference_predictions_are_bit_identical_to_one_forward_per_sequence_and_match_the_generated_model(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        var single = new ReferenceNetwork(generated.Spec);
        generated.InitializeParameters(4);
        generated.Parameters.CopyTo(reference.Parameters);
        generated.Parameters.CopyTo(single.Parameters);
        foreach (int count in new[] { 1, 8, 9, 23 })
        {
            Sequence[] sequences = MakeSequences(reference, count, 7 + count);
            IReadOnlyList<float[]> predicted = reference.Predict(sequences);
            AssertBitIdentical(OneAtATime(single, sequences), predicted, $"reference {name}, {count} sequences");
            if (reference.Spec.UsesTokens)
                AssertBitIdentical([.. predicted], reference.Predict(sequences.Select(s => s.Tokens!).ToArray()), $"reference {name}, {count} token sequences");
            IReadOnlyList<float[]> batched = generated.Predict(sequences);
            for (int i = 0; i < count; i++) Numerics.AssertClose<float, float>(predicted[i], batched[i], $"{name} sequence {i}");
        }
    }

    [Fact]
    public void Outputs_follow_the_output_mode()
    {
        var every = new PredictStackedEvery();
        every.InitializeParameters(1);
        Sequence[] sequences = MakeSequences(every, 5, 3);
        IReadOnlyList<float[]> outputs = every.Predict(sequences);
        for (int i = 0; i < sequences.Length; i++) Assert.Equal(sequences[i].Steps * PredictStackedEvery.OutputSize, outputs[i].Length);

        var last = new PredictTokenLast();
        last.InitializeParameters(1);
        Assert.All(last.Predict([[1, 2, 3], [4], [5, 6]]), o => Assert.Equal(PredictTokenLast.OutputSize, o.Length));
        Assert.Empty(last.Predict(Array.Empty<int[]>()));
        Assert.Empty(last.Predict(Array.Empty<Sequence>()));
    }

    [Fact]
    public void Misuse_names_the_sequence_and_the_expected_and_actual_sizes()
    {
        var floats = new PredictStackedEvery();
        var tokens = new PredictTokenLast();
        int[] ids = [0];
        Assert.Throws<ArgumentNullException>(() => floats.Predict((IReadOnlyList<Sequence>)null!));
        Assert.Throws<ArgumentNullException>(() => tokens.Predict((IReadOnlyList<int[]>)null!));

        string Message(Action action) => Assert.Throws<ArgumentException>(action).Message;
        Sequence ok = Sequence.FromFloats(new float[6], 2, new float[8]);
        Assert.Contains("sequences[1] is null", Message(() => floats.Predict([ok, null!])));
        Assert.Contains("sequences[1].Inputs has 5 elements; expected 6", Message(() => floats.Predict([ok, Sequence.FromFloats(new float[5], 2, new float[8])])));
        Assert.Contains("sequences[0] has 41 steps; expected at most 40 (MaxSteps)", Message(() => floats.Predict([Sequence.FromFloats(new float[123], 41, new float[1])])));
        Assert.Contains("sequences[0] has token ids", Message(() => floats.Predict([Sequence.FromTokens(ids, ids)])));
        Assert.Contains("sequences[0] has float inputs", Message(() => tokens.Predict([ok])));
        Assert.Contains("sequences[0] has token 11 at step 1; expected 0..10", Message(() => tokens.Predict([Sequence.FromTokens([3, 11], ids)])));
        Assert.Contains("reads 3 floats per step", Message(() => floats.Predict([ids])));

        Assert.Contains("tokenSequences[2] is empty; expected 1..40 tokens", Message(() => tokens.Predict([ids, ids, []])));
        Assert.Contains("tokenSequences[1] is null", Message(() => tokens.Predict([ids, null!])));
        Assert.Contains("tokenSequences[0] has 41 steps; expected at most 40 (MaxSteps)", Message(() => tokens.Predict([new int[41]])));
        Assert.Contains("tokenSequences[1] has token -1 at step 0; expected 0..10", Message(() => tokens.Predict([ids, [-1]])));
    }

    /// <summary>The workspace is sized once per call: sequences of many lengths (a ForwardBatch per length) allocate
    /// exactly as much as sequences of one length, with the same count and the same longest sequence.</summary>
    [Fact]
    public void Allocations_do_not_depend_on_the_number_of_chunks()
    {
        var model = new PredictTokenLast();
        model.InitializeParameters(2);
        int[][] oneLength = [.. Enumerable.Range(0, 16).Select(i => Enumerable.Repeat(i % 11, 40).ToArray())];
        int[][] manyLengths = [.. Enumerable.Range(0, 16).Select(i => Enumerable.Repeat(i % 11, i == 0 ? 40 : 1 + 2 * i).ToArray())];
        long one = Allocations.SteadyState(() => model.Predict(oneLength));
        long many = Allocations.SteadyState(() => model.Predict(manyLengths));
        Assert.Equal(one, many);
    }
}
