using RnnGen.Tests.Generated.Matrix;

namespace RnnGen.Tests.Generated;

/// <summary>
/// <c>ForwardBatch</c>/<c>BackwardBatch</c> of every matrix model against the same sequences run one at a time:
/// outputs, final states, the summed loss, every parameter gradient and slot 0's input gradients must be
/// bit-identical (the batched kernels only reorder which vector a loaded weight block serves).
/// </summary>
public sealed class BatchedParityTests
{
    public static TheoryData<string> Models() => [.. MatrixModels.All.Select(m => m.Name)];

    [Theory, MemberData(nameof(Models))]
    public void A_batch_is_bit_identical_to_its_sequences_one_at_a_time(string name)
    {
        var batched = (IBatchedNetwork)MatrixModels.All.Single(m => m.Name == name).Create();
        var single = (IBatchedNetwork)MatrixModels.All.Single(m => m.Name == name).Create();
        NetworkSpec spec = batched.Spec;
        batched.InitializeParameters(5);
        batched.Parameters.CopyTo(single.Parameters);
        int batch = Math.Min(batched.BatchTile, 3);
        Assert.True(batched.BatchTile >= 2, $"BatchTile {batched.BatchTile}");
        foreach (int steps in new[] { spec.MaxSteps, Math.Max(1, spec.MaxSteps / 2) })
        {
            var inputs = Enumerable.Range(0, batch).Select(b => GeneratedParityTests.MakeInputs(spec, steps, 100 * steps + b)).ToArray();
            int outputSteps = inputs[0].OutputSteps, o = spec.OutputSize, s = spec.StateSize;

            // One at a time, from the given initial states, gradients accumulated in order.
            single.ZeroGradients();
            float[] expectedOutputs = new float[batch * outputSteps * o], expectedFinal = new float[batch * s];
            float expectedLoss = 0;
            float[]? expectedInputGradients = null;
            for (int b = 0; b < batch; b++)
            {
                inputs[b].InitialState.CopyTo(single.CurrentState);
                GeneratedParityTests.ForwardContinue(single, inputs[b], steps, expectedOutputs.AsSpan(b * outputSteps * o, outputSteps * o));
                single.CurrentState.CopyTo(expectedFinal.AsSpan(b * s, s));
                expectedLoss += GeneratedParityTests.Backward(single, inputs[b]);
                if (b == 0) expectedInputGradients = single.InputGradients.ToArray();
            }

            batched.ZeroGradients();
            float[] outputs = new float[expectedOutputs.Length], final = new float[expectedFinal.Length];
            float[] initial = inputs.SelectMany(i => i.InitialState).ToArray();
            if (spec.UsesTokens) batched.ForwardBatch(inputs.SelectMany(i => i.Tokens.Take(steps)).ToArray(), batch, steps, outputs, initial, final);
            else batched.ForwardBatch(inputs.SelectMany(i => i.Floats.Take(steps * spec.InputSize)).ToArray(), batch, steps, outputs, initial, final);
            float loss = spec.Loss == LossKind.CrossEntropy
                ? batched.BackwardBatch(inputs.SelectMany(i => i.ClassIds).ToArray())
                : batched.BackwardBatch(inputs.SelectMany(i => i.Targets).ToArray());

            Assert.Equal(expectedOutputs, outputs);
            Assert.Equal(expectedFinal, final);
            Assert.Equal(expectedLoss, loss);
            Assert.Equal(single.Gradients.ToArray(), batched.Gradients.ToArray());
            Assert.Equal(expectedInputGradients, batched.InputGradients.ToArray());
        }
    }

    /// <summary>Without initial states a batch starts every sequence at the initial state (the learned one, randomised
    /// here, where a layer learns it), like Forward one at a time, and learns it the same way.</summary>
    [Theory, MemberData(nameof(Models))]
    public void A_batch_from_the_default_state_is_bit_identical_to_forward_one_at_a_time(string name)
    {
        var batched = (IBatchedNetwork)MatrixModels.All.Single(m => m.Name == name).Create();
        var single = (IBatchedNetwork)MatrixModels.All.Single(m => m.Name == name).Create();
        NetworkSpec spec = batched.Spec;
        GeneratedParityTests.Initialize(batched, 6);
        batched.Parameters.CopyTo(single.Parameters);
        int batch = Math.Min(batched.BatchTile, 3), steps = spec.MaxSteps;
        var inputs = Enumerable.Range(0, batch).Select(b => GeneratedParityTests.MakeInputs(spec, steps, 7 + b)).ToArray();
        int outputSteps = inputs[0].OutputSteps, o = spec.OutputSize, s = spec.StateSize;
        single.ZeroGradients();
        float[] expectedOutputs = new float[batch * outputSteps * o], expectedFinal = new float[batch * s];
        float expectedLoss = 0;
        for (int b = 0; b < batch; b++)
        {
            GeneratedParityTests.Forward(single, inputs[b], steps, expectedOutputs.AsSpan(b * outputSteps * o, outputSteps * o));
            single.CurrentState.CopyTo(expectedFinal.AsSpan(b * s, s));
            expectedLoss += GeneratedParityTests.Backward(single, inputs[b]);
        }
        batched.ZeroGradients();
        float[] outputs = new float[expectedOutputs.Length], final = new float[expectedFinal.Length];
        if (spec.UsesTokens) batched.ForwardBatch(inputs.SelectMany(i => i.Tokens).ToArray(), batch, steps, outputs, default, final);
        else batched.ForwardBatch(inputs.SelectMany(i => i.Floats).ToArray(), batch, steps, outputs, default, final);
        float loss = spec.Loss == LossKind.CrossEntropy
            ? batched.BackwardBatch(inputs.SelectMany(i => i.ClassIds).ToArray())
            : batched.BackwardBatch(inputs.SelectMany(i => i.Targets).ToArray());
        Assert.Equal(expectedOutputs, outputs);
        Assert.Equal(expectedFinal, final);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(single.Gradients.ToArray(), batched.Gradients.ToArray());
    }

    [Fact]
    public void Batch_calls_check_their_sizes_and_order()
    {
        var model = (IBatchedNetwork)MatrixModels.All.First(m => !m.Create().Spec.UsesTokens).Create();
        int steps = 2, n = model.InputSize;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardBatch(new float[steps * n * 99], 99, steps, new float[1], default, default));
        Assert.Contains("(BatchTile)", error.Message);
        int outputSteps = model.Spec.Output == OutputMode.LastStep ? 1 : steps;
        var inputs = new float[2 * steps * n];
        var outputs = new float[2 * outputSteps * model.OutputSize];
        Assert.Contains("expected " + 2 * model.StateSize, Assert.Throws<ArgumentException>(() => model.ForwardBatch(inputs, 2, steps, outputs, new float[1], default)).Message);
        Assert.Contains("expected " + 2 * steps * n, Assert.Throws<ArgumentException>(() => model.ForwardBatch(new float[3], 2, steps, outputs, default, default)).Message);
        model.ForwardBatch(inputs, 2, steps, outputs, default, default);
        var message = Assert.Throws<InvalidOperationException>(() =>
        {
            if (model.Spec.Loss == LossKind.CrossEntropy) model.Backward(new int[outputSteps]); else model.Backward(new float[outputSteps * model.OutputSize]);
        }).Message;
        Assert.Contains("call BackwardBatch", message);
    }
}
