using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Reference;

/// <summary>
/// Central finite differences in double precision against the analytic BPTT gradients: every parameter (or a
/// deterministic sample of 300 for big networks), every input and every initial-state entry.
/// </summary>
public sealed class GradientCheckTests
{
    private const double Epsilon = 1e-5;

    private static LayerSpec Rnn(int h, bool bi = false) => LayerSpec.Rnn(h, Activation.Tanh, bi);
    private static LayerSpec Relu(int h, bool bi = false) => LayerSpec.Rnn(h, Activation.Relu, bi);

    public static TheoryData<string, NetworkSpec> Networks()
    {
        var data = new TheoryData<string, NetworkSpec>();
        void Add(string name, int input, LayerSpec[] layers, OutputMode output = OutputMode.EveryStep,
            LossKind loss = LossKind.MeanSquaredError, Reduction reduction = Reduction.Mean) =>
            data.Add(name, new NetworkSpec(input, layers, maxSteps: 7, output, loss, reduction));

        // every recurrent layer, both directions
        foreach (bool bi in new[] { false, true })
        {
            string d = bi ? " bidirectional" : "";
            Add("Rnn tanh" + d, 3, [Rnn(4, bi), LayerSpec.Dense(2)]);
            Add("Rnn relu" + d, 3, [Relu(4, bi), LayerSpec.Dense(2)]);
            Add("Lstm" + d, 3, [LayerSpec.Lstm(4, bi), LayerSpec.Dense(2)]);
            Add("Lstm peepholes" + d, 3, [LayerSpec.Lstm(4, bi, peepholes: true), LayerSpec.Dense(2)]);
            Add("Lstm projection" + d, 3, [LayerSpec.Lstm(5, bi) with { ProjectionSize = 2 }, LayerSpec.Dense(2)]);
            Add("Gru" + d, 3, [LayerSpec.Gru(4, bi), LayerSpec.Dense(2)]);
            Add("Gru reset before" + d, 3, [LayerSpec.Gru(4, bi, resetAfter: false), LayerSpec.Dense(2)]);
            Add("Rnn tanh leaky" + d, 3, [LayerSpec.Rnn(4, Activation.Tanh, bi, leak: 0.7f), LayerSpec.Dense(2)]);
            Add("Rnn relu leaky" + d, 3, [LayerSpec.Rnn(4, Activation.Relu, bi, leak: 0.3f), LayerSpec.Dense(2)]);
            Add("Rnn skip 2" + d, 3, [LayerSpec.Rnn(4, Activation.Tanh, bi, leak: 0f, skipDelay: 2), LayerSpec.Dense(2)]);
            Add("Rnn relu leaky skip 3" + d, 2, [LayerSpec.Rnn(3, Activation.Relu, bi, leak: 0.4f, skipDelay: 3), LayerSpec.Dense(2)]);
            Add("Rnn learned leak" + d, 3, [LayerSpec.Rnn(4, Activation.Tanh, bi, leak: 0.6f, learnLeak: true), LayerSpec.Dense(2)]);
            Add("Rnn relu learned leak skip 2" + d, 2, [LayerSpec.Rnn(3, Activation.Relu, bi, leak: 0.3f, skipDelay: 2, learnLeak: true), LayerSpec.Dense(2)]);
            Add("Rnn skip 2 replacing the unit delay" + d, 3, [LayerSpec.Rnn(4, Activation.Tanh, bi, leak: 0f, skipDelay: 2) with { ReplaceUnitDelay = true }, LayerSpec.Dense(2)]);
            Add("Rnn relu leaky skip 3 replacing the unit delay" + d, 2, [LayerSpec.Rnn(3, Activation.Relu, bi, leak: 0.4f, skipDelay: 3) with { ReplaceUnitDelay = true }, LayerSpec.Dense(2)]);
        }
        // every Dense activation
        foreach (Activation a in Enum.GetValues<Activation>())
            Add($"Dense {a}", 2, [LayerSpec.Lstm(3), LayerSpec.Dense(3, a)]);
        Add("Dense relu hidden", 3, [LayerSpec.Dense(5, Activation.Relu), LayerSpec.Gru(3), LayerSpec.Dense(2, Activation.Sigmoid)]);
        // every loss × reduction × output mode
        foreach (Reduction r in Enum.GetValues<Reduction>())
        foreach (OutputMode o in Enum.GetValues<OutputMode>())
        {
            Add($"MSE {r} {o}", 3, [LayerSpec.Gru(3), LayerSpec.Dense(2, Activation.Tanh)], o, LossKind.MeanSquaredError, r);
            Add($"CE identity {r} {o}", 3, [LayerSpec.Gru(3), LayerSpec.Dense(4)], o, LossKind.CrossEntropy, r);
            Add($"CE softmax {r} {o}", 3, [LayerSpec.Lstm(3), LayerSpec.Dense(4, Activation.Softmax)], o, LossKind.CrossEntropy, r);
            Add($"BCE {r} {o}", 3, [Rnn(3), LayerSpec.Dense(2, Activation.Sigmoid)], o, LossKind.BinaryCrossEntropy, r);
            if (r == Reduction.Mean) Add($"None {o}", 3, [LayerSpec.Lstm(3), LayerSpec.Dense(2)], o, LossKind.None, r);
        }
        // stacks, embeddings, a recurrent final layer
        Add("stack Rnn-Lstm-Gru", 2, [Rnn(3), LayerSpec.Lstm(4), LayerSpec.Gru(3), LayerSpec.Dense(1)]);
        Add("stack bidirectional", 2, [LayerSpec.Lstm(3, true), LayerSpec.Gru(2, true), LayerSpec.Dense(2)], OutputMode.LastStep);
        Add("recurrent final layer", 3, [LayerSpec.Gru(3), LayerSpec.Lstm(2, true)]);
        Add("embedding char LM", 0, [LayerSpec.Embedding(6, 3), LayerSpec.Lstm(4), LayerSpec.Dense(6, Activation.Softmax)], loss: LossKind.CrossEntropy);
        Add("embedding many-to-one", 0, [LayerSpec.Embedding(5, 2), LayerSpec.Gru(3, true), Relu(3), LayerSpec.Dense(1, Activation.Sigmoid)],
            OutputMode.LastStep, LossKind.BinaryCrossEntropy);
        Add("larger", 5, [LayerSpec.Lstm(13), LayerSpec.Dense(3)]);
        Add("stack peepholes", 2, [LayerSpec.Lstm(3, peepholes: true), LayerSpec.Lstm(4, true, peepholes: true), LayerSpec.Dense(2)], OutputMode.LastStep);
        Add("stack projection", 2, [LayerSpec.Lstm(5) with { ProjectionSize = 3 }, LayerSpec.Lstm(4, true) with { ProjectionSize = 1 }, LayerSpec.Gru(3), LayerSpec.Dense(2)], OutputMode.LastStep);
        Add("peepholes beside plain LSTM", 0, [LayerSpec.Embedding(5, 3), LayerSpec.Lstm(3), LayerSpec.Lstm(5, peepholes: true), LayerSpec.Dense(5, Activation.Softmax)], loss: LossKind.CrossEntropy);
        Add("skip longer than the sequence, in a stack", 2, [LayerSpec.Lstm(3), LayerSpec.Rnn(4, Activation.Tanh, false, 0f, skipDelay: 6), LayerSpec.Dense(1)], OutputMode.LastStep);
        // clockwork layers: groups that wait pass their gradient straight through; the blocks below W_hh's diagonal stay zero
        Add("clockwork tanh", 3, [LayerSpec.Clockwork(6, [1, 2, 3]), LayerSpec.Dense(2)]);
        Add("clockwork relu in a stack", 2, [LayerSpec.Dense(3, Activation.Tanh), LayerSpec.Clockwork(8, [1, 2, 4, 5], Activation.Relu), LayerSpec.Gru(3), LayerSpec.Dense(1)], OutputMode.LastStep);
        Add("skip replacing the unit delay, longer than the sequence", 2, [LayerSpec.Rnn(4, Activation.Tanh, false, 0f, skipDelay: 6) with { ReplaceUnitDelay = true }, LayerSpec.Dense(1)]);
        // echo state networks: fixed reservoirs (plain and leaky) still pass gradients to inputs, state and earlier layers
        Add("reservoir readout", 2, [LayerSpec.Reservoir(6, 0.9f, 0.5f, 0.5f), LayerSpec.Dense(2)]);
        Add("leaky reservoir in a stack", 2, [LayerSpec.Dense(3, Activation.Tanh), LayerSpec.Reservoir(5, 0.8f, 1f, 1f, leak: 0.6f), LayerSpec.Gru(3), LayerSpec.Dense(1)]);
        // dropout while training, each pass with the same masks (DropoutSeed set before it): outputs of a recurrent, a
        // Dense and an Embedding layer, and h(t−1) in the recurrent products of Rnn (leaky, with a skip), LSTM and GRU
        Add("dropout: Lstm outputs and recurrent state", 3, [LayerSpec.Lstm(4) with { Dropout = 0.4f, RecurrentDropout = 0.3f }, LayerSpec.Dense(2)]);
        Add("dropout: Dense outputs, then a Gru's recurrent state", 3, [LayerSpec.Dense(4, Activation.Tanh) with { Dropout = 0.5f }, LayerSpec.Gru(3) with { RecurrentDropout = 0.4f }, LayerSpec.Dense(1)]);
        Add("dropout: leaky bidirectional Rnn with a skip", 2, [LayerSpec.Rnn(4, Activation.Tanh, true, 0.5f, skipDelay: 2) with { Dropout = 0.3f, RecurrentDropout = 0.5f }, LayerSpec.Dense(2)]);
        Add("dropout: bidirectional Gru and Lstm recurrent state", 2, [LayerSpec.Gru(3, true) with { RecurrentDropout = 0.5f }, LayerSpec.Lstm(3, true) with { RecurrentDropout = 0.3f }, LayerSpec.Dense(1)], OutputMode.LastStep);
        Add("dropout: reset-before Gru outputs and recurrent state", 3, [LayerSpec.Gru(4, resetAfter: false) with { Dropout = 0.3f, RecurrentDropout = 0.4f }, LayerSpec.Dense(2)]);
        Add("dropout: bidirectional reset-before Gru recurrent state", 2, [LayerSpec.Gru(3, true, resetAfter: false) with { RecurrentDropout = 0.5f }, LayerSpec.Dense(1)], OutputMode.LastStep);
        Add("stack reset-before Gru under PyTorch's Gru", 2, [LayerSpec.Gru(3, true, resetAfter: false), LayerSpec.Gru(4), LayerSpec.Gru(2, resetAfter: false), LayerSpec.Dense(2)]);
        Add("embedding into a reset-before Gru", 0, [LayerSpec.Embedding(5, 3), LayerSpec.Gru(4, resetAfter: false), LayerSpec.Dense(5, Activation.Softmax)], loss: LossKind.CrossEntropy);
        data.Add("dropout: Embedding outputs and an Rnn's recurrent state", new NetworkSpec(0,
            [LayerSpec.Embedding(6, 3) with { Dropout = 0.3f }, Rnn(4) with { RecurrentDropout = 0.4f }, LayerSpec.Dense(6)], maxSteps: 7, loss: LossKind.CrossEntropy));
        return data;
    }

