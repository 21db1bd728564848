using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// The dense kernels generated models call with compile-time constant sizes. Each has a Vector512 path (where
/// the CPU accelerates it), a Vector256 FMA path and a scalar path, widest first; a tail that does not fill a
/// vector is handled by an overlapping last vector whose already-processed lanes are masked off.
/// Matrices are row-major (PyTorch's layout). Inlined aggressively so that constant sizes fold into the loops.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class VectorKernels
{
    // 16 zero-mask lanes followed by 16 all-ones lanes: loading 16 floats at offset r gives a mask whose last r
    // lanes are set. A static array (not a collection-expression span) so that no build configuration allocates.
    private static readonly float[] s_tailMask = CreateTailMask();

    private static float[] CreateTailMask()
    {
        var mask = new float[32];
        for (int i = 16; i < 32; i++) mask[i] = BitConverter.Int32BitsToSingle(-1);
        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask512(int remainder) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_tailMask), (nuint)remainder);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMask256(int remainder) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_tailMask), (nuint)(8 + remainder));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : a * b + c;

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
                acc1 += last & TailMask512(n - i);
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
                acc1 += last & TailMask256(n - i);
            }
            return Vector256.Sum(acc0 + acc1);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>y[i] += α·x[i] for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ref float x, ref float y, int n)
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && n >= 16)
        {
            Vector512<float> va = Vector512.Create(alpha);
            int i = 0;
            for (; i <= n - 16; i += 16)
                Fma(va, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            if (i < n)
            {
                nuint last = (nuint)(n - 16);
                Vector512<float> add = (va * Vector512.LoadUnsafe(ref x, last)) & TailMask512(n - i);
                (Vector512.LoadUnsafe(ref y, last) + add).StoreUnsafe(ref y, last);
            }
            return;
        }
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> va = Vector256.Create(alpha);
            int i = 0;
            for (; i <= n - 8; i += 8)
                Fma(va, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            if (i < n)
            {
                nuint last = (nuint)(n - 8);
                Vector256<float> add = (va * Vector256.LoadUnsafe(ref x, last)) & TailMask256(n - i);
                (Vector256.LoadUnsafe(ref y, last) + add).StoreUnsafe(ref y, last);
            }
            return;
        }
        for (int i = 0; i < n; i++) Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
    }

    /// <summary>y += W·x, W is [rows × cols] row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MatVecAdd(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        CheckMatrix(w.Length, x.Length, y.Length, rows, cols);
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
        CheckMatrix(w.Length, y.Length, v.Length, rows, cols);
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
            Axpy(Unsafe.Add(ref v0, r), ref Unsafe.Add(ref w0, r * cols), ref y0, cols);
    }

    /// <summary>G += a·bᵀ, G is [a.Length × b.Length] row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OuterAdd(Span<float> g, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int rows = a.Length, cols = b.Length;
        CheckMatrix(g.Length, cols, rows, rows, cols);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        for (int r = 0; r < rows; r++)
            Axpy(Unsafe.Add(ref a0, r), ref b0, ref Unsafe.Add(ref g0, r * cols), cols);
    }

    /// <summary>
    /// y += W·x with W in the packed layout <see cref="Transpose"/> writes (rows·cols floats): on the Vector256 path
    /// 8-row panels, each [cols × 8] contiguous, and the last rows % 8 rows as a narrow panel; otherwise W transposed,
    /// [cols × rows] with column c of W contiguous. Each x[c] is broadcast and multiplied into a block of rows at once
    /// (independent accumulators, no horizontal sums). Row tails: on the Vector256 path a fused chain per row, on the
    /// Vector512 path an overlapping last vector whose already-done lanes add zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackedMatVecAdd(ReadOnlySpan<float> packed, ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        CheckMatrix(packed.Length, x.Length, y.Length, rows, cols);
        PackedProducts(ref MemoryMarshal.GetReference(packed), ref MemoryMarshal.GetReference(x), 0, ref MemoryMarshal.GetReference(y), 0, 1, rows, cols);
    }

    /// <summary>
    /// y = b + W_x·x + W_h·h for one vector (a recurrent cell's pre-activations), W_x [rows × colsX] and W_h [rows × colsH]
    /// packed as in <see cref="PackedMatVecAdd"/>. On the Vector256 path both products run in one pass per block of rows,
    /// accumulators in registers from the bias to the last column of h; elsewhere it is the bias copy and two
    /// <see cref="PackedMatVecAdd"/> calls. Either way each element is the same chain (b, then x's columns, then h's, one
    /// fused multiply-add each) as those three steps, so the result is bit-identical to them.
    /// </summary>
    public static void PackedMatVec2Add(ReadOnlySpan<float> bias, ReadOnlySpan<float> packedX, ReadOnlySpan<float> x,
        ReadOnlySpan<float> packedH, ReadOnlySpan<float> h, Span<float> y, int rows, int colsX, int colsH)
    {
        if (bias.Length < rows) ThrowLength("bias", bias.Length, rows);
        CheckMatrix(packedX.Length, x.Length, y.Length, rows, colsX);
        CheckMatrix(packedH.Length, h.Length, y.Length, rows, colsH);
        if (!Panels(rows) || rows < 16)
        {
            bias.Slice(0, rows).CopyTo(y);
            PackedProducts(ref MemoryMarshal.GetReference(packedX), ref MemoryMarshal.GetReference(x), 0, ref MemoryMarshal.GetReference(y), 0, 1, rows, colsX);
            PackedProducts(ref MemoryMarshal.GetReference(packedH), ref MemoryMarshal.GetReference(h), 0, ref MemoryMarshal.GetReference(y), 0, 1, rows, colsH);
            return;
        }
        ref float b0 = ref MemoryMarshal.GetReference(bias);
        ref float px = ref MemoryMarshal.GetReference(packedX);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float ph = ref MemoryMarshal.GetReference(packedH);
        ref float h0 = ref MemoryMarshal.GetReference(h);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int r = 0;
        for (; r <= rows - 64; r += 64)
        {
            // 8 panels of 8 rows: 8 independent chains per column (fewer would wait on the FMA latency).
            Vector256<float> a0 = Vector256.LoadUnsafe(ref b0, (nuint)r), a1 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 8));
            Vector256<float> a2 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 16)), a3 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 24));
            Vector256<float> a4 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 32)), a5 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 40));
            Vector256<float> a6 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 48)), a7 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 56));
            nuint panel = (nuint)(8 * colsX);
            ref float column = ref Unsafe.Add(ref px, (nint)r * colsX);
            for (int c = 0; c < colsX; c++, column = ref Unsafe.Add(ref column, 8))
            {
                Vector256<float> v = Vector256.Create(Unsafe.Add(ref x0, c));
                a0 = Fma(Vector256.LoadUnsafe(ref column), v, a0); a1 = Fma(Vector256.LoadUnsafe(ref column, panel), v, a1);
                a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), v, a2); a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), v, a3);
                a4 = Fma(Vector256.LoadUnsafe(ref column, 4 * panel), v, a4); a5 = Fma(Vector256.LoadUnsafe(ref column, 5 * panel), v, a5);
                a6 = Fma(Vector256.LoadUnsafe(ref column, 6 * panel), v, a6); a7 = Fma(Vector256.LoadUnsafe(ref column, 7 * panel), v, a7);
            }
            panel = (nuint)(8 * colsH);
            column = ref Unsafe.Add(ref ph, (nint)r * colsH);
            for (int c = 0; c < colsH; c++, column = ref Unsafe.Add(ref column, 8))
            {
                Vector256<float> v = Vector256.Create(Unsafe.Add(ref h0, c));
                a0 = Fma(Vector256.LoadUnsafe(ref column), v, a0); a1 = Fma(Vector256.LoadUnsafe(ref column, panel), v, a1);
                a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), v, a2); a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), v, a3);
                a4 = Fma(Vector256.LoadUnsafe(ref column, 4 * panel), v, a4); a5 = Fma(Vector256.LoadUnsafe(ref column, 5 * panel), v, a5);
                a6 = Fma(Vector256.LoadUnsafe(ref column, 6 * panel), v, a6); a7 = Fma(Vector256.LoadUnsafe(ref column, 7 * panel), v, a7);
            }
            a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 8));
            a2.StoreUnsafe(ref y0, (nuint)(r + 16)); a3.StoreUnsafe(ref y0, (nuint)(r + 24));
            a4.StoreUnsafe(ref y0, (nuint)(r + 32)); a5.StoreUnsafe(ref y0, (nuint)(r + 40));
            a6.StoreUnsafe(ref y0, (nuint)(r + 48)); a7.StoreUnsafe(ref y0, (nuint)(r + 56));
        }
        for (; r <= rows - 32; r += 32)
        {
            // 4 panels of 8 rows: 4 independent chains per column.
            Vector256<float> a0 = Vector256.LoadUnsafe(ref b0, (nuint)r), a1 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 8));
            Vector256<float> a2 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 16)), a3 = Vector256.LoadUnsafe(ref b0, (nuint)(r + 24));
            nuint panel = (nuint)(8 * colsX);
            ref float column = ref Unsafe.Add(ref px, (nint)r * colsX);
            for (int c = 0; c < colsX; c++, column = ref Unsafe.Add(ref column, 8))
            {
                Vector256<float> v = Vector256.Create(Unsafe.Add(ref x0, c));
                a0 = Fma(Vector256.LoadUnsafe(ref column), v, a0);
                a1 = Fma(Vector256.LoadUnsafe(ref column, panel), v, a1);
                a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), v, a2);
                a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), v, a3);
            }
            panel = (nuint)(8 * colsH);
            column = ref Unsafe.Add(ref ph, (nint)r * colsH);
            for (int c = 0; c < colsH; c++, column = ref Unsafe.Add(ref column, 8))
            {
                Vector256<float> v = Vector256.Create(Unsafe.Add(ref h0, c));
                a0 = Fma(Vector256.LoadUnsafe(ref column), v, a0);
                a1 = Fma(Vector256.LoadUnsafe(ref column, panel), v, a1);
                a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), v, a2);
                a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), v, a3);
            }
            a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 8));
            a2.StoreUnsafe(ref y0, (nuint)(r + 16)); a3.StoreUnsafe(ref y0, (nuint)(r + 24));
        }
        for (; r <= rows - 8; r += 8)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref b0, (nuint)r);
            ref float column = ref Unsafe.Add(ref px, (nint)r * colsX);
            for (int c = 0; c < colsX; c++, column = ref Unsafe.Add(ref column, 8))
                a = Fma(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref x0, c)), a);
            column = ref Unsafe.Add(ref ph, (nint)r * colsH);
            for (int c = 0; c < colsH; c++, column = ref Unsafe.Add(ref column, 8))
                a = Fma(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref h0, c)), a);
            a.StoreUnsafe(ref y0, (nuint)r);
        }
        if (r < rows)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b0, r), rows - r).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref y0, r), rows - r));
            Packed256Tail(ref px, ref x0, ref y0, r, rows, colsX);
            Packed256Tail(ref ph, ref h0, ref y0, r, rows, colsH);
        }
    }

    /// <summary>
    /// y_b += W·x_b for <paramref name="batch"/> vectors at once, W packed as in <see cref="PackedMatVecAdd"/>;
    /// x_b = x[xOffset + b·xStride …][cols], y_b = y[yOffset + b·yStride …][rows]. Each block of W (64 rows × cols) is
    /// loaded from memory once and reused from L1 for every vector of the batch; each element's arithmetic is exactly
    /// that of <see cref="PackedMatVecAdd"/>, so the results are bit-identical to calling it once per vector.
    /// </summary>
    public static void PackedMatMatAdd(ReadOnlySpan<float> packed, ReadOnlySpan<float> x, int xOffset, int xStride, Span<float> y, int yOffset, int yStride, int batch, int rows, int cols)
    {
        if (batch <= 0) return;
        if (packed.Length < rows * cols) ThrowLength("matrix", packed.Length, rows * cols);
        CheckStrided(x.Length, xOffset, xStride, batch, cols, "x");
        CheckStrided(y.Length, yOffset, yStride, batch, rows, "y");
        PackedProducts(ref MemoryMarshal.GetReference(packed), ref Unsafe.Add(ref MemoryMarshal.GetReference(x), xOffset), xStride,
            ref Unsafe.Add(ref MemoryMarshal.GetReference(y), yOffset), yStride, batch, rows, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackedProducts(ref float p0, ref float x0, int xStride, ref float y0, int yStride, int batch, int rows, int cols)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && rows >= 16)
        {
            // Every full row vector is a chain from y over c in order, whatever the blocking, so all paths agree bit for bit.
            for (; r <= rows - 64; r += 64)
            {
                int b = 0;
                for (; b <= batch - 4; b += 4)   // 2 row vectors × 4 vectors of the batch: each weight load feeds 4 FMAs
                {
                    Packed512x2Batch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r, rows, cols);
                    Packed512x2Batch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r + 32, rows, cols);
                }
                for (; b < batch; b++)   // one vector: 4 row vectors, 4 independent accumulator chains
                    Packed512x4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            }
            for (; r <= rows - 32; r += 32)
            {
                int b = 0;
                for (; b <= batch - 4; b += 4)
                    Packed512x2Batch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r, rows, cols);
                for (; b < batch; b++)
                    Packed512x2(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            }
            for (; r <= rows - 16; r += 16)
                for (int b = 0; b < batch; b++)
                    Packed512(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            if (r < rows)
                for (int b = 0; b < batch; b++)
                    Packed512Tail(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            return;
        }
        if (Vector256.IsHardwareAccelerated && rows >= 8)
        {
            if (rows < 16)
            {
                // One full panel (a small Dense head): split chains, the same for every vector of a batch.
                for (int b = 0; b < batch; b++)
                {
                    ref float yb = ref Unsafe.Add(ref y0, (nint)b * yStride);
                    ref float xb = ref Unsafe.Add(ref x0, (nint)b * xStride);
                    Packed256Split(ref p0, ref xb, ref yb, cols);
                    if (rows > 8) Packed256Tail(ref p0, ref xb, ref yb, 8, rows, cols);
                }
                return;
            }
            if (batch >= 4)
            {
                // 16 rows × 4 vectors of the batch: each weight load feeds 4 FMAs, 8 independent chains; the weight block
                // (16 rows × cols) is reused from L1 by every vector. Per element the chain is the one-vector kernels'.
                for (; r <= rows - 16; r += 16)
                {
                    int b = 0;
                    for (; b <= batch - 4; b += 4)
                        Packed256x2Batch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r, rows, cols);
                    for (; b < batch; b++)
                    {
                        Packed256(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
                        Packed256(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r + 8, rows, cols);
                    }
                }
            }
            // 8 independent accumulator chains where the rows allow: with 4, a single vector waits on the FMA latency.
            for (; r <= rows - 64; r += 64)
                for (int b = 0; b < batch; b++)
                    Packed256x8(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            for (; r <= rows - 32; r += 32)
                for (int b = 0; b < batch; b++)
                    Packed256x4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            for (; r <= rows - 8; r += 8)
                for (int b = 0; b < batch; b++)
                    Packed256(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            if (r < rows)
                for (int b = 0; b < batch; b++)
                    Packed256Tail(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            return;
        }
        if (rows < 8)
        {
            for (int b = 0; b < batch; b++)
                FewRows(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), rows, cols);
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            ref float xb = ref Unsafe.Add(ref x0, (nint)b * xStride);
            ref float yb = ref Unsafe.Add(ref y0, (nint)b * yStride);
            for (int c = 0; c < cols; c++)
            {
                float xc = Unsafe.Add(ref xb, c);
                ref float column = ref Unsafe.Add(ref p0, c * rows);
                for (int i = 0; i < rows; i++) Unsafe.Add(ref yb, i) += Unsafe.Add(ref column, i) * xc;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed512x4(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        Vector512<float> a0 = Vector512.LoadUnsafe(ref y0, (nuint)r), a1 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 16));
        Vector512<float> a2 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 32)), a3 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 48));
        for (int c = 0; c < cols; c++)
        {
            Vector512<float> xc = Vector512.Create(Unsafe.Add(ref x0, c));
            ref float column = ref Unsafe.Add(ref p0, c * rows + r);
            a0 = Fma(Vector512.LoadUnsafe(ref column), xc, a0);
            a1 = Fma(Vector512.LoadUnsafe(ref column, 16), xc, a1);
            a2 = Fma(Vector512.LoadUnsafe(ref column, 32), xc, a2);
            a3 = Fma(Vector512.LoadUnsafe(ref column, 48), xc, a3);
        }
        a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 16));
        a2.StoreUnsafe(ref y0, (nuint)(r + 32)); a3.StoreUnsafe(ref y0, (nuint)(r + 48));
    }

    /// <summary>Rows r … r + 31 of four vectors of a batch: 8 accumulators, each per-element chain exactly as in <see cref="Packed512"/>.</summary>
    private static void Packed512x2Batch4(ref float p0, ref float x0, int xStride, ref float y0, int yStride, int r, int rows, int cols)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride), x2 = ref Unsafe.Add(ref x0, 2 * xStride), x3 = ref Unsafe.Add(ref x0, 3 * xStride);
        ref float y1 = ref Unsafe.Add(ref y0, yStride), y2 = ref Unsafe.Add(ref y0, 2 * yStride), y3 = ref Unsafe.Add(ref y0, 3 * yStride);
        Vector512<float> a00 = Vector512.LoadUnsafe(ref y0, (nuint)r), a01 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 16));
        Vector512<float> a10 = Vector512.LoadUnsafe(ref y1, (nuint)r), a11 = Vector512.LoadUnsafe(ref y1, (nuint)(r + 16));
        Vector512<float> a20 = Vector512.LoadUnsafe(ref y2, (nuint)r), a21 = Vector512.LoadUnsafe(ref y2, (nuint)(r + 16));
        Vector512<float> a30 = Vector512.LoadUnsafe(ref y3, (nuint)r), a31 = Vector512.LoadUnsafe(ref y3, (nuint)(r + 16));
        for (int c = 0; c < cols; c++)
        {
            ref float column = ref Unsafe.Add(ref p0, c * rows + r);
            Vector512<float> w0 = Vector512.LoadUnsafe(ref column), w1 = Vector512.LoadUnsafe(ref column, 16);
            Vector512<float> v = Vector512.Create(Unsafe.Add(ref x0, c));
            a00 = Fma(w0, v, a00); a01 = Fma(w1, v, a01);
            v = Vector512.Create(Unsafe.Add(ref x1, c));
            a10 = Fma(w0, v, a10); a11 = Fma(w1, v, a11);
            v = Vector512.Create(Unsafe.Add(ref x2, c));
            a20 = Fma(w0, v, a20); a21 = Fma(w1, v, a21);
            v = Vector512.Create(Unsafe.Add(ref x3, c));
            a30 = Fma(w0, v, a30); a31 = Fma(w1, v, a31);
        }
        a00.StoreUnsafe(ref y0, (nuint)r); a01.StoreUnsafe(ref y0, (nuint)(r + 16));
        a10.StoreUnsafe(ref y1, (nuint)r); a11.StoreUnsafe(ref y1, (nuint)(r + 16));
        a20.StoreUnsafe(ref y2, (nuint)r); a21.StoreUnsafe(ref y2, (nuint)(r + 16));
        a30.StoreUnsafe(ref y3, (nuint)r); a31.StoreUnsafe(ref y3, (nuint)(r + 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed512x2(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        Vector512<float> a0 = Vector512.LoadUnsafe(ref y0, (nuint)r), a1 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 16));
        for (int c = 0; c < cols; c++)
        {
            Vector512<float> xc = Vector512.Create(Unsafe.Add(ref x0, c));
            ref float column = ref Unsafe.Add(ref p0, c * rows + r);
            a0 = Fma(Vector512.LoadUnsafe(ref column), xc, a0);
            a1 = Fma(Vector512.LoadUnsafe(ref column, 16), xc, a1);
        }
        a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed512(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        Vector512<float> a = Vector512.LoadUnsafe(ref y0, (nuint)r);
        for (int c = 0; c < cols; c++)
            a = Fma(Vector512.LoadUnsafe(ref Unsafe.Add(ref p0, c * rows + r)), Vector512.Create(Unsafe.Add(ref x0, c)), a);
        a.StoreUnsafe(ref y0, (nuint)r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed512Tail(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        int last = rows - 16;
        Vector512<float> a = Vector512<float>.Zero;
        for (int c = 0; c < cols; c++)
            a = Fma(Vector512.LoadUnsafe(ref Unsafe.Add(ref p0, c * rows + last)), Vector512.Create(Unsafe.Add(ref x0, c)), a);
        (Vector512.LoadUnsafe(ref y0, (nuint)last) + (a & TailMask512(rows - r))).StoreUnsafe(ref y0, (nuint)last);
    }

    /// <summary>Rows r … r + 15 of four vectors of a batch: 8 accumulators, each per-element chain exactly as in <see cref="Packed256"/>.</summary>
    private static void Packed256x2Batch4(ref float p0, ref float x0, int xStride, ref float y0, int yStride, int r, int rows, int cols)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride), x2 = ref Unsafe.Add(ref x0, 2 * xStride), x3 = ref Unsafe.Add(ref x0, 3 * xStride);
        ref float y1 = ref Unsafe.Add(ref y0, yStride), y2 = ref Unsafe.Add(ref y0, 2 * yStride), y3 = ref Unsafe.Add(ref y0, 3 * yStride);
        Vector256<float> a00 = Vector256.LoadUnsafe(ref y0, (nuint)r), a01 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 8));
        Vector256<float> a10 = Vector256.LoadUnsafe(ref y1, (nuint)r), a11 = Vector256.LoadUnsafe(ref y1, (nuint)(r + 8));
        Vector256<float> a20 = Vector256.LoadUnsafe(ref y2, (nuint)r), a21 = Vector256.LoadUnsafe(ref y2, (nuint)(r + 8));
        Vector256<float> a30 = Vector256.LoadUnsafe(ref y3, (nuint)r), a31 = Vector256.LoadUnsafe(ref y3, (nuint)(r + 8));
        nuint panel = (nuint)(8 * cols);
        ref float column = ref Unsafe.Add(ref p0, (nint)r * cols);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, 8))
        {
            Vector256<float> w0 = Vector256.LoadUnsafe(ref column), w1 = Vector256.LoadUnsafe(ref column, panel);
            Vector256<float> v = Vector256.Create(Unsafe.Add(ref x0, c));
            a00 = Fma(w0, v, a00); a01 = Fma(w1, v, a01);
            v = Vector256.Create(Unsafe.Add(ref x1, c));
            a10 = Fma(w0, v, a10); a11 = Fma(w1, v, a11);
            v = Vector256.Create(Unsafe.Add(ref x2, c));
            a20 = Fma(w0, v, a20); a21 = Fma(w1, v, a21);
            v = Vector256.Create(Unsafe.Add(ref x3, c));
            a30 = Fma(w0, v, a30); a31 = Fma(w1, v, a31);
        }
        a00.StoreUnsafe(ref y0, (nuint)r); a01.StoreUnsafe(ref y0, (nuint)(r + 8));
        a10.StoreUnsafe(ref y1, (nuint)r); a11.StoreUnsafe(ref y1, (nuint)(r + 8));
        a20.StoreUnsafe(ref y2, (nuint)r); a21.StoreUnsafe(ref y2, (nuint)(r + 8));
        a30.StoreUnsafe(ref y3, (nuint)r); a31.StoreUnsafe(ref y3, (nuint)(r + 8));
    }

    private static void Packed256x8(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        // Panels r, r + 8, …, r + 56: eight sequential weight streams, one per accumulator.
        Vector256<float> a0 = Vector256.LoadUnsafe(ref y0, (nuint)r), a1 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 8));
        Vector256<float> a2 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 16)), a3 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 24));
        Vector256<float> a4 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 32)), a5 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 40));
        Vector256<float> a6 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 48)), a7 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 56));
        nuint panel = (nuint)(8 * cols);
        ref float column = ref Unsafe.Add(ref p0, (nint)r * cols);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, 8))
        {
            Vector256<float> xc = Vector256.Create(Unsafe.Add(ref x0, c));
            a0 = Fma(Vector256.LoadUnsafe(ref column), xc, a0);
            a1 = Fma(Vector256.LoadUnsafe(ref column, panel), xc, a1);
            a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), xc, a2);
            a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), xc, a3);
            a4 = Fma(Vector256.LoadUnsafe(ref column, 4 * panel), xc, a4);
            a5 = Fma(Vector256.LoadUnsafe(ref column, 5 * panel), xc, a5);
            a6 = Fma(Vector256.LoadUnsafe(ref column, 6 * panel), xc, a6);
            a7 = Fma(Vector256.LoadUnsafe(ref column, 7 * panel), xc, a7);
        }
        a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 8));
        a2.StoreUnsafe(ref y0, (nuint)(r + 16)); a3.StoreUnsafe(ref y0, (nuint)(r + 24));
        a4.StoreUnsafe(ref y0, (nuint)(r + 32)); a5.StoreUnsafe(ref y0, (nuint)(r + 40));
        a6.StoreUnsafe(ref y0, (nuint)(r + 48)); a7.StoreUnsafe(ref y0, (nuint)(r + 56));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed256x4(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref y0, (nuint)r), a1 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 8));
        Vector256<float> a2 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 16)), a3 = Vector256.LoadUnsafe(ref y0, (nuint)(r + 24));
        nuint panel = (nuint)(8 * cols);
        ref float column = ref Unsafe.Add(ref p0, (nint)r * cols);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, 8))
        {
            Vector256<float> xc = Vector256.Create(Unsafe.Add(ref x0, c));
            a0 = Fma(Vector256.LoadUnsafe(ref column), xc, a0);
            a1 = Fma(Vector256.LoadUnsafe(ref column, panel), xc, a1);
            a2 = Fma(Vector256.LoadUnsafe(ref column, 2 * panel), xc, a2);
            a3 = Fma(Vector256.LoadUnsafe(ref column, 3 * panel), xc, a3);
        }
        a0.StoreUnsafe(ref y0, (nuint)r); a1.StoreUnsafe(ref y0, (nuint)(r + 8));
        a2.StoreUnsafe(ref y0, (nuint)(r + 16)); a3.StoreUnsafe(ref y0, (nuint)(r + 24));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed256(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        Vector256<float> a = Vector256.LoadUnsafe(ref y0, (nuint)r);
        ref float column = ref Unsafe.Add(ref p0, (nint)r * cols);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, 8))
            a = Fma(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref x0, c)), a);
        a.StoreUnsafe(ref y0, (nuint)r);
    }

    /// <summary>The only full panel of a matrix with 8…15 rows (a small Dense head): four accumulator chains over the
    /// columns (c mod 4), summed at the end, so the panel does not wait on one chain of cols dependent FMAs. Every path
    /// (one vector or a batch) uses it for such a matrix, so batched and one-at-a-time results stay bit-identical.</summary>
    private static void Packed256Split(ref float p0, ref float x0, ref float y0, int cols)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref y0), a1 = Vector256<float>.Zero, a2 = Vector256<float>.Zero, a3 = Vector256<float>.Zero;
        ref float column = ref p0;
        int c = 0;
        for (; c <= cols - 4; c += 4, column = ref Unsafe.Add(ref column, 32))
        {
            a0 = Fma(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref x0, c)), a0);
            a1 = Fma(Vector256.LoadUnsafe(ref column, 8), Vector256.Create(Unsafe.Add(ref x0, c + 1)), a1);
            a2 = Fma(Vector256.LoadUnsafe(ref column, 16), Vector256.Create(Unsafe.Add(ref x0, c + 2)), a2);
            a3 = Fma(Vector256.LoadUnsafe(ref column, 24), Vector256.Create(Unsafe.Add(ref x0, c + 3)), a3);
        }
        for (; c < cols; c++, column = ref Unsafe.Add(ref column, 8))
            a0 = Fma(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref x0, c)), a0);
        ((a0 + a1) + (a2 + a3)).StoreUnsafe(ref y0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Packed256Tail(ref float p0, ref float x0, ref float y0, int r, int rows, int cols)
    {
        // The last rows % 8 rows form one narrow panel [cols × t]; each row keeps four partial sums (columns c mod 4)
        // in registers rather than one chain of cols dependent FMAs. Every path (one vector or a batch) ends with this
        // same routine for the same rows, so batched and one-at-a-time results stay bit-identical.
        int t = rows - r;
        ref float panel = ref Unsafe.Add(ref p0, (nint)r * cols);
        for (int l = 0; l < t; l++)
        {
            float a0 = Unsafe.Add(ref y0, r + l), a1 = 0f, a2 = 0f, a3 = 0f;
            int c = 0;
            for (; c <= cols - 4; c += 4)
            {
                a0 = ScalarFma(Unsafe.Add(ref panel, c * t + l), Unsafe.Add(ref x0, c), a0);
                a1 = ScalarFma(Unsafe.Add(ref panel, (c + 1) * t + l), Unsafe.Add(ref x0, c + 1), a1);
                a2 = ScalarFma(Unsafe.Add(ref panel, (c + 2) * t + l), Unsafe.Add(ref x0, c + 2), a2);
                a3 = ScalarFma(Unsafe.Add(ref panel, (c + 3) * t + l), Unsafe.Add(ref x0, c + 3), a3);
            }
            for (; c < cols; c++)
                a0 = ScalarFma(Unsafe.Add(ref panel, c * t + l), Unsafe.Add(ref x0, c), a0);
            Unsafe.Add(ref y0, r + l) = (a0 + a1) + (a2 + a3);
        }
    }

    /// <summary>
    /// y += W·x for fewer than 8 rows (a Dense head with a few outputs), W as plain columns (element (i, c) at c·rows + i).
    /// A single row is a dot product over contiguous weights: two Vector256 chains, then the scalar tail. Other row
    /// counts keep four partial sums per row in registers (columns c mod 4), so no row waits on one chain of every column.
    /// </summary>
    private static void FewRows(ref float p0, ref float x0, ref float y0, int rows, int cols)
    {
        if (rows == 1)
        {
            int c = 0;
            float sum = 0f;
            if (Vector256.IsHardwareAccelerated && cols >= 16)
            {
                Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
                for (; c <= cols - 16; c += 16)
                {
                    s0 = Fma(Vector256.LoadUnsafe(ref p0, (nuint)c), Vector256.LoadUnsafe(ref x0, (nuint)c), s0);
                    s1 = Fma(Vector256.LoadUnsafe(ref p0, (nuint)(c + 8)), Vector256.LoadUnsafe(ref x0, (nuint)(c + 8)), s1);
                }
                sum = Vector256.Sum(s0 + s1);
            }
            float t0 = 0f, t1 = 0f;
            for (; c <= cols - 2; c += 2)
            {
                t0 = ScalarFma(Unsafe.Add(ref p0, c), Unsafe.Add(ref x0, c), t0);
                t1 = ScalarFma(Unsafe.Add(ref p0, c + 1), Unsafe.Add(ref x0, c + 1), t1);
            }
            if (c < cols) t0 = ScalarFma(Unsafe.Add(ref p0, c), Unsafe.Add(ref x0, c), t0);
            y0 += sum + (t0 + t1);
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            int c = 0;
            for (; c <= cols - 4; c += 4)
            {
                a0 = ScalarFma(Unsafe.Add(ref p0, c * rows + i), Unsafe.Add(ref x0, c), a0);
                a1 = ScalarFma(Unsafe.Add(ref p0, (c + 1) * rows + i), Unsafe.Add(ref x0, c + 1), a1);
                a2 = ScalarFma(Unsafe.Add(ref p0, (c + 2) * rows + i), Unsafe.Add(ref x0, c + 2), a2);
                a3 = ScalarFma(Unsafe.Add(ref p0, (c + 3) * rows + i), Unsafe.Add(ref x0, c + 3), a3);
            }
            for (; c < cols; c++) a0 = ScalarFma(Unsafe.Add(ref p0, c * rows + i), Unsafe.Add(ref x0, c), a0);
            Unsafe.Add(ref y0, i) += (a0 + a1) + (a2 + a3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ScalarFma(float a, float b, float c) => System.Runtime.Intrinsics.X86.Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// y_b += Wᵀ·v_b for <paramref name="batch"/> vectors, W [rows × cols] row-major, v_b = v[vOffset + b·vStride …][rows],
    /// y_b = y[yOffset + b·yStride …][cols]. Each row of W is loaded once and reused from L1 for the whole batch;
    /// bit-identical to <see cref="TransposeMatVecAdd"/> once per vector.
    /// </summary>
    public static void TransposeMatMatAdd(ReadOnlySpan<float> w, ReadOnlySpan<float> v, int vOffset, int vStride, Span<float> y, int yOffset, int yStride, int batch, int rows, int cols)
    {
        if (batch <= 0) return;
        if (w.Length < rows * cols) ThrowLength("matrix", w.Length, rows * cols);
        CheckStrided(v.Length, vOffset, vStride, batch, rows, "v");
        CheckStrided(y.Length, yOffset, yStride, batch, cols, "y");
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
                    Vector512<float> mask = TailMask512(cols - full);
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
                    Vector256<float> mask = TailMask256(cols - full);
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
                Axpy(Unsafe.Add(ref v0, (nint)b * vStride + r), ref Unsafe.Add(ref w0, r * cols), ref Unsafe.Add(ref y0, (nint)b * yStride), cols);
    }

    /// <summary>Writes W [rows × cols] (row-major) into <paramref name="packed"/> in the layout <see cref="PackedMatVecAdd"/>
    /// and <see cref="PackedMatMatAdd"/> read on this machine: 8-row panels where they take the Vector256 path, W
    /// transposed [cols × rows] elsewhere. The layout is a property of the process: pack and multiply on the same machine.</summary>
    public static void Transpose(ReadOnlySpan<float> w, Span<float> packed, int rows, int cols)
    {
        CheckMatrix(w.Length, cols, rows, rows, cols);
        CheckMatrix(packed.Length, rows, cols, cols, rows);
        Pack(w, packed, rows, cols, transposedSource: false);
    }

    /// <summary>Packs Wᵀ ([cols × rows]; W is [rows × cols] row-major) in the layout <see cref="Transpose"/> writes, so that
    /// <c>PackedMatMatAdd(packed, v, …, rows: cols, cols: rows)</c> computes y += Wᵀ·v with the same sequential weight streams
    /// as the forward products (each element a fused chain over W's rows in order).</summary>
    public static void PackTransposed(ReadOnlySpan<float> w, Span<float> packed, int rows, int cols)
    {
        CheckMatrix(w.Length, cols, rows, rows, cols);
        CheckMatrix(packed.Length, rows, cols, cols, rows);
        Pack(w, packed, cols, rows, transposedSource: true);
    }

    // Packs the matrix M [mr × mc]: M(i, j) = w[i·mc + j], or w[j·mr + i] when w holds Mᵀ. Runs after every
    // optimizer update (the trainer's replicas repack their weights), so it moves whole vectors where the layouts
    // allow: a panel column of Mᵀ is 8 contiguous floats; 8 × 8 blocks of M are transposed in registers. The callers
    // have checked both lengths.
    private static void Pack(ReadOnlySpan<float> w, Span<float> packed, int mr, int mc, bool transposedSource)
    {
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float p0 = ref MemoryMarshal.GetReference(packed);
        if (Panels(mr))
        {
            // 8-row panels, each [mc × 8] contiguous, then the last mr % 8 rows as one narrow panel [mc × t]:
            // the Vector256 kernels then read every weight stream sequentially.
            int full = mr & ~7, t = mr - full;
            for (int i = 0; i < full; i += 8)
            {
                ref float panel = ref Unsafe.Add(ref p0, (nint)i * mc);
                int j = 0;
                if (transposedSource)
                {
                    for (; j < mc; j++)   // M(i … i + 7, j) = w[j·mr + i …]
                        Vector256.LoadUnsafe(ref w0, (nuint)((nint)j * mr + i)).StoreUnsafe(ref panel, (nuint)(8 * j));
                }
                else if (Avx.IsSupported)
                {
                    for (; j <= mc - 8; j += 8)
                        Transpose8x8(ref Unsafe.Add(ref w0, (nint)i * mc + j), mc, ref Unsafe.Add(ref panel, 8 * j));
                }
                for (; j < mc; j++)
                    for (int l = 0; l < 8; l++)
                        Unsafe.Add(ref panel, 8 * j + l) = Unsafe.Add(ref w0, (nint)(i + l) * mc + j);
            }
            ref float last = ref Unsafe.Add(ref p0, (nint)full * mc);
            for (int j = 0; j < mc; j++)
                for (int l = 0; l < t; l++)
                    Unsafe.Add(ref last, j * t + l) = transposedSource ? Unsafe.Add(ref w0, (nint)j * mr + full + l) : Unsafe.Add(ref w0, (nint)(full + l) * mc + j);
            return;
        }
        // Plain columns: [mc × mr] with column j of M contiguous, which is Mᵀ row-major.
        if (transposedSource)
        {
            w.Slice(0, mr * mc).CopyTo(packed);
            return;
        }
        for (int i = 0; i < mr; i++)
        {
            ref float row = ref Unsafe.Add(ref w0, (nint)i * mc);
            for (int j = 0; j < mc; j++) Unsafe.Add(ref p0, (nint)j * mr + i) = Unsafe.Add(ref row, j);
        }
    }

    /// <summary>Rows r … r + 5 of g [· × cols] += Σₛ a(s)[r …]·b(s)ᵀ over one group's steps (cols a multiple of 8): 16 columns
    /// at a time in 12 accumulators, then a last 8. Each element's chain is the one-row kernel's (g, then s in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterProducts6(ref float g0, ref float a0, int aStride, ref float b0, int bStride, int r, int cols, int count, int aFirst, int bFirst)
    {
        ref float ar = ref Unsafe.Add(ref a0, r);
        nuint c1 = (nuint)cols, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1;
        int c = 0;
        for (; c <= cols - 16; c += 16)
        {
            ref float g00 = ref Unsafe.Add(ref g0, (nint)r * cols + c);
            Vector256<float> s00 = Vector256.LoadUnsafe(ref g00), s01 = Vector256.LoadUnsafe(ref g00, 8);
            Vector256<float> s10 = Vector256.LoadUnsafe(ref g00, c1), s11 = Vector256.LoadUnsafe(ref g00, c1 + 8);
            Vector256<float> s20 = Vector256.LoadUnsafe(ref g00, c2), s21 = Vector256.LoadUnsafe(ref g00, c2 + 8);
            Vector256<float> s30 = Vector256.LoadUnsafe(ref g00, c3), s31 = Vector256.LoadUnsafe(ref g00, c3 + 8);
            Vector256<float> s40 = Vector256.LoadUnsafe(ref g00, c4), s41 = Vector256.LoadUnsafe(ref g00, c4 + 8);
            Vector256<float> s50 = Vector256.LoadUnsafe(ref g00, c5), s51 = Vector256.LoadUnsafe(ref g00, c5 + 8);
            ref float weights = ref Unsafe.Add(ref ar, (nint)aFirst);
            ref float bs = ref Unsafe.Add(ref b0, (nint)bFirst + c);
            for (int s = 0; s < count; s++)
            {
                Vector256<float> b0v = Vector256.LoadUnsafe(ref bs), b1v = Vector256.LoadUnsafe(ref bs, 8);
                Vector256<float> w = Vector256.Create(weights);
                s00 = Fma(b0v, w, s00); s01 = Fma(b1v, w, s01);
                w = Vector256.Create(Unsafe.Add(ref weights, 1));
                s10 = Fma(b0v, w, s10); s11 = Fma(b1v, w, s11);
                w = Vector256.Create(Unsafe.Add(ref weights, 2));
                s20 = Fma(b0v, w, s20); s21 = Fma(b1v, w, s21);
                w = Vector256.Create(Unsafe.Add(ref weights, 3));
                s30 = Fma(b0v, w, s30); s31 = Fma(b1v, w, s31);
                w = Vector256.Create(Unsafe.Add(ref weights, 4));
                s40 = Fma(b0v, w, s40); s41 = Fma(b1v, w, s41);
                w = Vector256.Create(Unsafe.Add(ref weights, 5));
                s50 = Fma(b0v, w, s50); s51 = Fma(b1v, w, s51);
                weights = ref Unsafe.Add(ref weights, (nint)aStride);
                bs = ref Unsafe.Add(ref bs, (nint)bStride);
            }
            s00.StoreUnsafe(ref g00); s01.StoreUnsafe(ref g00, 8);
            s10.StoreUnsafe(ref g00, c1); s11.StoreUnsafe(ref g00, c1 + 8);
            s20.StoreUnsafe(ref g00, c2); s21.StoreUnsafe(ref g00, c2 + 8);
            s30.StoreUnsafe(ref g00, c3); s31.StoreUnsafe(ref g00, c3 + 8);
            s40.StoreUnsafe(ref g00, c4); s41.StoreUnsafe(ref g00, c4 + 8);
            s50.StoreUnsafe(ref g00, c5); s51.StoreUnsafe(ref g00, c5 + 8);
        }
        if (c < cols)
        {
            ref float g00 = ref Unsafe.Add(ref g0, (nint)r * cols + c);
            Vector256<float> s0 = Vector256.LoadUnsafe(ref g00), s1 = Vector256.LoadUnsafe(ref g00, c1), s2 = Vector256.LoadUnsafe(ref g00, c2);
            Vector256<float> s3 = Vector256.LoadUnsafe(ref g00, c3), s4 = Vector256.LoadUnsafe(ref g00, c4), s5 = Vector256.LoadUnsafe(ref g00, c5);
            ref float weights = ref Unsafe.Add(ref ar, (nint)aFirst);
            ref float bs = ref Unsafe.Add(ref b0, (nint)bFirst + c);
            for (int s = 0; s < count; s++)
            {
                Vector256<float> bv = Vector256.LoadUnsafe(ref bs);
                s0 = Fma(bv, Vector256.Create(weights), s0);
                s1 = Fma(bv, Vector256.Create(Unsafe.Add(ref weights, 1)), s1);
                s2 = Fma(bv, Vector256.Create(Unsafe.Add(ref weights, 2)), s2);
                s3 = Fma(bv, Vector256.Create(Unsafe.Add(ref weights, 3)), s3);
                s4 = Fma(bv, Vector256.Create(Unsafe.Add(ref weights, 4)), s4);
                s5 = Fma(bv, Vector256.Create(Unsafe.Add(ref weights, 5)), s5);
                weights = ref Unsafe.Add(ref weights, (nint)aStride);
                bs = ref Unsafe.Add(ref bs, (nint)bStride);
            }
            s0.StoreUnsafe(ref g00); s1.StoreUnsafe(ref g00, c1); s2.StoreUnsafe(ref g00, c2);
            s3.StoreUnsafe(ref g00, c3); s4.StoreUnsafe(ref g00, c4); s5.StoreUnsafe(ref g00, c5);
        }
    }

    /// <summary>dst[8·k + l] = src[l·stride + k] for k, l &lt; 8: eight rows of eight floats become eight columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float src, int stride, ref float dst)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, stride));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 2 * stride)), r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 3 * stride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 4 * stride)), r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 5 * stride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 6 * stride)), r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 7 * stride));
        // pairs of rows interleaved, then pairs of pairs, then the 128-bit halves exchanged
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref dst, 8);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref dst, 16);
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref dst, 24);
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref dst, 32);
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref dst, 40);
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref dst, 48);
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref dst, 56);
    }

    /// <summary>Whether a packed matrix of <paramref name="rows"/> rows is laid out in 8-row panels (it is exactly when
    /// <see cref="PackedMatVecAdd"/> takes its Vector256 path for it) or as plain columns (Vector512 and scalar paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Panels(int rows) =>
        !(Vector512.IsHardwareAccelerated && Avx512F.IsSupported && rows >= 16) && Vector256.IsHardwareAccelerated && rows >= 8;

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length > y.Length) ThrowLength(nameof(y), y.Length, x.Length);
        Axpy(1f, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>
    /// g [rows × cols] += Σₛ a(s) · b(s)ᵀ over <paramref name="count"/> steps, where a(s) = a[aOffset + s·aStride …][rows]
    /// and b(s) = b[bOffset + s·bStride …][cols] (a stride may be negative, to walk a sequence backwards). This is the
    /// weight gradient of a whole sequence at once: each row of g is read and written once, its columns held in
    /// registers while the steps stream past, instead of one rank-1 update of all of g per step.
    /// </summary>
    public static void AddOuterProducts(Span<float> g, ReadOnlySpan<float> a, int aOffset, int aStride, ReadOnlySpan<float> b, int bOffset, int bStride, int count, int rows, int cols,
        int groups = 1, int aGroupStride = 0, int bGroupStride = 0)
    {
        if (count <= 0 || groups <= 0) return;
        if (g.Length < rows * cols) ThrowLength("matrix", g.Length, rows * cols);
        CheckStrided(a.Length, aOffset, aStride, count, rows, "a", groups, aGroupStride);
        CheckStrided(b.Length, bOffset, bStride, count, cols, "b", groups, bGroupStride);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), aOffset);
        ref float b0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), bOffset);
        int r = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && cols % 16 == 0)
        {
            // 4 rows × 32 columns at a time: each loaded piece of b(s) feeds four rows (8 accumulators in registers).
            for (; r <= rows - 4; r += 4)
            {
                ref float ar = ref Unsafe.Add(ref a0, r);
                for (int c = 0; c < cols; c += 32)
                {
                    bool two = c + 32 <= cols;
                    ref float g00 = ref Unsafe.Add(ref g0, r * cols + c);
                    Vector512<float> s00 = Vector512.LoadUnsafe(ref g00), s10 = Vector512.LoadUnsafe(ref g00, (nuint)cols);
                    Vector512<float> s20 = Vector512.LoadUnsafe(ref g00, (nuint)(2 * cols)), s30 = Vector512.LoadUnsafe(ref g00, (nuint)(3 * cols));
                    Vector512<float> s01 = two ? Vector512.LoadUnsafe(ref g00, 16) : default, s11 = two ? Vector512.LoadUnsafe(ref g00, (nuint)(cols + 16)) : default;
                    Vector512<float> s21 = two ? Vector512.LoadUnsafe(ref g00, (nuint)(2 * cols + 16)) : default, s31 = two ? Vector512.LoadUnsafe(ref g00, (nuint)(3 * cols + 16)) : default;
                    for (int grp = 0; grp < groups; grp++)
                    for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    {
                        ref float weights = ref Unsafe.Add(ref ar, (nint)sa);
                        ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                        Vector512<float> b0v = Vector512.LoadUnsafe(ref bs), b1v = two ? Vector512.LoadUnsafe(ref bs, 16) : default;
                        Vector512<float> w0 = Vector512.Create(weights), w1 = Vector512.Create(Unsafe.Add(ref weights, 1));
                        Vector512<float> w2 = Vector512.Create(Unsafe.Add(ref weights, 2)), w3 = Vector512.Create(Unsafe.Add(ref weights, 3));
                        s00 = Fma(b0v, w0, s00); s10 = Fma(b0v, w1, s10); s20 = Fma(b0v, w2, s20); s30 = Fma(b0v, w3, s30);
                        s01 = Fma(b1v, w0, s01); s11 = Fma(b1v, w1, s11); s21 = Fma(b1v, w2, s21); s31 = Fma(b1v, w3, s31);
                    }
                    s00.StoreUnsafe(ref g00); s10.StoreUnsafe(ref g00, (nuint)cols); s20.StoreUnsafe(ref g00, (nuint)(2 * cols)); s30.StoreUnsafe(ref g00, (nuint)(3 * cols));
                    if (two)
                    {
                        s01.StoreUnsafe(ref g00, 16); s11.StoreUnsafe(ref g00, (nuint)(cols + 16));
                        s21.StoreUnsafe(ref g00, (nuint)(2 * cols + 16)); s31.StoreUnsafe(ref g00, (nuint)(3 * cols + 16));
                    }
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated && cols >= 8 && cols % 8 == 0 && !(Vector512.IsHardwareAccelerated && Avx512F.IsSupported && cols >= 16))
        {
            // Where the rows below would take their Vector256 path (no column tail): 4 rows × 16 columns at a time, each
            // loaded piece of b(s) feeding four rows (8 accumulators); per element the same fused chain as a row alone.
            // Groups (the sequences of a batch) are the outer loop, so one group's a and b (one sequence's records)
            // stay in L2 while every block of the gradient passes over them; each element's chain keeps its order
            // (groups in order, s in order), continued exactly through the stored partial sum.
            // 6 rows × 16 columns first (12 accumulators: each pair of b loads feeds 12 FMAs, against 8 with 4 rows),
            // then 4-row blocks for what is left over; either way per element the same chain.
            int blocked6 = rows - rows % 6, blocked = blocked6 + ((rows - blocked6) & ~3);
            for (int grp = 0; grp < groups; grp++)
            {
                for (r = 0; r < blocked6; r += 6)
                    OuterProducts6(ref g0, ref a0, aStride, ref b0, bStride, r, cols, count, grp * aGroupStride, grp * bGroupStride);
                for (r = blocked6; r < blocked; r += 4)
                {
                    ref float ar = ref Unsafe.Add(ref a0, r);
                    for (int c = 0; c < cols; c += 16)
                    {
                        bool two = c + 16 <= cols;
                        ref float g00 = ref Unsafe.Add(ref g0, r * cols + c);
                        Vector256<float> s00 = Vector256.LoadUnsafe(ref g00), s10 = Vector256.LoadUnsafe(ref g00, (nuint)cols);
                        Vector256<float> s20 = Vector256.LoadUnsafe(ref g00, (nuint)(2 * cols)), s30 = Vector256.LoadUnsafe(ref g00, (nuint)(3 * cols));
                        Vector256<float> s01 = two ? Vector256.LoadUnsafe(ref g00, 8) : default, s11 = two ? Vector256.LoadUnsafe(ref g00, (nuint)(cols + 8)) : default;
                        Vector256<float> s21 = two ? Vector256.LoadUnsafe(ref g00, (nuint)(2 * cols + 8)) : default, s31 = two ? Vector256.LoadUnsafe(ref g00, (nuint)(3 * cols + 8)) : default;
                        for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                        {
                            ref float weights = ref Unsafe.Add(ref ar, (nint)sa);
                            ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                            Vector256<float> b0v = Vector256.LoadUnsafe(ref bs), b1v = two ? Vector256.LoadUnsafe(ref bs, 8) : default;
                            Vector256<float> w0 = Vector256.Create(weights), w1 = Vector256.Create(Unsafe.Add(ref weights, 1));
                            Vector256<float> w2 = Vector256.Create(Unsafe.Add(ref weights, 2)), w3 = Vector256.Create(Unsafe.Add(ref weights, 3));
                            s00 = Fma(b0v, w0, s00); s10 = Fma(b0v, w1, s10); s20 = Fma(b0v, w2, s20); s30 = Fma(b0v, w3, s30);
                            s01 = Fma(b1v, w0, s01); s11 = Fma(b1v, w1, s11); s21 = Fma(b1v, w2, s21); s31 = Fma(b1v, w3, s31);
                        }
                        s00.StoreUnsafe(ref g00); s10.StoreUnsafe(ref g00, (nuint)cols); s20.StoreUnsafe(ref g00, (nuint)(2 * cols)); s30.StoreUnsafe(ref g00, (nuint)(3 * cols));
                        if (two)
                        {
                            s01.StoreUnsafe(ref g00, 8); s11.StoreUnsafe(ref g00, (nuint)(cols + 8));
                            s21.StoreUnsafe(ref g00, (nuint)(2 * cols + 8)); s31.StoreUnsafe(ref g00, (nuint)(3 * cols + 8));
                        }
                    }
                }
            }
            r = blocked;
        }
        for (; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref g0, r * cols);
            ref float ar = ref Unsafe.Add(ref a0, r);
            int c = 0;
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && cols >= 16)
            {
                for (; c <= cols - 64; c += 64)
                {
                    Vector512<float> s0 = Vector512.LoadUnsafe(ref row, (nuint)c), s1 = Vector512.LoadUnsafe(ref row, (nuint)(c + 16));
                    Vector512<float> s2 = Vector512.LoadUnsafe(ref row, (nuint)(c + 32)), s3 = Vector512.LoadUnsafe(ref row, (nuint)(c + 48));
                    for (int grp = 0; grp < groups; grp++)
                    for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    {
                        Vector512<float> weight = Vector512.Create(Unsafe.Add(ref ar, (nint)sa));
                        ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                        s0 = Fma(Vector512.LoadUnsafe(ref bs), weight, s0);
                        s1 = Fma(Vector512.LoadUnsafe(ref bs, 16), weight, s1);
                        s2 = Fma(Vector512.LoadUnsafe(ref bs, 32), weight, s2);
                        s3 = Fma(Vector512.LoadUnsafe(ref bs, 48), weight, s3);
                    }
                    s0.StoreUnsafe(ref row, (nuint)c); s1.StoreUnsafe(ref row, (nuint)(c + 16));
                    s2.StoreUnsafe(ref row, (nuint)(c + 32)); s3.StoreUnsafe(ref row, (nuint)(c + 48));
                }
                for (; c <= cols - 16; c += 16)
                {
                    Vector512<float> sum = Vector512.LoadUnsafe(ref row, (nuint)c);
                    for (int grp = 0; grp < groups; grp++)
                    for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                        sum = Fma(Vector512.LoadUnsafe(ref Unsafe.Add(ref b0, (nint)sb + c)), Vector512.Create(Unsafe.Add(ref ar, (nint)sa)), sum);
                    sum.StoreUnsafe(ref row, (nuint)c);
                }
                if (c < cols)
                {
                    int last = cols - 16;
                    for (int grp = 0; grp < groups; grp++)   // per group, as separate calls would: the tail lanes add a group's sum at a time
                    {
                        Vector512<float> sum = Vector512<float>.Zero;
                        for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                            sum = Fma(Vector512.LoadUnsafe(ref Unsafe.Add(ref b0, (nint)sb + last)), Vector512.Create(Unsafe.Add(ref ar, (nint)sa)), sum);
                        (Vector512.LoadUnsafe(ref row, (nuint)last) + (sum & TailMask512(cols - c))).StoreUnsafe(ref row, (nuint)last);
                    }
                }
                continue;
            }
            if (Vector256.IsHardwareAccelerated && cols >= 8)
            {
                for (; c <= cols - 32; c += 32)
                {
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref row, (nuint)c), s1 = Vector256.LoadUnsafe(ref row, (nuint)(c + 8));
                    Vector256<float> s2 = Vector256.LoadUnsafe(ref row, (nuint)(c + 16)), s3 = Vector256.LoadUnsafe(ref row, (nuint)(c + 24));
                    for (int grp = 0; grp < groups; grp++)
                    for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    {
                        Vector256<float> weight = Vector256.Create(Unsafe.Add(ref ar, (nint)sa));
                        ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                        s0 = Fma(Vector256.LoadUnsafe(ref bs), weight, s0);
                        s1 = Fma(Vector256.LoadUnsafe(ref bs, 8), weight, s1);
                        s2 = Fma(Vector256.LoadUnsafe(ref bs, 16), weight, s2);
                        s3 = Fma(Vector256.LoadUnsafe(ref bs, 24), weight, s3);
                    }
                    s0.StoreUnsafe(ref row, (nuint)c); s1.StoreUnsafe(ref row, (nuint)(c + 8));
                    s2.StoreUnsafe(ref row, (nuint)(c + 16)); s3.StoreUnsafe(ref row, (nuint)(c + 24));
                }
                for (; c <= cols - 8; c += 8)
                {
                    Vector256<float> sum = Vector256.LoadUnsafe(ref row, (nuint)c);
                    for (int grp = 0; grp < groups; grp++)
                    for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                        sum = Fma(Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, (nint)sb + c)), Vector256.Create(Unsafe.Add(ref ar, (nint)sa)), sum);
                    sum.StoreUnsafe(ref row, (nuint)c);
                }
                if (c < cols)
                {
                    int last = cols - 8;
                    for (int grp = 0; grp < groups; grp++)   // per group, as separate calls would: the tail lanes add a group's sum at a time
                    {
                        Vector256<float> sum = Vector256<float>.Zero;
                        for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                            sum = Fma(Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, (nint)sb + last)), Vector256.Create(Unsafe.Add(ref ar, (nint)sa)), sum);
                        (Vector256.LoadUnsafe(ref row, (nuint)last) + (sum & TailMask256(cols - c))).StoreUnsafe(ref row, (nuint)last);
                    }
                }
                continue;
            }
            for (; c < cols; c++)
            {
                float sum = Unsafe.Add(ref row, c);
                for (int grp = 0; grp < groups; grp++)
                for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref ar, (nint)sa), Unsafe.Add(ref b0, (nint)sb + c), sum);
                Unsafe.Add(ref row, c) = sum;
            }
        }
    }

    /// <summary>y += Σₛ a[aOffset + s·aStride …][y.Length] over <paramref name="count"/> steps (a bias gradient over a sequence).</summary>
    public static void AddStridedSum(Span<float> y, ReadOnlySpan<float> a, int aOffset, int aStride, int count, int groups = 1, int aGroupStride = 0)
    {
        if (count <= 0 || groups <= 0) return;
        CheckStrided(a.Length, aOffset, aStride, count, y.Length, "a", groups, aGroupStride);
        for (int grp = 0; grp < groups; grp++)
            for (int s = 0; s < count; s++) Add(a.Slice(aOffset + grp * aGroupStride + s * aStride, y.Length), y);
    }

    private static void CheckStrided(int length, int offset, int stride, int count, int width, string name, int groups = 1, int groupStride = 0)
    {
        long lastRow = (long)(count - 1) * stride, lastGroup = (long)(groups - 1) * groupStride;
        long low = offset + Math.Min(0, lastRow) + Math.Min(0, lastGroup), high = offset + Math.Max(0, lastRow) + Math.Max(0, lastGroup);
        if (low < 0 || high + width > length)
            throw new ArgumentException($"{name}: {groups * count} rows of {width} from offset {offset} with stride {stride}{(groups > 1 ? $" (groups of {count}, group stride {groupStride})" : "")} need elements {low}..{high + width}; it has {length}.", name);
    }

    private static void CheckMatrix(int matrix, int columnVector, int rowVector, int rows, int cols)
    {
        if (matrix < rows * cols) ThrowLength("matrix", matrix, rows * cols);
        if (columnVector < cols) ThrowLength("column vector", columnVector, cols);
        if (rowVector < rows) ThrowLength("row vector", rowVector, rows);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(string what, int actual, int expected) =>
        throw new ArgumentException($"The {what} has {actual} elements; expected at least {expected}.");
}
