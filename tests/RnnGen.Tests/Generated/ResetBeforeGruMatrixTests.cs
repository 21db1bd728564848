using RnnGen.Tests.Generated.Matrix;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The matrix's GRU models with the reset before the recurrent product (<c>[Gru(h, ResetAfter = false)]</c>): they
/// really declare it, and every generated path (Forward, Backward, ForwardBatch, Step, the many-stream Step, truncated
/// chunks, dropout while training) matches the reference runtime — the matrix's own tests, run here for these models.
/// </summary>
public sealed class ResetBeforeGruMatrixTests
{
    public static TheoryData<string> Models() =>
        [.. MatrixModels.All.Where(m => m.Create().Spec.Layers.Any(l => !l.ResetAfter)).Select(m => m.Name)];

    [Fact]
    public void The_matrix_has_reset_before_models_of_every_kind()
    {
        string[] names = [.. Models()];
        Assert.True(names.Length >= 6, string.Join(", ", names));
        Assert.False(ResetBeforeGru8.Spec.Layers[0].ResetAfter);
        Assert.True(ResetBeforeGruBi13.Spec.Layers[0].Bidirectional);
        Assert.Equal([false, true, false, true], ResetBeforeStack37Last.Spec.Layers.Select(l => l.ResetAfter));
        Assert.True(ResetBeforeTokensGru32.Spec.UsesTokens);
        Assert.True(ResetBeforeLearnedStateGru16Last.Spec.Layers[0].LearnInitialState);
        Assert.True(ResetBeforeDropoutGru12.Spec.Layers[0].HasDropout);
        Assert.Equal(2, DropoutModels().Count);
        Assert.Contains("ResetAfter = false", ResetBeforeGru13.Spec.ToString());
        // the same tensors as PyTorch's form
        Assert.Equal(ResetBeforeGru8.ParameterCount, new NetworkSpec(3, [LayerSpec.Gru(8), LayerSpec.Dense(2)], 9).ParameterCount);
    }

    [Theory, MemberData(nameof(Models))]
    public void Generated_model_matches_the_reference_runtime_on_every_path(string name)
    {
        var parity = new GeneratedParityTests();
        parity.Generated_model_matches_the_reference_runtime(name);
        parity.Fresh_sequences_start_from_the_same_initial_state_as_the_reference_runtime(name);
        parity.Streaming_steps_match_the_reference_runtime(name);
        parity.Parameters_changed_between_calls_are_used_by_the_next_step_and_forward(name);
        parity.Truncated_bptt_chunks_match_the_reference_runtime(name);
        var batched = new BatchedParityTests();
        batched.A_batch_is_bit_identical_to_its_sequences_one_at_a_time(name);
        batched.A_batch_from_the_default_state_is_bit_identical_to_forward_one_at_a_time(name);
        new ManyStreamsTests().Many_streams_at_once_match_each_stream_stepped_alone_bit_for_bit(name);
    }

    public static TheoryData<string> DropoutModels() =>
        [.. MatrixModels.All.Where(m => m.Create().Spec.Layers.Any(l => !l.ResetAfter && l.HasDropout)).Select(m => m.Name)];

    [Theory, MemberData(nameof(DropoutModels))]
    public void Generated_model_with_dropout_matches_the_reference_while_training(string name)
    {
        var dropout = new DropoutParityTests();
        dropout.Generated_model_draws_the_reference_masks_and_matches_it_while_training(name);
        dropout.With_training_off_the_outputs_and_gradients_are_those_of_the_model_without_dropout_bit_for_bit(name);
    }

    /// <summary>The generated model computes the reset-before equations, not PyTorch's: the same parameters in a
    /// ResetAfter = true reference give other outputs.</summary>
    [Fact]
    public void Generated_reset_before_model_differs_from_pytorch_form()
    {
        var generated = new ResetBeforeGru8();
        generated.InitializeParameters(4);
        NetworkSpec spec = ResetBeforeGru8.Spec;
        NetworkSpec after = new(spec.InputSize, [.. spec.Layers.Select(l => l with { ResetAfter = true })], spec.MaxSteps);
        var reference = new ReferenceNetwork(after);
        generated.Parameters.CopyTo(reference.Parameters);
        float[] x = [.. Enumerable.Range(0, 9 * 3).Select(i => MathF.Sin(i * 0.7f))];
        float[] a = new float[9 * 2], b = new float[9 * 2];
        generated.Forward(x, 9, a);
        reference.Forward(x, 9, b);
        Assert.True(a.Zip(b, (u, v) => Math.Abs(u - v)).Max() > 1e-3f);
    }
}
