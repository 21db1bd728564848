using RnnGen.Tests.Generated.Matrix;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Many streams on shared weights: one generated instance, 8 threads × 1,000 independent
/// <c>State</c> values stepped concurrently, must give exactly the outputs and final states of stepping every stream
/// alone on one thread. The instance starts with its packed weights stale, so the threads also race to build them.
/// </summary>
public sealed class ConcurrentStreamsTests
{
    private const int Threads = 8, StreamsPerThread = 1000, Steps = 12;

    [Fact]
    public void Eight_threads_stepping_a_thousand_streams_each_match_one_thread_bit_for_bit()
    {
        const int streams = Threads * StreamsPerThread, input = StackThree.InputSize, output = StackThree.OutputSize;
        var random = new DeterministicRandom(42);
        var inputs = new float[streams * Steps * input];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);

        // One thread, one stream after another.
        var reference = new StackThree();
        reference.InitializeParameters(seed: 11);
        var expected = new float[streams * Steps * output];
        var expectedStates = new float[streams * StackThree.StateSize];
        for (int s = 0; s < streams; s++)
        {
            var state = new StackThree.State();
            for (int t = 0; t < Steps; t++)
                reference.Step(ref state, inputs.AsSpan((s * Steps + t) * input, input), expected.AsSpan((s * Steps + t) * output, output));
            StackThree.Values(ref state).CopyTo(expectedStates.AsSpan(s * StackThree.StateSize, StackThree.StateSize));
        }

        // One shared instance; each thread interleaves its 1,000 streams step by step, all threads at once.
        var shared = new StackThree();
        shared.InitializeParameters(seed: 11);   // packed weights now stale: the first Steps race to rebuild them
        var actual = new float[expected.Length];
        var actualStates = new float[expectedStates.Length];
        using var go = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            var states = new StackThree.State[StreamsPerThread];
            go.SignalAndWait();
            for (int t = 0; t < Steps; t++)
                for (int k = 0; k < StreamsPerThread; k++)
                {
                    int s = thread * StreamsPerThread + k;
                    shared.Step(ref states[k], inputs.AsSpan((s * Steps + t) * input, input), actual.AsSpan((s * Steps + t) * output, output));
                }
            for (int k = 0; k < StreamsPerThread; k++)
            {
                int s = thread * StreamsPerThread + k;
                StackThree.Values(ref states[k]).CopyTo(actualStates.AsSpan(s * StackThree.StateSize, StackThree.StateSize));
            }
        })).ToArray();
        foreach (Thread w in workers) w.Start();
        foreach (Thread w in workers) w.Join();

        Assert.Equal(expected, actual);
        Assert.Equal(expectedStates, actualStates);
        Assert.Contains(actual, v => v != 0f);
    }
}
