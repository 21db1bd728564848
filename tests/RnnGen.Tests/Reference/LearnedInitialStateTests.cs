using RnnGen.Optimization;
using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Reference;

/// <summary>
/// <c>LearnInitialState</c>: h(0) (and c(0)) of each direction are parameters <c>initial_h_l0</c>, <c>initial_c_l0</c>
/// (<c>_reverse</c> for the reverse direction), starting at zero, used wherever a sequence starts from the default
/// state and learned by Backward; a state the caller gives wins. The gradients are checked in GradientCheckTests
/// (finite differences) and against PyTorch's h0/c0 in PyTorchParityTests.
/// </summary>
public sealed class LearnedInitialStateTests
{
    private static LayerSpec Learned(LayerSpec layer) => layer with { LearnInitialState = true };

    [Fact]
    public void Json_omits_the_field_when_false_and_round_trips_it_when_true()
    {
        var plain = new NetworkSpec(2, [LayerSpec.Gru(4), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.DoesNotContain("initial", plain.ToJson(), StringComparison.OrdinalIgnoreCase);
        var spec = new NetworkSpec(2, [Learned(LayerSpec.Gru(4)), LayerSpec.Dense(1)], maxSteps: 4);
        Assert.Contains("\"learnInitialState\":true", spec.ToJson());
        NetworkSpec back = NetworkSpec.FromJson(spec.ToJson());
        Assert.Equal(spec, back);
        Assert.True(back.Layers[0].LearnInitialState);
    }

    [Fact]
    public void The_tensors_come_last_in_each_direction_and_start_at_zero()
    {
        var spec = new NetworkSpec(3, [Learned(LayerSpec.Lstm(5, bidirectional: true)), LayerSpec.Dense(2)], maxSteps: 4);
        var plain = new NetworkSpec(3, [LayerSpec.Lstm(5, bidirectional: true), LayerSpec.Dense(2)], maxSteps: 4);
        ParameterLayout layout = spec.ParameterLayout;
        foreach (string name in new[] { "initial_h_l0", "initial_c_l0", "initial_h_l0_reverse", "initial_c_l0_reverse" })
            Assert.Equal([5], layout["layers.0." + name].Shape);
        Assert.Equal(layout["layers.0.bias_hh_l0"].Offset + 20, layout["layers.0.initial_h_l0"].Offset);
        Assert.Equal(layout["layers.0.initial_c_l0"].Offset + 5, layout["layers.0.weight_ih_l0_reverse"].Offset);
        Assert.Equal(plain.ParameterCount + 20, spec.ParameterCount);

        // Zero, and drawing nothing from the stream: every other tensor is what the plain model gets from the seed.
        var net = new ReferenceNetwork(spec);
        var twin = new ReferenceNetwork(plain);
        net.InitializeParameters(3);
        twin.InitializeParameters(3);
        foreach (ParameterTensor t in layout)
        {
            if (t.Name.Contains(".initial_", StringComparison.Ordinal)) Assert.All(net.Parameter(t.Name).ToArray(), v => Assert.Equal(0f, v));
            else if (t.Name.EndsWith("_l0", StringComparison.Ordinal)) Assert.Equal(twin.Parameter(t.Name).ToArray(), net.Parameter(t.Name).ToArray());
        }
    }

    [Theory]
    [InlineData("reservoir")]
    [InlineData("skip")]
    [InlineData("dense")]
    public void Layers_that_cannot_learn_their_initial_state_are_refused(string which)
    {
        LayerSpec layer = which switch
        {
            "reservoir" => LayerSpec.Reservoir(6) with { LearnInitialState = true },
            "skip" => Learned(LayerSpec.Rnn(4, Activation.Tanh, false, 0f, skipDelay: 3)),
            _ => Learned(LayerSpec.Dense(3)),
        };
        var e = Assert.Throws<ArgumentException>(() => new NetworkSpec(2, [layer, LayerSpec.Dense(1)], maxSteps: 4));
        Assert.Contains("LearnInitialState", e.Message);
        Assert.Contains(which == "skip" ? "Remove SkipDelay or LearnInitialState" : "Set", e.Message);
    }

    [Fact]
    public void Explicit_states_win_and_a_reverse_direction_starts_at_its_learned_state_at_the_last_step()
    {
        var spec = new NetworkSpec(1, [Learned(LayerSpec.Rnn(2, Activation.Tanh, bidirectional: true))], maxSteps: 3);
        var net = new ReferenceNetwork(spec);
        net.Parameter("layers.0.initial_h_l0").Fill(0.5f);
        net.Parameter("layers.0.initial_h_l0_reverse").Fill(-0.25f);
        net.Parameter("layers.0.weight_hh_l0").Fill(0f);
        net.Parameter("layers.0.weight_hh_l0_reverse").Fill(1f);
        var outputs = new float[3 * 4];
        net.Forward(new float[3], 3, outputs);
        // Zero inputs, weights and biases forward: h(t) = 0. Reverse: h = tanh(W_hh·h), starting at the last step from −0.25.
        Assert.Equal([0f, 0f], outputs.AsSpan(0, 2).ToArray());
        float last = MathF.Tanh(2 * -0.25f);
        Assert.Equal(last, outputs[2 * 4 + 2], 6);
        Assert.Equal(MathF.Tanh(2 * MathF.Tanh(2 * last)), outputs[2], 6);

        // A state the caller gives is used instead, and the learned ones get no gradient.
        net.CurrentState.Clear();
        net.ForwardContinue(new float[3], 3, outputs);
        Assert.All(outputs, v => Assert.Equal(0f, v));
        net.ZeroGradients();
        net.Backward(Enumerable.Repeat(1f, 12).ToArray());
        Assert.All(net.Gradient("layers.0.initial_h_l0_reverse").ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Generated_streams_reset_to_the_learned_state()
    {
        var model = new LearnedStateRnnLeaky8();
        model.InitializeParameters(2);
        Numerics.Random<float>(8, 5, 0.8).CopyTo(model.Parameters.Slice(LearnedStateRnnLeaky8.Spec.ParameterLayout["layers.0.initial_h_l0"].Offset, 8));
        var states = new LearnedStateRnnLeaky8.State[3];
        model.ResetState(states);
        model.ResetState();
        float[] initial = model.CurrentState.ToArray();
        Assert.Contains(initial, v => v != 0f);
        foreach (LearnedStateRnnLeaky8.State s in states)
        {
            LearnedStateRnnLeaky8.State copy = s;
            Assert.Equal(initial, LearnedStateRnnLeaky8.Values(ref copy).ToArray());
        }
        float[] inputs = Numerics.Random<float>(3 * 3, 8);
        var many = new float[3 * 2];
        model.Step(states, inputs, many);
        var one = new float[2];
        for (int i = 0; i < 3; i++)
        {
            model.ResetState();
            model.Step(inputs.AsSpan(i * 3, 3), one);
            Assert.Equal(one, many.AsSpan(i * 2, 2).ToArray());
        }
    }

    [Fact]
    public void The_trainer_learns_the_initial_state_and_predict_starts_from_it()
    {
        // The target at the first step is reachable only through h(0): inputs are zero and W_ih cannot help.
        var data = Enumerable.Range(0, 8).Select(_ => Sequence.FromFloats(new float[3 * 3], 3, [0.9f, 0f, 0f, 0f, 0f, 0f])).ToList();
        using var trainer = new Trainer(() => new LearnedStateRnnLeaky8(), new Adam(0.05f), new TrainerOptions { BatchSize = 4, Epochs = 20, Shuffle = false, Workers = 1, Seed = 3 });
        trainer.Fit(data);
        IRecurrentNetwork model = trainer.Model;
        Assert.Contains(model.Parameters.Slice(model.Spec.ParameterLayout["layers.0.initial_h_l0"].Offset, 8).ToArray(), v => v != 0f);
        var fresh = new float[3 * 2];
        model.Forward(new float[3 * 3], 3, fresh);
        Assert.Equal(fresh, model.Predict(data.Take(1).ToList())[0]);
    }
}
