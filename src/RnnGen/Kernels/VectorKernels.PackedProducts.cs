using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static RnnGen.Kernels.FusedMath;

namespace RnnGen.Kernels;

// Products with a packed weight matrix (see VectorKernels.Packing.cs for the layout): the forward W·x of every
// layer, one vector or a batch, and the backward Wᵀ·v from a matrix packed transposed.
public static partial class VectorKernels
{
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
        if (batch > 1 && Math.Abs((long)yStride) < rows)   // the blocks load every output before storing any
            throw new ArgumentException($"y: the vectors of a batch must not overlap; stride {yStride} for {rows} rows (expected |stride| ≥ {rows}).", nameof(y));
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
                for (; b <= batch - 4; b += 4)   // 4 row vectors × 4 vectors of the batch: 16 chains, each weight load feeds 4 FMAs
                    Packed512x4Batch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r, rows, cols);
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
            {
                // The overlapping last vector: four vectors of the batch at a time, four independent chains (one vector
                // alone waits on the FMA latency at every column); each chain exactly the one-vector tail's.
                int b = 0;
                for (; b <= batch - 4; b += 4)
                    Packed512TailBatch4(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), xStride, ref Unsafe.Add(ref y0, (nint)b * yStride), yStride, r, rows, cols);
                for (; b < batch; b++)
                    Packed512Tail(ref p0, ref Unsafe.Add(ref x0, (nint)b * xStride), ref Unsafe.Add(ref y0, (nint)b * yStride), r, rows, cols);
            }
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

    /// <summary>Rows r … r + 63 of four vectors of a batch: 16 accumulators (enough independent chains to keep both FMA
    /// pipes busy through their latency), 4 weight loads and 4 broadcasts per 16 FMAs; each per-element chain exactly as
    /// in <see cref="Packed512"/>. The 64-row weight panel stays in L1 while the caller walks the rest of the batch.</summary>
    private static void Packed512x4Batch4(ref float p0, ref float x0, int xStride, ref float y0, int yStride, int r, int rows, int cols)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride), x2 = ref Unsafe.Add(ref x0, 2 * xStride), x3 = ref Unsafe.Add(ref x0, 3 * xStride);
        ref float y1 = ref Unsafe.Add(ref y0, yStride), y2 = ref Unsafe.Add(ref y0, 2 * yStride), y3 = ref Unsafe.Add(ref y0, 3 * yStride);
        Vector512<float> a00 = Vector512.LoadUnsafe(ref y0, (nuint)r), a01 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 16));
        Vector512<float> a02 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 32)), a03 = Vector512.LoadUnsafe(ref y0, (nuint)(r + 48));
        Vector512<float> a10 = Vector512.LoadUnsafe(ref y1, (nuint)r), a11 = Vector512.LoadUnsafe(ref y1, (nuint)(r + 16));
        Vector512<float> a12 = Vector512.LoadUnsafe(ref y1, (nuint)(r + 32)), a13 = Vector512.LoadUnsafe(ref y1, (nuint)(r + 48));
        Vector512<float> a20 = Vector512.LoadUnsafe(ref y2, (nuint)r), a21 = Vector512.LoadUnsafe(ref y2, (nuint)(r + 16));
        Vector512<float> a22 = Vector512.LoadUnsafe(ref y2, (nuint)(r + 32)), a23 = Vector512.LoadUnsafe(ref y2, (nuint)(r + 48));
        Vector512<float> a30 = Vector512.LoadUnsafe(ref y3, (nuint)r), a31 = Vector512.LoadUnsafe(ref y3, (nuint)(r + 16));
        Vector512<float> a32 = Vector512.LoadUnsafe(ref y3, (nuint)(r + 32)), a33 = Vector512.LoadUnsafe(ref y3, (nuint)(r + 48));
        ref float column = ref Unsafe.Add(ref p0, r);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, rows))
        {
            Vector512<float> w0 = Vector512.LoadUnsafe(ref column), w1 = Vector512.LoadUnsafe(ref column, 16);
            Vector512<float> w2 = Vector512.LoadUnsafe(ref column, 32), w3 = Vector512.LoadUnsafe(ref column, 48);
            Vector512<float> v = Vector512.Create(Unsafe.Add(ref x0, c));
            a00 = Fma(w0, v, a00); a01 = Fma(w1, v, a01); a02 = Fma(w2, v, a02); a03 = Fma(w3, v, a03);
            v = Vector512.Create(Unsafe.Add(ref x1, c));
            a10 = Fma(w0, v, a10); a11 = Fma(w1, v, a11); a12 = Fma(w2, v, a12); a13 = Fma(w3, v, a13);
            v = Vector512.Create(Unsafe.Add(ref x2, c));
            a20 = Fma(w0, v, a20); a21 = Fma(w1, v, a21); a22 = Fma(w2, v, a22); a23 = Fma(w3, v, a23);
            v = Vector512.Create(Unsafe.Add(ref x3, c));
            a30 = Fma(w0, v, a30); a31 = Fma(w1, v, a31); a32 = Fma(w2, v, a32); a33 = Fma(w3, v, a33);
        }
        a00.StoreUnsafe(ref y0, (nuint)r); a01.StoreUnsafe(ref y0, (nuint)(r + 16)); a02.StoreUnsafe(ref y0, (nuint)(r + 32)); a03.StoreUnsafe(ref y0, (nuint)(r + 48));
        a10.StoreUnsafe(ref y1, (nuint)r); a11.StoreUnsafe(ref y1, (nuint)(r + 16)); a12.StoreUnsafe(ref y1, (nuint)(r + 32)); a13.StoreUnsafe(ref y1, (nuint)(r + 48));
        a20.StoreUnsafe(ref y2, (nuint)r); a21.StoreUnsafe(ref y2, (nuint)(r + 16)); a22.StoreUnsafe(ref y2, (nuint)(r + 32)); a23.StoreUnsafe(ref y2, (nuint)(r + 48));
        a30.StoreUnsafe(ref y3, (nuint)r); a31.StoreUnsafe(ref y3, (nuint)(r + 16)); a32.StoreUnsafe(ref y3, (nuint)(r + 32)); a33.StoreUnsafe(ref y3, (nuint)(r + 48));
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
        (Vector512.LoadUnsafe(ref y0, (nuint)last) + (a & TailMask.Last512(rows - r))).StoreUnsafe(ref y0, (nuint)last);
    }

    /// <summary><see cref="Packed512Tail"/> for four vectors of a batch at once: four independent chains, each exactly
    /// the one-vector tail's (from zero over the columns in order, then the rows not yet done added to y).</summary>
    private static void Packed512TailBatch4(ref float p0, ref float x0, int xStride, ref float y0, int yStride, int r, int rows, int cols)
    {
        int last = rows - 16;
        ref float x1 = ref Unsafe.Add(ref x0, xStride), x2 = ref Unsafe.Add(ref x0, 2 * xStride), x3 = ref Unsafe.Add(ref x0, 3 * xStride);
        Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero, a2 = Vector512<float>.Zero, a3 = Vector512<float>.Zero;
        ref float column = ref Unsafe.Add(ref p0, last);
        for (int c = 0; c < cols; c++, column = ref Unsafe.Add(ref column, rows))
        {
            Vector512<float> w = Vector512.LoadUnsafe(ref column);
            a0 = Fma(w, Vector512.Create(Unsafe.Add(ref x0, c)), a0);
            a1 = Fma(w, Vector512.Create(Unsafe.Add(ref x1, c)), a1);
            a2 = Fma(w, Vector512.Create(Unsafe.Add(ref x2, c)), a2);
            a3 = Fma(w, Vector512.Create(Unsafe.Add(ref x3, c)), a3);
        }
        Vector512<float> mask = TailMask.Last512(rows - r);
        ref float y1 = ref Unsafe.Add(ref y0, yStride), y2 = ref Unsafe.Add(ref y0, 2 * yStride), y3 = ref Unsafe.Add(ref y0, 3 * yStride);
        (Vector512.LoadUnsafe(ref y0, (nuint)last) + (a0 & mask)).StoreUnsafe(ref y0, (nuint)last);
        (Vector512.LoadUnsafe(ref y1, (nuint)last) + (a1 & mask)).StoreUnsafe(ref y1, (nuint)last);
        (Vector512.LoadUnsafe(ref y2, (nuint)last) + (a2 & mask)).StoreUnsafe(ref y2, (nuint)last);
        (Vector512.LoadUnsafe(ref y3, (nuint)last) + (a3 & mask)).StoreUnsafe(ref y3, (nuint)last);
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
                a0 = Fma(Unsafe.Add(ref panel, c * t + l), Unsafe.Add(ref x0, c), a0);
                a1 = Fma(Unsafe.Add(ref panel, (c + 1) * t + l), Unsafe.Add(ref x0, c + 1), a1);
                a2 = Fma(Unsafe.Add(ref panel, (c + 2) * t + l), Unsafe.Add(ref x0, c + 2), a2);
                a3 = Fma(Unsafe.Add(ref panel, (c + 3) * t + l), Unsafe.Add(ref x0, c + 3), a3);
            }
            for (; c < cols; c++)
                a0 = Fma(Unsafe.Add(ref panel, c * t + l), Unsafe.Add(ref x0, c), a0);
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
                t0 = Fma(Unsafe.Add(ref p0, c), Unsafe.Add(ref x0, c), t0);
                t1 = Fma(Unsafe.Add(ref p0, c + 1), Unsafe.Add(ref x0, c + 1), t1);
            }
            if (c < cols) t0 = Fma(Unsafe.Add(ref p0, c), Unsafe.Add(ref x0, c), t0);
            y0 += sum + (t0 + t1);
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            int c = 0;
            for (; c <= cols - 4; c += 4)
            {
                a0 = Fma(Unsafe.Add(ref p0, c * rows + i), Unsafe.Add(ref x0, c), a0);
                a1 = Fma(Unsafe.Add(ref p0, (c + 1) * rows + i), Unsafe.Add(ref x0, c + 1), a1);
                a2 = Fma(Unsafe.Add(ref p0, (c + 2) * rows + i), Unsafe.Add(ref x0, c + 2), a2);
                a3 = Fma(Unsafe.Add(ref p0, (c + 3) * rows + i), Unsafe.Add(ref x0, c + 3), a3);
            }
            for (; c < cols; c++) a0 = Fma(Unsafe.Add(ref p0, c * rows + i), Unsafe.Add(ref x0, c), a0);
            Unsafe.Add(ref y0, i) += (a0 + a1) + (a2 + a3);
        }
    }
}
