using RnnGen.Tests.Generated.Matrix;
using System.Reflection;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Generated;

/// <summary>
/// <c>Step(Span&lt;State&gt;, inputs, outputs)</c> on every matrix model: bit-identical to stepping each stream alone
/// with <c>Step(ref State, …)</c> for every stream count around the kernels' tiles and chunks, allocation-free, safe
/// on disjoint spans from several threads, and checked for sizes. The matrix holds a model for every plan the
/// generator writes (see StreamPlanner), and this class runs again with AVX-512 and AVX2 switched off (IsaMatrixTests).
/// </summary>
public sealed class ManyStreamsTests
{
    private delegate void ManyFloats<TState>(Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);
    private delegate void ManyTokens<TState>(Span<TState> states, ReadOnlySpan<int> tokens, Span<float> outputs);
    private delegate void OneFloat<TState>(ref TState state, ReadOnlySpan<float> input, Span<float> output);
    private delegate void OneToken<TState>(ref TState state, int token, Span<float> output);

    public static TheoryData<string> Models() => [.. MatrixModels.All.Select(m => m.Name)];

    private static readonly int[] Counts = [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 70];

    [Theory, MemberData(nameof(Models))]
    public void Many_streams_at_once_match_each_stream_stepped_alone_bit_for_bit(string name)
    {
        IRecurrentNetwork net = Create(name);
        Run(net, nameof(CheckSame));
    }

    [Theory, MemberData(nameof(Models))]
    public void Stepping_many_streams_allocates_nothing(string name) => Run(Create(name), nameof(CheckAllocations));

