using System.Diagnostics;
using System.Globalization;

namespace RnnGen.Benchmarks;

/// <summary>
/// The hand-timed streaming step of generated models, in two modes.
/// <para><see cref="Throughput"/> times the step exactly as <c>benchmarks/cpp-eigen-baseline/step.cpp</c> times its C++
/// Eigen baseline (9 runs of 200,000 steps over 1,024 random inputs, best and median ns per step), so the two can be
/// compared from the same machine in the same hour:</para>
/// <code>
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- step
///   bash benchmarks/cpp-eigen-baseline/run.sh
/// </code>
/// <para><see cref="Latency"/> is for embedders: it steps a generated model 1,000,000 times on one thread, timing every
/// step with <see cref="Stopwatch.GetTimestamp"/>, and reports p50, p99, p99.9 and max latency per step and the number
/// of garbage collections during the loop (must be 0):</para>
/// <code>
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- latency
/// </code>
/// </summary>
public static class StreamingStep
{
    private const int LoopSteps = 200_000;
    private const int LatencySteps = 1_000_000;

    public static void Throughput(TextWriter output)
    {
        Table.Header(output, "net", "best ns/step", "median ns/step", "GFLOP/s (median)");
        foreach (var (kind, input, hidden, net) in Models.Streaming(["Lstm", "Gru"], [(1, 8), (1, 32), (8, 32), (32, 64), (64, 128)]))
        {
            int gates = kind == "Lstm" ? 4 : 3;
            TimeLoop(output, $"{kind.ToUpperInvariant()} {input}→{hidden}→{input}", net, 2 * gates * hidden * (input + hidden) + 2 * input * hidden);
        }
        TimeLoop(output, "LSTM 16→32→32→4", new Lstm2_16_32_32_4(), 2 * 4 * 32 * 48 + 2 * 4 * 32 * 64 + 2 * 4 * 32);
    }

    private static void TimeLoop(TextWriter output, string name, IRecurrentNetwork net, int flops)
    {
        net.InitializeParameters(1);
        int inputSize = net.InputSize;
        var random = new Random(1);
        var inputs = new float[1024 * inputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle() * 2 - 1;
        var y = new float[net.OutputSize];
        float sink = WarmUp(net, inputs.AsSpan(0, inputSize), y, milliseconds: 300);
        var runs = new double[9];
        for (int run = 0; run < runs.Length; run++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int s = 0; s < LoopSteps; s++)
            {
                net.Step(inputs.AsSpan((s & 1023) * inputSize, inputSize), y);
                sink += y[0];
            }
            runs[run] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / LoopSteps;
        }
        Array.Sort(runs);
        double median = runs[runs.Length / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {runs[0]:F0} | {median:F0} | {flops / median:F1} | (checksum {sink:G3})"));
    }

    public static int Latency(TextWriter output)
    {
        Table.Header(output, "model", "(in, hidden)", "p50", "p99", "p99.9", "max", "GCs during 1,000,000 steps");
        int totalCollections = 0;
        foreach (var (kind, input, hidden, net) in Models.Streaming(["Lstm", "Gru"], [(1, 8), (8, 32), (64, 128)]))
        {
            net.InitializeParameters(1);
            var x = new float[input];
            var y = new float[input];
            var ticks = new long[LatencySteps];   // allocated before the loop
            WarmUp(net, x, y, milliseconds: 500);

            int collectionsBefore = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < LatencySteps; i++)
            {
                x[0] = (i & 1023) * 0.001f;
                long start = Stopwatch.GetTimestamp();
                net.Step(x, y);
                ticks[i] = Stopwatch.GetTimestamp() - start;
            }
            int collections = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2) - collectionsBefore;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            totalCollections += collections;

            Array.Sort(ticks);
            string At(double quantile) => FormatTicks(ticks[Math.Min(LatencySteps - 1, (int)(quantile * LatencySteps))]);
            output.WriteLine($"| {kind.ToUpperInvariant()} | ({input}, {hidden}) | {At(0.50)} | {At(0.99)} | {At(0.999)} | {FormatTicks(ticks[^1])} | {collections} ({allocated} B allocated) |");
        }
        output.WriteLine($"timer resolution: {1e9 / Stopwatch.Frequency:F0} ns per tick");
        return totalCollections == 0 ? 0 : 1;
    }

    private static string FormatTicks(long ticks)
    {
        double ns = ticks * 1e9 / Stopwatch.Frequency;
        return ns < 10_000 ? ns.ToString("N0", CultureInfo.InvariantCulture) + " ns" : (ns / 1000).ToString("N1", CultureInfo.InvariantCulture) + " µs";
    }

    /// <summary>Steps <paramref name="net"/> for <paramref name="milliseconds"/>, so that tiered JIT has promoted the step
    /// to optimised code before anything is timed; returns the sum of the first outputs (keep it alive).</summary>
    private static float WarmUp(IRecurrentNetwork net, ReadOnlySpan<float> input, Span<float> output, int milliseconds)
    {
        float sink = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalMilliseconds < milliseconds) { net.Step(input, output); sink += output[0]; }
        return sink;
    }
}
