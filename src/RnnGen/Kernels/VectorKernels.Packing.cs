using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

// The packed layout the products read, written from a row-major matrix or from its transpose.
public static partial class VectorKernels
{
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
                        Transpose8x8(ref Unsafe.Add(ref w0, (nint)i * mc + j), mc, ref Unsafe.Add(ref panel, 8 * j), 8);
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
        // Mᵀ row-major from M row-major: 8 × 8 blocks transposed in registers (a scalar walk writes one float per cache
        // line of the destination, mr floats apart, and made the repack after each update cost as much as the forward
        // pass of a batch-1 update), then the rows and columns left over one by one.
        int rows8 = Avx.IsSupported ? mr & ~7 : 0, cols8 = Avx.IsSupported ? mc & ~7 : 0;
        for (int i = 0; i < rows8; i += 8)
            for (int j = 0; j < cols8; j += 8)
                Transpose8x8(ref Unsafe.Add(ref w0, (nint)i * mc + j), mc, ref Unsafe.Add(ref p0, (nint)j * mr + i), mr);
        for (int i = 0; i < mr; i++)
        {
            ref float row = ref Unsafe.Add(ref w0, (nint)i * mc);
            for (int j = i < rows8 ? cols8 : 0; j < mc; j++) Unsafe.Add(ref p0, (nint)j * mr + i) = Unsafe.Add(ref row, j);
        }
    }

    /// <summary>dst[k·dstStride + l] = src[l·stride + k] for k, l &lt; 8: eight rows of eight floats become eight columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float src, int stride, ref float dst, int dstStride)
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
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref dst, (nuint)(1 * dstStride));
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }

    /// <summary>Whether a packed matrix of <paramref name="rows"/> rows is laid out in 8-row panels (it is exactly when
    /// <see cref="PackedMatVecAdd"/> takes its Vector256 path for it) or as plain columns (Vector512 and scalar paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Panels(int rows) =>
        !(Vector512.IsHardwareAccelerated && Avx512F.IsSupported && rows >= 16) && Vector256.IsHardwareAccelerated && rows >= 8;
}
