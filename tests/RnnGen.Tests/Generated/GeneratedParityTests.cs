using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Every generated model in the matrix against its reference twin (<c>new ReferenceNetwork(Model.Spec)</c>, same
/// flat parameters): outputs, final states, loss, every parameter gradient, input gradients and initial-state
/// gradients within 1e-5 relative (1e-6 absolute); streaming steps and chunked (truncated BPTT) sequences too.
/// </summary>
public sealed class GeneratedParityTests
{
    public static TheoryData<string> Models() => [.. MatrixModels.All.Select(m => m.Name)];

    private static IRecurrentNetwork Create(string name) => MatrixModels.All.Single(m => m.Name == name).Create();

    /// <summary>Whether the model can be stepped: a bidirectional layer's output at step t depends on later inputs.</summary>
    internal static bool Streams(NetworkSpec spec) => spec.Layers.All(l => l.Directions == 1);

    internal sealed record Inputs(float[] Floats, int[] Tokens, float[] Targets, int[] ClassIds, float[] InitialState, int OutputSteps);

    internal static Inputs MakeInputs(NetworkSpec spec, int steps, int seed)
    {
        var random = new DeterministicRandom((ulong)seed);
        int outputSteps = spec.Output == OutputMode.LastStep ? 1 : steps;
        float[] floats = Numerics.Random<float>(steps * spec.InputSize, seed + 1);
        int[] tokens = Enumerable.Range(0, steps).Select(_ => random.NextInt(spec.UsesTokens ? spec.Layers[0].Vocabulary : 1)).ToArray();
        float[] targets = spec.Loss == LossKind.BinaryCrossEntropy
            ? Enumerable.Range(0, outputSteps * spec.OutputSize).Select(_ => (float)random.NextDouble()).ToArray()
            : Numerics.Random<float>(outputSteps * spec.OutputSize, seed + 2);
        int[] classIds = Enumerable.Range(0, outputSteps).Select(_ => random.NextInt(spec.OutputSize)).ToArray();
        float[] initial = Numerics.Random<float>(spec.StateSize, seed + 3, 0.5);
        return new Inputs(floats, tokens, targets, classIds, initial, outputSteps);
    }

    /// <summary>InitializeParameters, then random values in the learned initial states (which it sets to zero), so
    /// that the parity checks see non-zero ones.</summary>
    internal static void Initialize(IRecurrentNetwork net, int seed)
    {
        net.InitializeParameters(seed);
        foreach (ParameterTensor t in net.Spec.ParameterLayout)
            if (t.Name.Contains(".initial_", StringComparison.Ordinal))
                Numerics.Random<float>(t.Length, seed + t.Offset, 0.8).CopyTo(net.Parameters.Slice(t.Offset, t.Length));
    }

    internal static void Forward(IRecurrentNetwork net, Inputs inputs, int steps, Span<float> outputs)
    {
        if (net.Spec.UsesTokens) net.Forward(inputs.Tokens, steps, outputs);
        else net.Forward(inputs.Floats, steps, outputs);
    }

    internal static void ForwardContinue(IRecurrentNetwork net, Inputs inputs, int steps, Span<float> outputs)
    {
        if (net.Spec.UsesTokens) net.ForwardContinue(inputs.Tokens, steps, outputs);
        else net.ForwardContinue(inputs.Floats, steps, outputs);
    }

    internal static float Backward(IRecurrentNetwork net, Inputs inputs) =>
        net.Spec.Loss == LossKind.CrossEntropy ? net.Backward(inputs.ClassIds) : net.Backward(inputs.Targets);

    /// <summary>Runs Forward + Backward on both networks from the same state and compares everything.</summary>
    internal static void AssertSameSequence(IRecurrentNetwork generated, IRecurrentNetwork reference, Inputs inputs, int steps, string label)
    {
        NetworkSpec spec = reference.Spec;
        inputs.InitialState.CopyTo(generated.CurrentState);
        inputs.InitialState.CopyTo(reference.CurrentState);
        var expected = new float[inputs.OutputSteps * spec.OutputSize];
        var actual = new float[expected.Length];
        ForwardContinue(reference, inputs, steps, expected);
        ForwardContinue(generated, inputs, steps, actual);
        Numerics.AssertClose<float, float>(expected, actual, $"{label} outputs");
        Numerics.AssertClose<float, float>(reference.CurrentState.ToArray(), generated.CurrentState.ToArray(), $"{label} final state");

        reference.ZeroGradients();
        generated.ZeroGradients();
        float expectedLoss = Backward(reference, inputs);
        float actualLoss = Backward(generated, inputs);
        Numerics.AssertClose(expectedLoss, actualLoss, $"{label} loss");
        float[] expectedGradients = reference.Gradients.ToArray(), actualGradients = generated.Gradients.ToArray();
        foreach (ParameterTensor t in spec.ParameterLayout)
            Numerics.AssertClose<float, float>(expectedGradients.AsSpan(t.Offset, t.Length), actualGradients.AsSpan(t.Offset, t.Length), $"{label} dLoss/d{t.Name}");
        Numerics.AssertClose<float, float>(reference.InputGradients, generated.InputGradients, $"{label} dLoss/dInputs");
        Numerics.AssertClose<float, float>(reference.InitialStateGradients, generated.InitialStateGradients, $"{label} dLoss/dInitialState");
    }

    [Theory, MemberData(nameof(Models))]
    public void Generated_model_matches_the_reference_runtime(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        Initialize(generated, 17);
        Initialize(reference, 17);
        Assert.Equal(reference.Parameters.ToArray(), generated.Parameters.ToArray());

        // Full length, and a shorter sequence (buffers sized for MaxSteps, used partly).
        foreach (int steps in new[] { generated.MaxSteps, Math.Max(1, generated.MaxSteps / 2 - 1) })
            AssertSameSequence(generated, reference, MakeInputs(generated.Spec, steps, steps * 31), steps, $"{name} T={steps}");
    }

    /// <summary>Forward (a fresh start), ResetState and the first steps after it start from the initial state: zero, or
    /// the learned one, which Backward then learns.</summary>
    [Theory, MemberData(nameof(Models))]
    public void Fresh_sequences_start_from_the_same_initial_state_as_the_reference_runtime(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        Initialize(generated, 23);
        Initialize(reference, 23);
        NetworkSpec spec = generated.Spec;
        Inputs inputs = MakeInputs(spec, spec.MaxSteps, 3);
        generated.CurrentState.Fill(1f);
        reference.CurrentState.Fill(1f);
        generated.ResetState();
        reference.ResetState();
        Assert.Equal(reference.CurrentState.ToArray(), generated.CurrentState.ToArray());
        var expected = new float[inputs.OutputSteps * spec.OutputSize];
        var actual = new float[expected.Length];
        reference.ZeroGradients();
        generated.ZeroGradients();
        Forward(reference, inputs, spec.MaxSteps, expected);
        Forward(generated, inputs, spec.MaxSteps, actual);
        Numerics.AssertClose<float, float>(expected, actual, $"{name} outputs");
        Numerics.AssertClose(Backward(reference, inputs), Backward(generated, inputs), $"{name} loss");
        float[] expectedGradients = reference.Gradients.ToArray(), actualGradients = generated.Gradients.ToArray();
        foreach (ParameterTensor t in spec.ParameterLayout)
            Numerics.AssertClose<float, float>(expectedGradients.AsSpan(t.Offset, t.Length), actualGradients.AsSpan(t.Offset, t.Length), $"{name} dLoss/d{t.Name}");
        if (spec.Layers.Any(l => l.LearnInitialState))
            Assert.Contains(spec.ParameterLayout, t => t.Name.Contains(".initial_", StringComparison.Ordinal) && actualGradients.AsSpan(t.Offset, t.Length).ContainsAnyExcept(0f));
        if (!Streams(spec)) return;
        generated.ResetState();
        reference.ResetState();
        var e = new float[spec.OutputSize];
        var a = new float[spec.OutputSize];
        for (int t = 0; t < 3; t++)
        {
            if (spec.UsesTokens) { reference.Step(inputs.Tokens[t], e); generated.Step(inputs.Tokens[t], a); }
            else { reference.Step(inputs.Floats.AsSpan(t * spec.InputSize, spec.InputSize), e); generated.Step(inputs.Floats.AsSpan(t * spec.InputSize, spec.InputSize), a); }
            Numerics.AssertClose<float, float>(e, a, $"{name} step {t} after ResetState");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void Streaming_steps_match_the_reference_runtime(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        Initialize(generated, 5);
        Initialize(reference, 5);
        NetworkSpec spec = generated.Spec;
        // Clockwork layers: past two whole cycles, so every group updates more than once and the counter wraps.
        long cycle = spec.Layers.Max(l => l.ClockPeriods?.Aggregate(1L, (c, p) => c / (long)System.Numerics.BigInteger.GreatestCommonDivisor(c, p) * p) ?? 0);
        int steps = cycle > 0 ? (int)(2 * cycle + 1) : 6;
        Inputs inputs = MakeInputs(spec, steps, 99);
        var expected = new float[spec.OutputSize];
        var actual = new float[spec.OutputSize];
        if (!Streams(spec))
        {
            // No streaming step on either side: both refuse, saying why and pointing to Forward.
            foreach (IRecurrentNetwork net in new IRecurrentNetwork[] { reference, generated })
            {
                float[] before = net.CurrentState.ToArray();
                var e = spec.UsesTokens
                    ? Assert.Throws<NotSupportedException>(() => net.Step(inputs.Tokens[0], actual))
                    : Assert.Throws<NotSupportedException>(() => net.Step(inputs.Floats.AsSpan(0, spec.InputSize), actual));
                Assert.Contains("bidirectional layer (layer ", e.Message);
                Assert.Contains("Forward", e.Message);
                Assert.Equal(before, net.CurrentState.ToArray());
            }
            return;
        }
        for (int t = 0; t < steps; t++)
        {
            if (spec.UsesTokens)
            {
                reference.Step(inputs.Tokens[t], expected);
                generated.Step(inputs.Tokens[t], actual);
            }
            else
            {
                reference.Step(inputs.Floats.AsSpan(t * spec.InputSize, spec.InputSize), expected);
                generated.Step(inputs.Floats.AsSpan(t * spec.InputSize, spec.InputSize), actual);
            }
            Numerics.AssertClose<float, float>(expected, actual, $"{name} step {t} output");
            Numerics.AssertClose<float, float>(reference.CurrentState.ToArray(), generated.CurrentState.ToArray(), $"{name} step {t} state");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void Parameters_changed_between_calls_are_used_by_the_next_step_and_forward(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        Initialize(generated, 21);
        Initialize(reference, 21);
        NetworkSpec spec = generated.Spec;
        Inputs inputs = MakeInputs(spec, spec.MaxSteps, 5);
        var expected = new float[spec.OutputSize];
        var actual = new float[spec.OutputSize];
        for (int round = 0; round < 3; round++)
        {
            // an optimizer-like update through Parameters (shrinking, so ReLU networks stay well-conditioned), then a step and a whole sequence
            Span<float> g = generated.Parameters, r = reference.Parameters;
            for (int i = round; i < g.Length; i += 7) { g[i] *= 0.9f; r[i] *= 0.9f; }
            if (Streams(spec))   // a bidirectional model has no Step: its sequences alone
            {
                if (spec.UsesTokens) { reference.Step(inputs.Tokens[0], expected); generated.Step(inputs.Tokens[0], actual); }
                else { reference.Step(inputs.Floats.AsSpan(0, spec.InputSize), expected); generated.Step(inputs.Floats.AsSpan(0, spec.InputSize), actual); }
                Numerics.AssertClose<float, float>(expected, actual, $"{name} round {round} step");
            }
            AssertSameSequence(generated, reference, inputs, spec.MaxSteps, $"{name} round {round}");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void Truncated_bptt_chunks_match_the_reference_runtime(string name)
    {
        IRecurrentNetwork generated = Create(name);
        var reference = new ReferenceNetwork(generated.Spec);
        Initialize(generated, 9);
        Initialize(reference, 9);
        NetworkSpec spec = generated.Spec;
        int chunk = Math.Max(1, spec.MaxSteps / 3);
        generated.ResetState();
        reference.ResetState();
        for (int c = 0; c < 3; c++)
        {
            Inputs inputs = MakeInputs(spec, chunk, 1000 + c);
            // carry the state: write each model's own current state back in (AssertSameSequence starts from InitialState)
            float[] carried = reference.CurrentState.ToArray();
            Numerics.AssertClose<float, float>(carried, generated.CurrentState.ToArray(), $"{name} carried state before chunk {c}");
            AssertSameSequence(generated, reference, inputs with { InitialState = carried }, chunk, $"{name} chunk {c}");
        }
    }
}
