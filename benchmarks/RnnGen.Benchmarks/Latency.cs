using System.Diagnostics;
using System.Globalization;

namespace RnnGen.Benchmarks;

/// <summary>
/// Latency for embedders: steps a generated model 1,000,000 times on one thread (streaming, state in a
/// <c>State</c>-backed instance), timing every step with <see cref="Stopwatch.GetTimestamp"/>, and reports p50, p99,
/// p99.9 and max latency per step and the number of garbage collections during the loop (must be 0).
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- latency
/// </summary>
public static class Latency
{
    private const int Steps = 1_000_000;

    public static int Run(TextWriter output)
    {
        output.WriteLine("| model | (in, hidden) | p50 | p99 | p99.9 | max | GCs during 1,000,000 steps |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        int totalCollections = 0;
        foreach (string kind in new[] { "Lstm", "Gru" })
        foreach ((int input, int hidden) in new[] { (1, 8), (8, 32), (64, 128) })
        {
            IRecurrentNetwork net = Models.Create(kind, input, hidden);
            net.InitializeParameters(1);
            var x = new float[input];
            var y = new float[input];
            var ticks = new long[Steps];   // allocated before the loop
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed.TotalMilliseconds < 500) net.Step(x, y);   // warm-up: tiered JIT to optimised code

            int collectionsBefore = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Steps; i++)
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
            string At(double quantile) => Format(ticks[Math.Min(Steps - 1, (int)(quantile * Steps))]);
            output.WriteLine($"| {kind.ToUpperInvariant()} | ({input}, {hidden}) | {At(0.50)} | {At(0.99)} | {At(0.999)} | {Format(ticks[^1])} | {collections} ({allocated} B allocated) |");
        }
        output.WriteLine($"timer resolution: {1e9 / Stopwatch.Frequency:F0} ns per tick");
        return totalCollections == 0 ? 0 : 1;
    }

    private static string Format(long ticks)
    {
        double ns = ticks * 1e9 / Stopwatch.Frequency;
        return ns < 10_000 ? ns.ToString("N0", CultureInfo.InvariantCulture) + " ns" : (ns / 1000).ToString("N1", CultureInfo.InvariantCulture) + " µs";
    }
}
