using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

public sealed class ReferenceNetworkTests
{
    private static readonly NetworkSpec Lstm = new(3, [LayerSpec.Lstm(5), LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Tanh)], 12);

    private static ReferenceNetwork Create(NetworkSpec spec, int seed = 1)
    {
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(seed);
        return net;
    }

    [Fact]
    public void Stepping_one_input_at_a_time_equals_forward_over_the_sequence()
    {
        ReferenceNetwork net = Create(Lstm);
        float[] inputs = Numerics.Random<float>(10 * 3, 2);
        var sequence = new float[10 * 2];
        net.Forward(inputs, 10, sequence);
        float[] finalState = net.CurrentState.ToArray();

        net.ResetState();
        var stepped = new float[10 * 2];
        for (int t = 0; t < 10; t++) net.Step(inputs.AsSpan(t * 3, 3), stepped.AsSpan(t * 2, 2));
        Assert.Equal(sequence, stepped);
        Assert.Equal(finalState, net.CurrentState.ToArray());
    }

    [Fact]
    public void Forward_starts_from_zero_state_and_forward_continue_from_the_carried_state()
    {
        ReferenceNetwork net = Create(Lstm);
        float[] inputs = Numerics.Random<float>(4 * 3, 3);
        var a = new float[8];
        var b = new float[8];
        net.Forward(inputs, 4, a);
        net.Forward(inputs, 4, b);
        Assert.Equal(a, b);                 // independent sequences
        net.ForwardContinue(inputs, 4, b);
        Assert.NotEqual(a, b);              // carried state changes the result
    }

    [Fact]
    public void Truncated_bptt_chunks_reproduce_the_full_forward_and_stop_the_gradient_at_the_edge()
    {
        ReferenceNetwork full = Create(Lstm), chunked = Create(Lstm), fresh = Create(Lstm);
        float[] inputs = Numerics.Random<float>(12 * 3, 4);
        float[] targets = Numerics.Random<float>(12 * 2, 5);
        var whole = new float[12 * 2];
        full.Forward(inputs, 12, whole);

        var parts = new float[12 * 2];
        chunked.Forward(inputs.AsSpan(0, 6 * 3), 6, parts.AsSpan(0, 12));
        float[] edge = chunked.CurrentState.ToArray();
        chunked.ForwardContinue(inputs.AsSpan(6 * 3), 6, parts.AsSpan(12));
        Assert.Equal(whole, parts);

        // The second chunk's gradient is that of a network started from the edge state: nothing flows into chunk 1.
        float lossChunk = chunked.Backward(targets.AsSpan(12));
        edge.CopyTo(fresh.CurrentState);
        fresh.ForwardContinue(inputs.AsSpan(6 * 3), 6, new float[12]);
        float lossFresh = fresh.Backward(targets.AsSpan(12));
        Assert.Equal(lossFresh, lossChunk);
        Assert.Equal(fresh.Gradients.ToArray(), chunked.Gradients.ToArray());
        Assert.Equal(fresh.InitialStateGradients.ToArray(), chunked.InitialStateGradients.ToArray());
        Assert.Contains(chunked.InitialStateGradients.ToArray(), g => g != 0f);
    }

    [Fact]
    public void Backward_accumulates_until_zero_gradients()
    {
        ReferenceNetwork net = Create(Lstm);
        float[] inputs = Numerics.Random<float>(5 * 3, 6);
        float[] targets = Numerics.Random<float>(5 * 2, 7);
        net.Forward(inputs, 5, new float[10]);
        net.Backward(targets);
        float[] once = net.Gradients.ToArray();
        net.Backward(targets);
        Numerics.AssertClose<float, float>(once.Select(g => 2 * g).ToArray(), net.Gradients, "twice accumulated");
        net.ZeroGradients();
        Assert.All(net.Gradients.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Wrong_sizes_name_expected_and_actual()
    {
        ReferenceNetwork net = Create(Lstm);
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[7], 3, new float[6]));
        Assert.Contains("inputs has 7 elements; expected 9", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Forward(new float[9], 3, new float[5]));
        Assert.Contains("outputs has 5 elements; expected 6", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward(new float[39], 13, new float[26]));
        Assert.Contains("expected 1..12", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Step(new float[2], new float[2]));
        Assert.Contains("expected 3", e.Message);
        net.Forward(new float[9], 3, new float[6]);
        e = Assert.Throws<ArgumentException>(() => net.Backward(new float[4]));
        Assert.Contains("targets has 4 elements; expected 6", e.Message);
        Assert.Throws<InvalidOperationException>(() => net.Backward(new int[3]));
        Assert.Throws<InvalidOperationException>(() => net.Forward(new int[3], 3, new float[6]));
        Assert.Throws<InvalidOperationException>(() => Create(Lstm).Backward(new float[6]));
    }

    [Fact]
    public void Token_models_check_ids_and_class_ids()
    {
        var spec = new NetworkSpec(0, [LayerSpec.Embedding(7, 3), LayerSpec.Gru(4), LayerSpec.Dense(5)], 6, OutputMode.LastStep, LossKind.CrossEntropy);
        ReferenceNetwork net = Create(spec);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward([1, 7, 2], 3, new float[5]));
        Assert.Contains("tokens[1] = 7; expected 0..6", e.Message);
        Assert.Throws<InvalidOperationException>(() => net.Forward(new float[3], 3, new float[5]));
        net.Forward([1, 6, 2], 3, new float[5]);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Backward([5]));
        Assert.Throws<ArgumentException>(() => net.Backward([1, 2]));
        Assert.Throws<InvalidOperationException>(() => net.Backward(new float[5]));
        float loss = net.Backward([4]);
        Assert.True(loss > 0);
        Assert.True(net.InputGradients.IsEmpty);
        var outputs = new float[5];
        net.ResetState();
        net.Step(3, outputs);
        Assert.All(outputs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Softmax_outputs_are_distributions_while_cross_entropy_reads_the_logits()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Rnn(4), LayerSpec.Dense(3, Activation.Softmax)], 4, loss: LossKind.CrossEntropy);
        ReferenceNetwork net = Create(spec);
        var outputs = new float[4 * 3];
        net.Forward(Numerics.Random<float>(8, 1), 4, outputs);
        for (int t = 0; t < 4; t++) Assert.Equal(1f, outputs.AsSpan(t * 3, 3).ToArray().Sum(), 5);
        int[] ids = [0, 2, 1, 1];
        float loss = net.Backward(ids);
        double expected = Enumerable.Range(0, 4).Average(t => -Math.Log(outputs[t * 3 + ids[t]]));
        Assert.Equal(expected, loss, 5);
    }

    [Fact]
    public void Steady_state_calls_allocate_nothing()
    {
        ReferenceNetwork net = Create(Lstm);
        float[] inputs = Numerics.Random<float>(12 * 3, 8);
        float[] targets = Numerics.Random<float>(12 * 2, 9);
        var outputs = new float[24];
        var step = new float[2];
        void Work()
        {
            net.Forward(inputs, 12, outputs);
            net.Backward(targets);
            for (int t = 0; t < 12; t++) net.Step(inputs.AsSpan(t * 3, 3), step);
        }
        Work();
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) Work(); }));

        var tokenNet = Create(new NetworkSpec(0, [LayerSpec.Embedding(7, 3), LayerSpec.Lstm(4), LayerSpec.Dense(7)], 6, loss: LossKind.CrossEntropy));
        int[] tokens = [1, 2, 3, 4, 5, 6];
        var logits = new float[6 * 7];
        void TokenWork()
        {
            tokenNet.Forward(tokens, 6, logits);
            tokenNet.Backward(tokens);
            tokenNet.Step(3, logits.AsSpan(0, 7));
        }
        TokenWork();
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) TokenWork(); }));
    }

    [Fact]
    public void The_float_network_is_usable_through_the_shared_interface()
    {
        IRecurrentNetwork net = Create(Lstm);
        Assert.Equal(3, net.InputSize);
        Assert.Equal(2, net.OutputSize);
        Assert.Equal(Lstm.ParameterCount, net.Parameters.Length);
        Assert.Equal(Lstm.StateSize, net.CurrentState.Length);
    }
}
