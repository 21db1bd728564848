using System.Diagnostics;

namespace RnnGen.Benchmarks;

/// <summary>The timing of the training probes (training-phases, training-kernels): the median µs of one call.</summary>
internal static class MedianTimer
{
    /// <summary>Median µs of one call, over ≥ 200 ms of calls (at least 15) after 1 s of warm-up: long enough for the
    /// tiered JIT to promote the hot methods (with less, the first probe of a process timed instrumented code).</summary>
    public static double Time(Action action)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 1000) action();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.ElapsedMilliseconds < 200 || samples.Count < 15)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }

    /// <summary>Median µs until both actions are done, each on its own thread, started together.</summary>
    public static double TimeTwo(Action first, Action second)
    {
        using var go = new Barrier(2);
        bool stop = false;
        var thread = new Thread(() => { while (true) { go.SignalAndWait(); if (Volatile.Read(ref stop)) return; second(); go.SignalAndWait(); } });
        thread.Start();
        double median = Time(() => { go.SignalAndWait(); first(); go.SignalAndWait(); });
        Volatile.Write(ref stop, true);
        go.SignalAndWait();
        thread.Join();
        return median;
    }
}
