using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;

namespace RnnGen.Benchmarks;

/// <summary>
/// Small probes for the bound models of the <c>bounds</c> command: the latency of one dependent fused multiply-add,
/// of one dependent <see cref="FastMath.Tanh(Vector256{float})"/> and <see cref="FastMath.GateSigmoid(Vector256{float})"/>,
/// the cache sizes of CPU 0 (from sysfs) and the read bandwidth from a buffer of half the L1d and half the L2.
/// Each probe is compiled fully optimised at once and reports the best of a few runs; the whole takes well under a second.
/// </summary>
internal static class Probes
{
    public readonly record struct Result(double FmaNs, double TanhNs, double GateSigmoidNs, long L1Bytes, long L2Bytes, double L1ReadGBps, double L2ReadGBps);

    public static Result Measure()
    {
        double fma = Best(() => FmaChain(4_000_000), 4_000_000);
        double tanh = Best(() => TanhChain(1_000_000), 1_000_000);
        double sigmoid = Best(() => GateSigmoidChain(1_000_000), 1_000_000);
        long l1 = CacheBytes(1, 48 * 1024), l2 = CacheBytes(2, 1024 * 1024);
        double l1Bandwidth = ReadBandwidth(l1 / 2), l2Bandwidth = ReadBandwidth(l2 / 2);
        return new Result(fma, tanh, sigmoid, l1, l2, l1Bandwidth, l2Bandwidth);
    }

    /// <summary>Best ns per operation of five runs of <paramref name="run"/>, which performs <paramref name="operations"/>.</summary>
    private static double Best(Func<float> run, long operations)
    {
        run();
        double best = double.MaxValue;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = run();
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / operations;
            if (float.IsNaN(sink) && ns < 0) throw new InvalidOperationException("unreachable: keeps the result alive");
            best = Math.Min(best, ns);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float FmaChain(long count)
    {
        if (!Fma.IsSupported)
        {
            float s = 1f;
            for (long i = 0; i < count; i++) s = MathF.FusedMultiplyAdd(s, 0.999999f, 1e-7f);
            return s;
        }
        Vector256<float> c = Vector256.Create(1f), a = Vector256.Create(0.999999f), b = Vector256.Create(1e-7f);
        for (long i = 0; i < count; i++) c = Fma.MultiplyAdd(c, a, b);
        return c.ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float TanhChain(long count)
    {
        Vector256<float> x = Vector256.Create(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f);
        for (long i = 0; i < count; i++) x = FastMath.Tanh(x);
        return Vector256.Sum(x);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float GateSigmoidChain(long count)
    {
        Vector256<float> x = Vector256.Create(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f);
        for (long i = 0; i < count; i++) x = FastMath.GateSigmoid(x);
        return Vector256.Sum(x);
    }

    /// <summary>GB/s reading a buffer of <paramref name="bytes"/> again and again with the widest accelerated vectors,
    /// eight independent sums (best of five passes over about 64 MB each).</summary>
    private static double ReadBandwidth(long bytes)
    {
        int floats = (int)Math.Max(1024, bytes / sizeof(float)) & ~127;
        // 64-byte aligned, as the generated models' packed weights are: a misaligned 512-bit load splits a cache line.
        float[] storage = GC.AllocateArray<float>(floats + 16, pinned: true);
        int first = (int)((64 - (Marshal.UnsafeAddrOfPinnedArrayElement(storage, 0) & 63)) & 63) / sizeof(float);
        Memory<float> buffer = storage.AsMemory(first, floats);
        for (int i = 0; i < floats; i++) buffer.Span[i] = i & 7;
        int passes = (int)Math.Max(1, (64L << 20) / (floats * sizeof(float)));
        ReadPasses(buffer.Span, 1);
        double best = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long start = Stopwatch.GetTimestamp();
            float sink = ReadPasses(buffer.Span, passes);
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable: keeps the result alive");
            best = Math.Max(best, (double)passes * floats * sizeof(float) / ns);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ReadPasses(Span<float> buffer, int passes)
    {
        ref float start = ref MemoryMarshal.GetReference(buffer);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (int p = 0; p < passes; p++)
                for (int i = 0; i < buffer.Length; i += 128)
                {
                    s0 += Vector512.LoadUnsafe(ref start, (nuint)i); s1 += Vector512.LoadUnsafe(ref start, (nuint)(i + 16));
                    s2 += Vector512.LoadUnsafe(ref start, (nuint)(i + 32)); s3 += Vector512.LoadUnsafe(ref start, (nuint)(i + 48));
                    s4 += Vector512.LoadUnsafe(ref start, (nuint)(i + 64)); s5 += Vector512.LoadUnsafe(ref start, (nuint)(i + 80));
                    s6 += Vector512.LoadUnsafe(ref start, (nuint)(i + 96)); s7 += Vector512.LoadUnsafe(ref start, (nuint)(i + 112));
                }
            return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
        }
        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        for (int p = 0; p < passes; p++)
            for (int i = 0; i < buffer.Length; i += 64)
            {
                t0 += Vector256.LoadUnsafe(ref start, (nuint)i); t1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
                t2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16)); t3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
                t4 += Vector256.LoadUnsafe(ref start, (nuint)(i + 32)); t5 += Vector256.LoadUnsafe(ref start, (nuint)(i + 40));
                t6 += Vector256.LoadUnsafe(ref start, (nuint)(i + 48)); t7 += Vector256.LoadUnsafe(ref start, (nuint)(i + 56));
            }
        return Vector256.Sum(t0 + t1 + t2 + t3 + t4 + t5 + t6 + t7);
    }

    /// <summary>CPU 0's data or unified cache of <paramref name="level"/> in bytes, from sysfs; <paramref name="fallback"/> if unknown.</summary>
    private static long CacheBytes(int level, long fallback)
    {
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/sys/devices/system/cpu/cpu0/cache", "index*"))
            {
                string Read(string name) => File.ReadAllText(Path.Combine(dir, name)).Trim();
                if (Read("level") != level.ToString(CultureInfo.InvariantCulture) || Read("type") == "Instruction") continue;
                string size = Read("size");   // e.g. "48K", "2048K", "4M"
                long unit = size.EndsWith('K') ? 1024 : size.EndsWith('M') ? 1024 * 1024 : 1;
                return long.Parse(size.TrimEnd('K', 'M'), CultureInfo.InvariantCulture) * unit;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return fallback;
    }
}