    [Theory, MemberData(nameof(Networks))]
    public void Analytic_gradients_match_finite_differences(string name, NetworkSpec spec)
    {
        _ = name;
        const int steps = 5;
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 7);
        int outSteps = spec.Output == OutputMode.LastStep ? 1 : steps;
        var random = new DeterministicRandom(11);
        double[] inputs = Numerics.Random<double>(steps * spec.InputSize, 3);
        int[] tokens = Enumerable.Range(0, steps).Select(_ => random.NextInt(spec.UsesTokens ? spec.Layers[0].Vocabulary : 1)).ToArray();
        int[] classIds = Enumerable.Range(0, outSteps).Select(_ => random.NextInt(spec.OutputSize)).ToArray();
        double[] targets = spec.Loss == LossKind.BinaryCrossEntropy
            ? Enumerable.Range(0, outSteps * spec.OutputSize).Select(_ => random.NextDouble()).ToArray()
            : Numerics.Random<double>(outSteps * spec.OutputSize, 5);
        double[] initialState = Numerics.Random<double>(spec.StateSize, 9, 0.5);
        var outputs = new double[outSteps * spec.OutputSize];
        // Dropout is checked with a fixed mask: training mode, and the same seed before every pass.
        net.Training = spec.Layers.Any(l => l.HasDropout);
        void FixMasks() => net.DropoutSeed = 42;

