using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

// Level-1 kernels: y += α·x, y += x, and a sum of strided vectors (a bias gradient over a sequence).
public static partial class VectorKernels
{
    /// <summary>y[i] += α·x[i] for i &lt; n.</summary>
    /// <remarks>Vector512 and Vector256 bodies with fused multiply-adds and an overlapping masked last vector; below
    /// 8 floats (or where neither is accelerated, as on Arm64) Vector128 blocks of the scalar loop's own unfused
    /// y + α·x, then the scalar loop: those lengths give exactly the scalar loop's bits on every machine.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n)
    {
        if (Width512.IsAccelerated && n >= 16)
        {
            AxpyFused<Width512, Vector512<float>>(alpha, ref x, ref y, n);
            return;
        }
        if (Width256.IsAccelerated && n >= 8)
        {
            AxpyFused<Width256, Vector256<float>>(alpha, ref x, ref y, n);
            return;
        }
        int i = 0;
        if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            Vector128<float> va = Vector128.Create(alpha);
            for (; i <= n - 4; i += 4)
                (Vector128.LoadUnsafe(ref y, (nuint)i) + va * Vector128.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
    }

    /// <summary>Axpy's body for one width (n ≥ its count): fused y + α·x per full vector, then an overlapping last
    /// vector whose already-done lanes add +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AxpyFused<TWidth, TVector>(float alpha, ref float x, ref float y, int n)
        where TWidth : struct, IVectorWidth<TVector> where TVector : struct
    {
        TVector va = TWidth.Broadcast(alpha);
        int i = 0;
        for (; i <= n - TWidth.Count; i += TWidth.Count)
            TWidth.Store(TWidth.Fma(va, TWidth.Load(ref x, (nuint)i), TWidth.Load(ref y, (nuint)i)), ref y, (nuint)i);
        if (i < n)
        {
            nuint last = (nuint)(n - TWidth.Count);
            TVector add = TWidth.LastLanes(TWidth.Multiply(va, TWidth.Load(ref x, last)), n - i);
            TWidth.Store(TWidth.Add(TWidth.Load(ref y, last), add), ref y, last);
        }
    }

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length > y.Length) ThrowLength(nameof(y), y.Length, x.Length);
        Axpy(1f, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>y += Σₛ a[aOffset + s·aStride …][y.Length] over <paramref name="count"/> steps (a bias gradient over a sequence).</summary>
    public static void AddStridedSum(Span<float> y, ReadOnlySpan<float> a, int aOffset, int aStride, int count, int groups = 1, int aGroupStride = 0)
    {
        if (count <= 0 || groups <= 0) return;
        CheckStrided(a.Length, aOffset, aStride, count, y.Length, "a", groups, aGroupStride);
        for (int grp = 0; grp < groups; grp++)
            for (int s = 0; s < count; s++) Add(a.Slice(aOffset + grp * aGroupStride + s * aStride, y.Length), y);
    }
}
