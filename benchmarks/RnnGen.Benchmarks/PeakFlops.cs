using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Benchmarks;

/// <summary>
/// This machine's single-core peak FP32 FMA rate: 12 independent accumulator chains (enough to cover FMA latency ×
/// throughput on current x86 cores), each step one fused multiply-add per lane, measured for Vector256 and Vector512.
/// The best of several runs is reported in GFLOP/s (an FMA counts as 2 FLOPs).
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- peak
/// </summary>
public static class PeakFlops
{
    private const long Iterations = 20_000_000;

    public static (double Gflops256, double Gflops512) Measure(TextWriter output)
    {
        double v256 = Fma.IsSupported ? Best(Run<Fma256, Vector256<float>>, 8) : double.NaN;
        double v512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? Best(Run<Fma512, Vector512<float>>, 16) : double.NaN;
        output.WriteLine($"peak FP32 FMA, one core: Vector256 {Format(v256)}, Vector512 {Format(v512)}");
        return (v256, v512);
    }

    private static string Format(double gflops) => double.IsNaN(gflops) ? "not accelerated" : $"{gflops:F1} GFLOP/s";

    private static double Best(Func<long, float> run, int lanes)
    {
        run(100_000); // JIT to full optimisation
        double best = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var clock = Stopwatch.StartNew();
            float sink = run(Iterations);
            double seconds = clock.Elapsed.TotalSeconds;
            if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable: keeps the result alive");
            best = Math.Max(best, Iterations * 12.0 * lanes * 2 / seconds / 1e9);
        }
        return best;
    }

    /// <summary>One vector width's operations, so that one loop serves Vector256 and Vector512.</summary>
    private interface IFmaLanes<TVector> where TVector : struct
    {
        static abstract TVector Create(float value);
        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
        static abstract float Sum(TVector a, TVector b);
    }

    private readonly struct Fma256 : IFmaLanes<Vector256<float>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
        public static float Sum(Vector256<float> a, Vector256<float> b) => Vector256.Sum(a + b);
    }

    private readonly struct Fma512 : IFmaLanes<Vector512<float>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
        public static float Sum(Vector512<float> a, Vector512<float> b) => Vector512.Sum(a + b);
    }

    /// <summary>12 independent chains of c = c·a + b, one fused multiply-add per lane and chain per iteration.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Run<TLanes, TVector>(long iterations) where TLanes : struct, IFmaLanes<TVector> where TVector : struct
    {
        TVector a = TLanes.Create(0.999999f), b = TLanes.Create(1e-7f);
        TVector c0 = TLanes.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TLanes.MultiplyAdd(c0, a, b); c1 = TLanes.MultiplyAdd(c1, a, b); c2 = TLanes.MultiplyAdd(c2, a, b); c3 = TLanes.MultiplyAdd(c3, a, b);
            c4 = TLanes.MultiplyAdd(c4, a, b); c5 = TLanes.MultiplyAdd(c5, a, b); c6 = TLanes.MultiplyAdd(c6, a, b); c7 = TLanes.MultiplyAdd(c7, a, b);
            c8 = TLanes.MultiplyAdd(c8, a, b); c9 = TLanes.MultiplyAdd(c9, a, b); c10 = TLanes.MultiplyAdd(c10, a, b); c11 = TLanes.MultiplyAdd(c11, a, b);
        }
        return TLanes.Sum(c0, c1) + TLanes.Sum(c2, c3) + TLanes.Sum(c4, c5) + TLanes.Sum(c6, c7) + TLanes.Sum(c8, c9) + TLanes.Sum(c10, c11);
    }
}
