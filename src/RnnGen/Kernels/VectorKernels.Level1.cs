using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static RnnGen.Kernels.FusedMath;

namespace RnnGen.Kernels;

// Level-1 kernels: y += α·x, y += x, and a sum of strided vectors (a bias gradient over a sequence).
public static partial class VectorKernels
{
    /// <summary>y[i] += α·x[i] for i &lt; n.</summary>
    /// <remarks>Vector512 and Vector256 bodies with fused multiply-adds and an overlapping masked last vector; below
    /// 8 floats (or where neither is accelerated, as on Arm64) Vector128 blocks of the scalar loop's own unfused
    /// y + α·x, then the scalar loop: those lengths give exactly the scalar loop's bits on every machine. The two wide
    /// bodies are written out rather than instantiated from <see cref="IVectorWidth{TVector}"/>: Axpy is inlined into
    /// every generated method that adds a gradient, and the extra inlining levels cost those large methods their
    /// inlining budget.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n)
    {
        int i = 0;
        if (Width512.IsAccelerated && n >= 16)
        {
            Vector512<float> va = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
                Fma(va, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            if (i < n)
            {
                nuint last = (nuint)(n - 16);
                Vector512<float> add = (va * Vector512.LoadUnsafe(ref x, last)) & TailMask.Last512(n - i);
                (Vector512.LoadUnsafe(ref y, last) + add).StoreUnsafe(ref y, last);
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> va = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
                Fma(va, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            if (i < n)
            {
                nuint last = (nuint)(n - 8);
                Vector256<float> add = (va * Vector256.LoadUnsafe(ref x, last)) & TailMask.Last256(n - i);
                (Vector256.LoadUnsafe(ref y, last) + add).StoreUnsafe(ref y, last);
            }
            return;
        }
        if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            Vector128<float> va = Vector128.Create(alpha);
            for (; i <= n - 4; i += 4)
                (Vector128.LoadUnsafe(ref y, (nuint)i) + va * Vector128.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
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