        // With LossKind.None, Backward takes dLoss/dOutputs: the implied loss is Σ targets ⊙ outputs.
        double Loss()
        {
            initialState.CopyTo(net.CurrentState);
            FixMasks();
            if (spec.UsesTokens) net.ForwardContinue(tokens, steps, outputs);
            else net.ForwardContinue(inputs, steps, outputs);
            if (spec.Loss == LossKind.None)
                return outputs.Select((y, i) => y * targets[i]).Sum();
            double loss = spec.Loss == LossKind.CrossEntropy ? net.Backward(classIds) : net.Backward(targets);
            return loss;
        }

        // Analytic gradients first (Backward also covers LossKind.None, whose targets are dLoss/dOutputs).
        net.ZeroGradients();
        initialState.CopyTo(net.CurrentState);
        FixMasks();
        if (spec.UsesTokens) net.ForwardContinue(tokens, steps, outputs);
        else net.ForwardContinue(inputs, steps, outputs);
        if (spec.Loss == LossKind.CrossEntropy) net.Backward(classIds); else net.Backward(targets);
        double[] gradients = net.Gradients.ToArray();
        double[] inputGradients = net.InputGradients.ToArray();
        double[] stateGradients = net.InitialStateGradients.ToArray();

        double Numeric(Span<double> values, int index)
        {
            double saved = values[index];
            values[index] = saved + Epsilon;
            double plus = Loss();
            values[index] = saved - Epsilon;
            double minus = Loss();
            values[index] = saved;
            return (plus - minus) / (2 * Epsilon);
        }

