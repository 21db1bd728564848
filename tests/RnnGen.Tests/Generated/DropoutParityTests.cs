using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Dropout on both runtimes: with <c>Training = false</c> a model is bit for bit the model without dropout; with
/// <c>Training = true</c> and one <c>DropoutSeed</c> the generated models draw the reference runtime's masks, so their
/// outputs, losses and gradients match it (the matrix's dropout models, in whole sequences and continued chunks).
/// </summary>
public sealed class DropoutParityTests
{
    public static TheoryData<string> DropoutModels() =>
        [.. MatrixModels.All.Where(m => m.Create().Spec.Layers.Any(l => l.HasDropout)).Select(m => m.Name)];

    private static IRecurrentNetwork Create(string name) => MatrixModels.All.Single(m => m.Name == name).Create();

    private static NetworkSpec WithoutDropout(NetworkSpec spec) => new(spec.InputSize,
        spec.Layers.Select(l => l with { Dropout = 0f, RecurrentDropout = 0f }).ToArray(), spec.MaxSteps, spec.Output, spec.Loss, spec.Reduction);

    [Fact]
    public void The_matrix_has_models_with_dropout() => Assert.True(DropoutModels().Count >= 4);

    [Theory, MemberData(nameof(DropoutModels))]
    public void Generated_model_draws_the_reference_masks_and_matches_it_while_training(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        generated.InitializeParameters(5);
        reference.InitializeParameters(5);
        generated.Training = reference.Training = true;
        Assert.True(generated.Training);
        int steps = generated.MaxSteps;
        foreach (ulong seed in new ulong[] { 3, 12345 })
        {
            generated.DropoutSeed = reference.DropoutSeed = seed;
            Assert.Equal(seed, generated.DropoutSeed);
            // a pass from a new seed, then a continued chunk (same recurrent masks, new output masks)
            GeneratedParityTests.AssertSameSequence(generated, reference, GeneratedParityTests.MakeInputs(generated.Spec, steps, 7), steps, $"{name} seed {seed}");
            GeneratedParityTests.AssertSameSequence(generated, reference, GeneratedParityTests.MakeInputs(generated.Spec, steps - 2, 8), steps - 2, $"{name} seed {seed}, continued");
        }
    }

    [Theory, MemberData(nameof(DropoutModels))]
    public void With_training_off_the_outputs_and_gradients_are_those_of_the_model_without_dropout_bit_for_bit(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var net = new ReferenceNetwork(generated.Spec);   // the same network with its dropout
        var plain = new ReferenceNetwork(WithoutDropout(generated.Spec));
        generated.InitializeParameters(9);
        net.InitializeParameters(9);
        plain.InitializeParameters(9);
        int steps = generated.MaxSteps;
        GeneratedParityTests.Inputs inputs = GeneratedParityTests.MakeInputs(generated.Spec, steps, 4);
        var expected = new float[inputs.OutputSteps * generated.OutputSize];
        plain.ZeroGradients();
        GeneratedParityTests.ForwardContinue(plain, inputs, steps, expected);
        float expectedLoss = GeneratedParityTests.Backward(plain, inputs);
        // a training pass first: its masks must not leak into the next inference pass
        net.Training = true;
        net.ResetState();
        GeneratedParityTests.ForwardContinue(net, inputs, steps, new float[expected.Length]);
        net.Training = false;
        net.ResetState();
        net.ZeroGradients();
        var actual = new float[expected.Length];
        GeneratedParityTests.ForwardContinue(net, inputs, steps, actual);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedLoss, GeneratedParityTests.Backward(net, inputs));
        Assert.Equal(plain.Gradients.ToArray(), net.Gradients.ToArray());
        Assert.Equal(plain.InputGradients.ToArray(), net.InputGradients.ToArray());
    }

    [Theory, MemberData(nameof(DropoutModels))]
    public void Training_passes_with_new_masks_allocate_nothing(string name)
    {
        IRecurrentNetwork net = Create(name);
        net.InitializeParameters(3);
        net.Training = true;
        GeneratedParityTests.Inputs inputs = GeneratedParityTests.MakeInputs(net.Spec, net.MaxSteps, 7);
        var outputs = new float[inputs.OutputSteps * net.OutputSize];
        ulong seed = 0;
        void Sequence()
        {
            net.DropoutSeed = seed++;
            if (net.Spec.UsesTokens) net.Forward(inputs.Tokens, net.MaxSteps, outputs);
            else net.Forward(inputs.Floats, net.MaxSteps, outputs);
            GeneratedParityTests.Backward(net, inputs);
        }
        Sequence();
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) Sequence(); }));
    }

    [Fact]
    public void A_generated_model_with_training_off_equals_its_twin_without_dropout_bit_for_bit()
    {
        var dropout = new DropoutTwinLstm();
        var plain = new PlainTwinLstm();
        dropout.InitializeParameters(3);
        plain.InitializeParameters(3);
        Assert.Equal(plain.Parameters.ToArray(), dropout.Parameters.ToArray());
        float[] x = Numerics.Random<float>(10 * 3, 1), targets = Numerics.Random<float>(10 * 2, 2);
        float[] expected = new float[20], actual = new float[20], dropped = new float[20];
        plain.Forward(x, 10, expected);
        float expectedLoss = plain.Backward(targets);

        dropout.Training = true;
        dropout.DropoutSeed = 1;
        dropout.Forward(x, 10, dropped);
        Assert.NotEqual(expected, dropped);   // training does drop
        dropout.Training = false;
        dropout.Forward(x, 10, actual);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedLoss, dropout.Backward(targets));
        Assert.Equal(plain.Gradients.ToArray(), dropout.Gradients.ToArray());
        Assert.Equal(plain.InputGradients.ToArray(), dropout.InputGradients.ToArray());

        // streaming is inference whatever Training says; the batched kernels refuse a training pass
        dropout.Training = true;
        var step = new float[2];
        dropout.ResetState();
        plain.ResetState();
        var plainStep = new float[2];
        dropout.Step(x.AsSpan(0, 3), step);
        plain.Step(x.AsSpan(0, 3), plainStep);
        Assert.Equal(plainStep, step);
        Assert.Throws<InvalidOperationException>(() => dropout.ForwardBatch(x, 1, 10, new float[20]));
        dropout.Training = false;
        dropout.ForwardBatch(x, 1, 10, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void One_seed_gives_the_same_masks_and_a_new_sequence_new_recurrent_masks()
    {
        var net = new DropoutTwinLstm();
        net.InitializeParameters(3);
        net.Training = true;
        float[] x = Numerics.Random<float>(10 * 3, 1);
        float[] a = new float[20], b = new float[20], c = new float[20];
        net.DropoutSeed = 77;
        net.Forward(x, 10, a);
        net.DropoutSeed = 77;
        net.Forward(x, 10, b);
        Assert.Equal(a, b);
        net.Forward(x, 10, c);   // the generator goes on: other masks
        Assert.NotEqual(a, c);
    }
}

[RnnModel(InputSize = 3, MaxSteps = 10)]
[Lstm(8, Dropout = 0.3f, RecurrentDropout = 0.3f)]
[Dense(6, Activation.Tanh, Dropout = 0.2f)]
[Dense(2)]
public partial class DropoutTwinLstm;

[RnnModel(InputSize = 3, MaxSteps = 10)]
[Lstm(8)]
[Dense(6, Activation.Tanh)]
[Dense(2)]
public partial class PlainTwinLstm;
