using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Kernels;
using static RnnGen.Kernels.FusedMath;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// Kernels no generated model and no runtime code calls, kept as test helpers: a dot product, W·x and Wᵀ·v from a
/// row-major matrix, a rank-1 update and a batched Wᵀ·v. They are built on the runtime's own pieces
/// (<see cref="FusedMath"/>, <see cref="TailMask"/>, <see cref="VectorKernels.Axpy"/>, the length checks), and the
/// tests hold them to the same properties they held in the runtime.
/// </summary>
internal static class TestKernels
{
    /// <summary>Σ a[i]·b[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int n)
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && n >= 16)
        {
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            int i = 0;
            for (; i <= n - 32; i += 32)
            {
                acc0 = Fma(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Fma(Vector512.LoadUnsafe(ref a, (nuint)(i + 16)), Vector512.LoadUnsafe(ref b, (nuint)(i + 16)), acc1);
            }
            if (i <= n - 16)
            {
                acc0 = Fma(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                i += 16;
            }
            if (i < n)
            {
                // overlapping last vector; lanes already counted are masked off
                Vector512<float> last = Vector512.LoadUnsafe(ref a, (nuint)(n - 16)) * Vector512.LoadUnsafe(ref b, (nuint)(n - 16));
                acc1 += last & TailMask.Last512(n - i);
            }
            return Vector512.Sum(acc0 + acc1);
        }
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
            int i = 0;
            for (; i <= n - 16; i += 16)
            {
                acc0 = Fma(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Fma(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)), acc1);
            }
            if (i <= n - 8)
            {
                acc0 = Fma(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                i += 8;
            }
            if (i < n)
            {
                Vector256<float> last = Vector256.LoadUnsafe(ref a, (nuint)(n - 8)) * Vector256.LoadUnsafe(ref b, (nuint)(n - 8));
                acc1 += last & TailMask.Last256(n - i);
            }
            return Vector256.Sum(acc0 + acc1);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>y += W·x, W is [rows × cols] row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MatVecAdd(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        VectorKernels.CheckMatrix(w.Length, x.Length, y.Length, rows, cols);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
            Unsafe.Add(ref y0, r) += Dot(ref Unsafe.Add(ref w0, r * cols), ref x0, cols);
    }

    /// <summary>y += Wᵀ·v, W is [rows × cols] row-major (y has cols entries, v has rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeMatVecAdd(ReadOnlySpan<float> w, ReadOnlySpan<float> v, Span<float> y, int rows, int cols)
    {
        VectorKernels.CheckMatrix(w.Length, y.Length, v.Length, rows, cols);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
            VectorKernels.Axpy(Unsafe.Add(ref v0, r), ref Unsafe.Add(ref w0, r * cols), ref y0, cols);
    }

    /// <summary>G += a·bᵀ, G is [a.Length × b.Length] row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OuterAdd(Span<float> g, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int rows = a.Length, cols = b.Length;
        VectorKernels.CheckMatrix(g.Length, cols, rows, rows, cols);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        for (int r = 0; r < rows; r++)
            VectorKernels.Axpy(Unsafe.Add(ref a0, r), ref b0, ref Unsafe.Add(ref g0, r * cols), cols);
    }

    /// <summary>
    /// y_b += Wᵀ·v_b for <paramref name="batch"/> vectors, W [rows × cols] row-major, v_b = v[vOffset + b·vStride …][rows],
    /// y_b = y[yOffset + b·yStride …][cols]. Each row of W is loaded once and reused from L1 for the whole batch;
    /// bit-identical to <see cref="TransposeMatVecAdd"/> once per vector.
    /// </summary>
    public static void TransposeMatMatAdd(ReadOnlySpan<float> w, ReadOnlySpan<float> v, int vOffset, int vStride, Span<float> y, int yOffset, int yStride, int batch, int rows, int cols)
    {
        if (batch <= 0) return;
        if (w.Length < rows * cols) VectorKernels.ThrowLength("matrix", w.Length, rows * cols);
        VectorKernels.CheckStrided(v.Length, vOffset, vStride, batch, rows, "v");
        VectorKernels.CheckStrided(y.Length, yOffset, yStride, batch, cols, "y");
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float v0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(v), vOffset);
        ref float y0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), yOffset);
        int b0 = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && cols >= 16)
        {
            // Four vectors at a time over the full 16-column vectors, accumulators in registers across all rows (each
            // element's chain is Axpy's: y + v[r]·W[r, c] fused, rows in order); the column tail then goes as Axpy does it.
            int full = cols & ~15;
            for (; b0 <= batch - 4; b0 += 4)
            {
                ref float v1 = ref Unsafe.Add(ref v0, (nint)b0 * vStride);
                ref float y1 = ref Unsafe.Add(ref y0, (nint)b0 * yStride);
                for (int c = 0; c < full; c += 16)
                {
                    Vector512<float> s0 = Vector512.LoadUnsafe(ref y1, (nuint)c);
                    Vector512<float> s1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c);
                    Vector512<float> s2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c);
                    Vector512<float> s3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c);
                    for (int r = 0; r < rows; r++)
                    {
                        Vector512<float> wr = Vector512.LoadUnsafe(ref Unsafe.Add(ref w0, r * cols + c));
                        s0 = Fma(Vector512.Create(Unsafe.Add(ref v1, r)), wr, s0);
                        s1 = Fma(Vector512.Create(Unsafe.Add(ref v1, vStride + r)), wr, s1);
                        s2 = Fma(Vector512.Create(Unsafe.Add(ref v1, 2 * vStride + r)), wr, s2);
                        s3 = Fma(Vector512.Create(Unsafe.Add(ref v1, 3 * vStride + r)), wr, s3);
                    }
                    s0.StoreUnsafe(ref y1, (nuint)c);
                    s1.StoreUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c);
                    s2.StoreUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c);
                    s3.StoreUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c);
                }
                if (full < cols)
                {
                    nuint last = (nuint)(cols - 16);
                    Vector512<float> mask = TailMask.Last512(cols - full);
                    for (int k = 0; k < 4; k++)
                    {
                        ref float yk = ref Unsafe.Add(ref y1, k * yStride);
                        for (int r = 0; r < rows; r++)
                        {
                            Vector512<float> add = (Vector512.Create(Unsafe.Add(ref v1, k * vStride + r)) * Vector512.LoadUnsafe(ref Unsafe.Add(ref w0, r * cols), last)) & mask;
                            (Vector512.LoadUnsafe(ref yk, last) + add).StoreUnsafe(ref yk, last);
                        }
                    }
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated && cols >= 8)
        {
            // The same with Vector256: 4 vectors × 16 columns (8 accumulators) at a time, then 4 vectors × the last full
            // 8 columns; each element's chain is Axpy's Vector256 one (fused, rows in order), and so is the column tail.
            int full = cols & ~7;
            for (; b0 <= batch - 4; b0 += 4)
            {
                ref float v1 = ref Unsafe.Add(ref v0, (nint)b0 * vStride);
                ref float y1 = ref Unsafe.Add(ref y0, (nint)b0 * yStride);
                int c = 0;
                for (; c <= full - 16; c += 16)
                {
                    Vector256<float> s00 = Vector256.LoadUnsafe(ref y1, (nuint)c), s01 = Vector256.LoadUnsafe(ref y1, (nuint)(c + 8));
                    Vector256<float> s10 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c), s11 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)(c + 8));
                    Vector256<float> s20 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c), s21 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)(c + 8));
                    Vector256<float> s30 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c), s31 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)(c + 8));
                    ref float wr = ref Unsafe.Add(ref w0, c);
                    for (int r = 0; r < rows; r++, wr = ref Unsafe.Add(ref wr, cols))
                    {
                        Vector256<float> w0v = Vector256.LoadUnsafe(ref wr), w1v = Vector256.LoadUnsafe(ref wr, 8);
                        Vector256<float> e = Vector256.Create(Unsafe.Add(ref v1, r));
                        s00 = Fma(e, w0v, s00); s01 = Fma(e, w1v, s01);
                        e = Vector256.Create(Unsafe.Add(ref v1, vStride + r));
                        s10 = Fma(e, w0v, s10); s11 = Fma(e, w1v, s11);
                        e = Vector256.Create(Unsafe.Add(ref v1, 2 * vStride + r));
                        s20 = Fma(e, w0v, s20); s21 = Fma(e, w1v, s21);
                        e = Vector256.Create(Unsafe.Add(ref v1, 3 * vStride + r));
                        s30 = Fma(e, w0v, s30); s31 = Fma(e, w1v, s31);
                    }
                    s00.StoreUnsafe(ref y1, (nuint)c); s01.StoreUnsafe(ref y1, (nuint)(c + 8));
                    s10.StoreUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c); s11.StoreUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)(c + 8));
                    s20.StoreUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c); s21.StoreUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)(c + 8));
                    s30.StoreUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c); s31.StoreUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)(c + 8));
                }
                if (c < full)
                {
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref y1, (nuint)c), s1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c);
                    Vector256<float> s2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c), s3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c);
                    for (int r = 0; r < rows; r++)
                    {
                        Vector256<float> wv = Vector256.LoadUnsafe(ref Unsafe.Add(ref w0, r * cols + c));
                        s0 = Fma(Vector256.Create(Unsafe.Add(ref v1, r)), wv, s0);
                        s1 = Fma(Vector256.Create(Unsafe.Add(ref v1, vStride + r)), wv, s1);
                        s2 = Fma(Vector256.Create(Unsafe.Add(ref v1, 2 * vStride + r)), wv, s2);
                        s3 = Fma(Vector256.Create(Unsafe.Add(ref v1, 3 * vStride + r)), wv, s3);
                    }
                    s0.StoreUnsafe(ref y1, (nuint)c); s1.StoreUnsafe(ref Unsafe.Add(ref y1, yStride), (nuint)c);
                    s2.StoreUnsafe(ref Unsafe.Add(ref y1, 2 * yStride), (nuint)c); s3.StoreUnsafe(ref Unsafe.Add(ref y1, 3 * yStride), (nuint)c);
                }
                if (full < cols)
                {
                    nuint last = (nuint)(cols - 8);
                    Vector256<float> mask = TailMask.Last256(cols - full);
                    for (int k = 0; k < 4; k++)
                    {
                        ref float yk = ref Unsafe.Add(ref y1, k * yStride);
                        for (int r = 0; r < rows; r++)
                        {
                            Vector256<float> add = (Vector256.Create(Unsafe.Add(ref v1, k * vStride + r)) * Vector256.LoadUnsafe(ref Unsafe.Add(ref w0, r * cols), last)) & mask;
                            (Vector256.LoadUnsafe(ref yk, last) + add).StoreUnsafe(ref yk, last);
                        }
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++)
            for (int b = b0; b < batch; b++)
                VectorKernels.Axpy(Unsafe.Add(ref v0, (nint)b * vStride + r), ref Unsafe.Add(ref w0, r * cols), ref Unsafe.Add(ref y0, (nint)b * yStride), cols);
    }
}