        // A reservoir's weights are fixed: Backward must leave their gradients exactly zero; every other parameter
        // is checked against finite differences.
        bool[] fixedWeights = new bool[net.ParameterCount];
        foreach (ParameterTensor t in spec.ParameterLayout)
            if (spec.Layers[t.Layer].IsReservoir) Array.Fill(fixedWeights, true, t.Offset, t.Length);
        Assert.All(Enumerable.Range(0, net.ParameterCount).Where(i => fixedWeights[i]), i => Assert.Equal(0.0, gradients[i]));
        int[] sample = Sample(net.ParameterCount, 300).Where(i => !fixedWeights[i]).ToArray();
        var numeric = sample.Select(i => Numeric(net.Parameters, i)).ToArray();
        Numerics.AssertClose<double, double>(numeric, sample.Select(i => gradients[i]).ToArray(), "dLoss/dθ", rel: 1e-5, abs: 1e-7);
        if (!spec.UsesTokens)
            Numerics.AssertClose<double, double>(Enumerable.Range(0, inputs.Length).Select(i => Numeric(inputs, i)).ToArray(), inputGradients, "dLoss/dInputs", 1e-5, 1e-7);
        Numerics.AssertClose<double, double>(Enumerable.Range(0, initialState.Length).Select(i => Numeric(initialState, i)).ToArray(), stateGradients, "dLoss/dInitialState", 1e-5, 1e-7);
    }

    private static LayerSpec Learned(LayerSpec layer) => layer with { LearnInitialState = true };

    public static TheoryData<string, NetworkSpec> LearnedInitialStateNetworks()
    {
        var data = new TheoryData<string, NetworkSpec>();
        void Add(string name, int input, LayerSpec[] layers, OutputMode output = OutputMode.EveryStep, LossKind loss = LossKind.MeanSquaredError) =>
            data.Add(name, new NetworkSpec(input, layers, maxSteps: 7, output, loss, Reduction.Mean));
        foreach (bool bi in new[] { false, true })
        {
            string d = bi ? " bidirectional" : "";
            Add("Rnn" + d, 3, [Learned(Rnn(4, bi)), LayerSpec.Dense(2)]);
            Add("Lstm" + d, 3, [Learned(LayerSpec.Lstm(4, bi)), LayerSpec.Dense(2)]);
            Add("Gru" + d, 3, [Learned(LayerSpec.Gru(4, bi)), LayerSpec.Dense(2)]);
            Add("Gru reset before" + d, 3, [Learned(LayerSpec.Gru(4, bi, resetAfter: false)), LayerSpec.Dense(2)]);
            Add("Lstm peepholes" + d, 3, [Learned(LayerSpec.Lstm(3, bi, peepholes: true)), LayerSpec.Dense(2)]);
            Add("Rnn learned leak" + d, 3, [Learned(LayerSpec.Rnn(4, Activation.Relu, bi, leak: 0.6f, learnLeak: true)), LayerSpec.Dense(2)]);
        }
        Add("stack Rnn-Lstm-Gru", 2, [Learned(Rnn(3)), Learned(LayerSpec.Lstm(4, true)), Learned(LayerSpec.Gru(3)), LayerSpec.Dense(1)]);
        Add("stack, learned state on the second layer only", 2, [LayerSpec.Lstm(3), Learned(LayerSpec.Gru(3, true)), LayerSpec.Dense(2)], OutputMode.LastStep);
        Add("embedding char LM", 0, [LayerSpec.Embedding(6, 3), Learned(LayerSpec.Lstm(4)), LayerSpec.Dense(6, Activation.Softmax)], loss: LossKind.CrossEntropy);
        return data;
    }

    /// <summary>Forward starts at the learned initial states (made non-zero here): every parameter, the initial-state
    /// tensors included, against finite differences of the loss. ForwardContinue from a given state leaves their
    /// gradients at zero (the given state wins), and ResetState returns to them.</summary>
    [Theory, MemberData(nameof(LearnedInitialStateNetworks))]
    public void Learned_initial_states_match_finite_differences(string name, NetworkSpec spec)
    {
        _ = name;
        const int steps = 5;
        var net = new ReferenceNetwork<double>(spec);
        net.InitializeParameters(seed: 7);
        bool[] initial = new bool[net.ParameterCount];
        int learned = 0;
        foreach (ParameterTensor t in spec.ParameterLayout)
        {
            if (!t.Name.Contains(".initial_", StringComparison.Ordinal)) continue;
            Assert.All(net.Parameter(t.Name).ToArray(), v => Assert.Equal(0.0, v));   // they start at zero
            Numerics.Random<double>(t.Length, 13 + t.Offset, 0.8).CopyTo(net.Parameter(t.Name));
            Array.Fill(initial, true, t.Offset, t.Length);
            learned += t.Length;
        }
        int directions = spec.Layers.Where(l => l.LearnInitialState).Sum(l => l.Directions * (l.Kind == LayerKind.Lstm ? 2 : 1) * l.Size);
        Assert.Equal(directions, learned);

        // ResetState returns CurrentState to the learned values, layer by layer and direction by direction.
        net.ResetState();
        double[] reset = net.CurrentState.ToArray();
        RnnGen.Geometry.NetworkGeometry geometry = spec.Geometry;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            LayerSpec l = spec.Layers[i];
            if (!l.IsRecurrent) continue;
            for (int d = 0; d < l.Directions; d++)
            {
                int at = geometry.StateOffset(i) + d * l.StateWidthPerDirection;
                string suffix = d == 0 ? "_l0" : "_l0_reverse";
                double[] h = l.LearnInitialState ? net.Parameter($"layers.{i}.initial_h{suffix}").ToArray() : new double[l.Size];
                Assert.Equal(h, reset.AsSpan(at, l.Size).ToArray());
                if (l.Kind == LayerKind.Lstm)
                {
                    double[] c = l.LearnInitialState ? net.Parameter($"layers.{i}.initial_c{suffix}").ToArray() : new double[l.Size];
                    Assert.Equal(c, reset.AsSpan(at + l.Size, l.Size).ToArray());
                }
            }
        }

        int outSteps = spec.Output == OutputMode.LastStep ? 1 : steps;
        var random = new DeterministicRandom(11);
        double[] inputs = Numerics.Random<double>(steps * spec.InputSize, 3);
        int[] tokens = Enumerable.Range(0, steps).Select(_ => random.NextInt(spec.UsesTokens ? spec.Layers[0].Vocabulary : 1)).ToArray();
        int[] classIds = Enumerable.Range(0, outSteps).Select(_ => random.NextInt(spec.OutputSize)).ToArray();
        double[] targets = Numerics.Random<double>(outSteps * spec.OutputSize, 5);
        var outputs = new double[outSteps * spec.OutputSize];
        double Backward() => spec.Loss == LossKind.CrossEntropy ? net.Backward(classIds) : net.Backward(targets);
        double Loss()
        {
            if (spec.UsesTokens) net.Forward(tokens, steps, outputs);
            else net.Forward(inputs, steps, outputs);
            return Backward();
        }

        net.ZeroGradients();
        Loss();
        double[] gradients = net.Gradients.ToArray();
        Assert.Contains(Enumerable.Range(0, net.ParameterCount), i => initial[i] && gradients[i] != 0.0);
        int[] sample = Sample(net.ParameterCount, 300).Concat(Enumerable.Range(0, net.ParameterCount).Where(i => initial[i])).Distinct().Order().ToArray();
        double Numeric(int index)
        {
            Span<double> p = net.Parameters;
            double saved = p[index];
            p[index] = saved + Epsilon;
            double plus = Loss();
            p[index] = saved - Epsilon;
            double minus = Loss();
            p[index] = saved;
            return (plus - minus) / (2 * Epsilon);
        }
        Numerics.AssertClose<double, double>(sample.Select(Numeric).ToArray(), sample.Select(i => gradients[i]).ToArray(), "dLoss/dθ", rel: 1e-5, abs: 1e-7);

        // From a state the caller gives, the learned initial states get no gradient.
        net.ZeroGradients();
        reset.CopyTo(net.CurrentState);
        if (spec.UsesTokens) net.ForwardContinue(tokens, steps, outputs);
        else net.ForwardContinue(inputs, steps, outputs);
        Backward();
        double[] given = net.Gradients.ToArray();
        Assert.All(Enumerable.Range(0, net.ParameterCount).Where(i => initial[i]), i => Assert.Equal(0.0, given[i]));
    }

    private static int[] Sample(int count, int max)
    {
        if (count <= max) return Enumerable.Range(0, count).ToArray();
        var random = new DeterministicRandom(1);
        return Enumerable.Range(0, max).Select(_ => random.NextInt(count)).Distinct().Order().ToArray();
    }
}