    [Fact]
    public void Disjoint_spans_of_states_step_on_four_threads_as_on_one()
    {
        var net = new StreamLstm8x32();
        net.InitializeParameters(seed: 9);
        const int streams = 400, threads = 4, steps = 6;
        float[] inputs = Numerics.Random<float>(streams * StreamLstm8x32.InputSize, 3);
        var serial = new StreamLstm8x32.State[streams];
        var parallel = new StreamLstm8x32.State[streams];
        var expected = new float[streams * StreamLstm8x32.OutputSize];
        var actual = new float[expected.Length];
        for (int t = 0; t < steps; t++)
        {
            net.Step(serial, inputs, expected);
            Parallel.For(0, threads, k =>
            {
                int first = k * streams / threads, count = (k + 1) * streams / threads - first;
                net.Step(parallel.AsSpan(first, count), inputs.AsSpan(first * StreamLstm8x32.InputSize, count * StreamLstm8x32.InputSize),
                    actual.AsSpan(first * StreamLstm8x32.OutputSize, count * StreamLstm8x32.OutputSize));
            });
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Wrong_sizes_name_the_expected_and_the_actual_length()
    {
        var net = new StreamLstm8x32();
        var states = new StreamLstm8x32.State[3];
        var e = Assert.Throws<ArgumentException>(() => net.Step(states, new float[23], new float[24]));
        Assert.Contains("24", e.Message);
        Assert.Contains("23", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.Step(states, new float[24], new float[25]));
        Assert.Contains("24", e.Message);
        Assert.Contains("25", e.Message);
        var tokens = new StreamTokensLstm16();
        e = Assert.Throws<ArgumentException>(() => tokens.Step(new StreamTokensLstm16.State[2], new int[3], new float[40]));
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void A_bidirectional_model_refuses_many_streams_as_it_refuses_one()
    {
        var net = new StackThreeBi();
        Assert.Throws<NotSupportedException>(() => net.Step(new StackThreeBi.State[2], new float[10], new float[6]));
    }

    private static IRecurrentNetwork Create(string name) => MatrixModels.All.Single(m => m.Name == name).Create();

    /// <summary>Calls <paramref name="check"/>&lt;TState&gt; with the model's own State type.</summary>
    private static void Run(IRecurrentNetwork net, string check)
    {
        Type state = net.GetType().GetNestedType("State")!;
        bool streams = net.GetType().GetMethods().Any(m => m.Name == "Step" && m.GetParameters()[0].ParameterType.IsByRef);
        if (!streams) return;   // bidirectional: refuses, see the test above
        typeof(ManyStreamsTests).GetMethod(check, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(state).Invoke(null, [net]);
    }

    private static Action<int, TState[], float[]> Stepper<TState>(IRecurrentNetwork net, bool many, int[] tokens, float[] inputs)
    {
        Type type = net.GetType();
        int inputSize = net.InputSize, outputSize = net.OutputSize;
        MethodInfo Find(Type first, Type second) => type.GetMethod("Step", [first, second, typeof(Span<float>)])!;
        if (net.Spec.UsesTokens)
        {
            if (many)
            {
                var step = Find(typeof(Span<TState>), typeof(ReadOnlySpan<int>)).CreateDelegate<ManyTokens<TState>>(net);
                return (n, states, outputs) => step(states.AsSpan(0, n), tokens.AsSpan(0, n), outputs.AsSpan(0, n * outputSize));
            }
            var one = Find(typeof(TState).MakeByRefType(), typeof(int)).CreateDelegate<OneToken<TState>>(net);
            return (n, states, outputs) => { for (int i = 0; i < n; i++) one(ref states[i], tokens[i], outputs.AsSpan(i * outputSize, outputSize)); };
        }
        if (many)
        {
            var step = Find(typeof(Span<TState>), typeof(ReadOnlySpan<float>)).CreateDelegate<ManyFloats<TState>>(net);
            return (n, states, outputs) => step(states.AsSpan(0, n), inputs.AsSpan(0, n * inputSize), outputs.AsSpan(0, n * outputSize));
        }
        var single = Find(typeof(TState).MakeByRefType(), typeof(ReadOnlySpan<float>)).CreateDelegate<OneFloat<TState>>(net);
        return (n, states, outputs) => { for (int i = 0; i < n; i++) single(ref states[i], inputs.AsSpan(i * inputSize, inputSize), outputs.AsSpan(i * outputSize, outputSize)); };
    }

    private static void CheckSame<TState>(IRecurrentNetwork net) where TState : struct
    {
        net.InitializeParameters(seed: 5);
        int max = Counts.Max();
        var tokens = new int[max];
        var random = new DeterministicRandom(11);
        foreach (int count in Counts)
        {
            var many = new TState[count];
            var each = new TState[count];
            var expected = new float[count * net.OutputSize];
            var actual = new float[expected.Length];
            for (int step = 0; step < 4; step++)
            {
                float[] inputs = Numerics.Random<float>(Math.Max(1, count * net.InputSize), 100 * count + step);
                for (int i = 0; i < count; i++) tokens[i] = random.NextInt(Math.Max(1, net.Spec.Layers[0].Vocabulary));
                Stepper<TState>(net, many: true, tokens, inputs)(count, many, actual);
                Stepper<TState>(net, many: false, tokens, inputs)(count, each, expected);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{net.GetType().Name}: {count} streams, step {step}: outputs differ");
                for (int i = 0; i < count; i++)
                    Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(many.AsSpan(i, 1)).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(each.AsSpan(i, 1))),
                        $"{net.GetType().Name}: {count} streams, step {step}: state {i} differs");
            }
        }
    }

    private static void CheckAllocations<TState>(IRecurrentNetwork net) where TState : struct
    {
        net.InitializeParameters(seed: 5);
        const int count = 70;
        var states = new TState[count];
        var outputs = new float[count * net.OutputSize];
        float[] inputs = Numerics.Random<float>(Math.Max(1, count * net.InputSize), 3);
        Action<int, TState[], float[]> step = Stepper<TState>(net, many: true, new int[count], inputs);
        step(count, states, outputs);   // packs the weights, JITs
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 200; i++) step(count, states, outputs); }));
    }
}
