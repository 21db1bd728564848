using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static RnnGen.Kernels.FusedMath;

namespace RnnGen.Kernels;

// Outer products: a whole sequence's (or batch's) weight gradient g += Σₛ a(s)·b(s)ᵀ in one pass over g.
public static partial class VectorKernels
{
    /// <summary>
    /// g [rows × cols] += Σₛ a(s) · b(s)ᵀ over <paramref name="count"/> steps, where a(s) = a[aOffset + s·aStride …][rows]
    /// and b(s) = b[bOffset + s·bStride …][cols] (a stride may be negative, to walk a sequence backwards). This is the
    /// weight gradient of a whole sequence at once: each block of g is read and written once per group (sequence), its
    /// elements held in registers while the group's steps stream past, instead of one rank-1 update of all of g per step.
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
        if (Width512.IsAccelerated && cols % 16 == 0)
        {
            // 8 rows × 32 columns at a time (16 accumulators: enough independent chains for both FMA pipes), then 4-row
            // blocks. Groups (the sequences of a batch) are the outer loop and the rows the next: one sequence's b (its
            // inputs or states, steps × cols: 32 KB for 64 steps of 128) stays in L1 while every block of the gradient
            // passes over it (in L2 where it is larger), and a block's a (the dz records) is reused from L1 by each
            // column chunk. Each element's chain keeps its order
            // (groups in order, s in order), continued exactly through the stored partial sum.
            int blocked8 = rows & ~7, blocked = blocked8 + ((rows - blocked8) & ~3);
            for (int grp = 0; grp < groups; grp++)
            {
                for (r = 0; r < blocked8; r += 8)
                    OuterProducts8x512(ref g0, ref a0, aStride, ref b0, bStride, r, cols, count, grp * aGroupStride, grp * bGroupStride);
                for (r = blocked8; r < blocked; r += 4)
                    OuterProducts4<Width512, Vector512<float>>(ref g0, ref a0, aStride, ref b0, bStride, r, cols, count, grp, grp + 1, aGroupStride, bGroupStride);
            }
            r = blocked;
        }
        else if (Width256.IsAccelerated && cols >= 8 && cols % 8 == 0 && !(Width512.IsAccelerated && cols >= 16))
        {
            // Where the rows below would take their Vector256 path (no column tail): 6 rows × 16 columns at a time
            // (12 accumulators: each pair of b loads feeds 12 FMAs, against 8 with 4 rows), then 4-row blocks for what
            // is left over; either way per element the same fused chain as a row alone. Groups (the sequences of a
            // batch) are the outer loop, so one group's a and b (one sequence's records) stay in L2 while every block
            // of the gradient passes over them; each element's chain keeps its order (groups in order, s in order),
            // continued exactly through the stored partial sum.
            int blocked6 = rows - rows % 6, blocked = blocked6 + ((rows - blocked6) & ~3);
            for (int grp = 0; grp < groups; grp++)
            {
                for (r = 0; r < blocked6; r += 6)
                    OuterProducts6(ref g0, ref a0, aStride, ref b0, bStride, r, cols, count, grp * aGroupStride, grp * bGroupStride);
                for (r = blocked6; r < blocked; r += 4)
                    OuterProducts4<Width256, Vector256<float>>(ref g0, ref a0, aStride, ref b0, bStride, r, cols, count, grp, grp + 1, aGroupStride, bGroupStride);
            }
            r = blocked;
        }
        for (; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref g0, r * cols);
            ref float ar = ref Unsafe.Add(ref a0, r);
            if (Width512.IsAccelerated && cols >= 16)
            {
                OuterProductRow<Width512, Vector512<float>>(ref row, ref ar, ref b0, aStride, bStride, cols, count, groups, aGroupStride, bGroupStride);
                continue;
            }
            if (Width256.IsAccelerated && cols >= 8)
            {
                OuterProductRow<Width256, Vector256<float>>(ref row, ref ar, ref b0, aStride, bStride, cols, count, groups, aGroupStride, bGroupStride);
                continue;
            }
            // No vector path (fewer than 8 columns, or no Vector256): one chain per element, fused even where the CPU
            // has no FMA (MathF rounds once in software there), as this loop always has.
            for (int c = 0; c < cols; c++)
            {
                float sum = Unsafe.Add(ref row, c);
                for (int grp = 0; grp < groups; grp++)
                for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref ar, (nint)sa), Unsafe.Add(ref b0, (nint)sb + c), sum);
                Unsafe.Add(ref row, c) = sum;
            }
        }
    }

    /// <summary>One row of g [· × cols] (cols ≥ the width's count) += Σ over groups and steps of a(s)[r]·b(s)ᵀ: four
    /// vectors of columns at a time, then one, then an overlapping last vector. Each element is one fused chain from
    /// g over the groups in order and their steps in order; the last vector adds a group's sum at a time to its lanes,
    /// as separate calls per group would.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterProductRow<TWidth, TVector>(ref float row, ref float ar, ref float b0, int aStride, int bStride, int cols, int count,
        int groups, int aGroupStride, int bGroupStride)
        where TWidth : struct, IVectorWidth<TVector> where TVector : struct
    {
        int n = TWidth.Count, c = 0;
        for (; c <= cols - 4 * n; c += 4 * n)
        {
            TVector s0 = TWidth.Load(ref row, (nuint)c), s1 = TWidth.Load(ref row, (nuint)(c + n));
            TVector s2 = TWidth.Load(ref row, (nuint)(c + 2 * n)), s3 = TWidth.Load(ref row, (nuint)(c + 3 * n));
            for (int grp = 0; grp < groups; grp++)
            for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
            {
                TVector weight = TWidth.Broadcast(Unsafe.Add(ref ar, (nint)sa));
                ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                s0 = TWidth.Fma(TWidth.Load(ref bs, 0), weight, s0);
                s1 = TWidth.Fma(TWidth.Load(ref bs, (nuint)n), weight, s1);
                s2 = TWidth.Fma(TWidth.Load(ref bs, (nuint)(2 * n)), weight, s2);
                s3 = TWidth.Fma(TWidth.Load(ref bs, (nuint)(3 * n)), weight, s3);
            }
            TWidth.Store(s0, ref row, (nuint)c); TWidth.Store(s1, ref row, (nuint)(c + n));
            TWidth.Store(s2, ref row, (nuint)(c + 2 * n)); TWidth.Store(s3, ref row, (nuint)(c + 3 * n));
        }
        for (; c <= cols - n; c += n)
        {
            TVector sum = TWidth.Load(ref row, (nuint)c);
            for (int grp = 0; grp < groups; grp++)
            for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                sum = TWidth.Fma(TWidth.Load(ref Unsafe.Add(ref b0, (nint)sb + c), 0), TWidth.Broadcast(Unsafe.Add(ref ar, (nint)sa)), sum);
            TWidth.Store(sum, ref row, (nuint)c);
        }
        if (c < cols)
        {
            int last = cols - n;
            for (int grp = 0; grp < groups; grp++)
            {
                TVector sum = default;
                for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
                    sum = TWidth.Fma(TWidth.Load(ref Unsafe.Add(ref b0, (nint)sb + last), 0), TWidth.Broadcast(Unsafe.Add(ref ar, (nint)sa)), sum);
                TWidth.Store(TWidth.Add(TWidth.Load(ref row, (nuint)last), TWidth.LastLanes(sum, cols - c)), ref row, (nuint)last);
            }
        }
    }

    /// <summary>Rows r … r + 3 of g [· × cols] (cols a multiple of the width's count) += Σ over groups
    /// [<paramref name="firstGroup"/>, <paramref name="endGroup"/>) and their steps of a(s)[r …]·b(s)ᵀ: two vectors of
    /// columns at a time (the last pair may be one), 8 accumulators, each loaded piece of b(s) feeding four rows. Each
    /// element's chain is the one-row kernel's (g, then groups in order, steps in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterProducts4<TWidth, TVector>(ref float g0, ref float a0, int aStride, ref float b0, int bStride, int r, int cols, int count,
        int firstGroup, int endGroup, int aGroupStride, int bGroupStride)
        where TWidth : struct, IVectorWidth<TVector> where TVector : struct
    {
        int n = TWidth.Count;
        ref float ar = ref Unsafe.Add(ref a0, r);
        nuint c1 = (nuint)cols, c2 = 2 * c1, c3 = 3 * c1, un = (nuint)n;
        for (int c = 0; c < cols; c += 2 * n)
        {
            bool two = c + 2 * n <= cols;
            ref float g00 = ref Unsafe.Add(ref g0, r * cols + c);
            TVector s00 = TWidth.Load(ref g00, 0), s10 = TWidth.Load(ref g00, c1), s20 = TWidth.Load(ref g00, c2), s30 = TWidth.Load(ref g00, c3);
            TVector s01 = two ? TWidth.Load(ref g00, un) : default, s11 = two ? TWidth.Load(ref g00, c1 + un) : default;
            TVector s21 = two ? TWidth.Load(ref g00, c2 + un) : default, s31 = two ? TWidth.Load(ref g00, c3 + un) : default;
            for (int grp = firstGroup; grp < endGroup; grp++)
            for (int s = 0, sa = grp * aGroupStride, sb = grp * bGroupStride; s < count; s++, sa += aStride, sb += bStride)
            {
                ref float weights = ref Unsafe.Add(ref ar, (nint)sa);
                ref float bs = ref Unsafe.Add(ref b0, (nint)sb + c);
                TVector b0v = TWidth.Load(ref bs, 0), b1v = two ? TWidth.Load(ref bs, un) : default;
                TVector w0 = TWidth.Broadcast(weights), w1 = TWidth.Broadcast(Unsafe.Add(ref weights, 1));
                TVector w2 = TWidth.Broadcast(Unsafe.Add(ref weights, 2)), w3 = TWidth.Broadcast(Unsafe.Add(ref weights, 3));
                s00 = TWidth.Fma(b0v, w0, s00); s10 = TWidth.Fma(b0v, w1, s10); s20 = TWidth.Fma(b0v, w2, s20); s30 = TWidth.Fma(b0v, w3, s30);
                s01 = TWidth.Fma(b1v, w0, s01); s11 = TWidth.Fma(b1v, w1, s11); s21 = TWidth.Fma(b1v, w2, s21); s31 = TWidth.Fma(b1v, w3, s31);
            }
            TWidth.Store(s00, ref g00, 0); TWidth.Store(s10, ref g00, c1); TWidth.Store(s20, ref g00, c2); TWidth.Store(s30, ref g00, c3);
            if (two)
            {
                TWidth.Store(s01, ref g00, un); TWidth.Store(s11, ref g00, c1 + un);
                TWidth.Store(s21, ref g00, c2 + un); TWidth.Store(s31, ref g00, c3 + un);
            }
        }
    }

    /// <summary>Rows r … r + 7 of g [· × cols] += Σₛ a(s)[r …]·b(s)ᵀ over one group's steps (cols a multiple of 16):
    /// 32 columns at a time in 16 accumulators (each pair of b loads feeds 16 FMAs), then a last 16. Each element's chain
    /// is the one-row kernel's (g, then s in order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterProducts8x512(ref float g0, ref float a0, int aStride, ref float b0, int bStride, int r, int cols, int count, int aFirst, int bFirst)
    {
        ref float ar = ref Unsafe.Add(ref a0, r);
        nuint c1 = (nuint)cols, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1, c6 = 6 * c1, c7 = 7 * c1;
        int c = 0;
        for (; c <= cols - 32; c += 32)
        {
            ref float g00 = ref Unsafe.Add(ref g0, (nint)r * cols + c);
            Vector512<float> s00 = Vector512.LoadUnsafe(ref g00), s01 = Vector512.LoadUnsafe(ref g00, 16);
            Vector512<float> s10 = Vector512.LoadUnsafe(ref g00, c1), s11 = Vector512.LoadUnsafe(ref g00, c1 + 16);
            Vector512<float> s20 = Vector512.LoadUnsafe(ref g00, c2), s21 = Vector512.LoadUnsafe(ref g00, c2 + 16);
            Vector512<float> s30 = Vector512.LoadUnsafe(ref g00, c3), s31 = Vector512.LoadUnsafe(ref g00, c3 + 16);
            Vector512<float> s40 = Vector512.LoadUnsafe(ref g00, c4), s41 = Vector512.LoadUnsafe(ref g00, c4 + 16);
            Vector512<float> s50 = Vector512.LoadUnsafe(ref g00, c5), s51 = Vector512.LoadUnsafe(ref g00, c5 + 16);
            Vector512<float> s60 = Vector512.LoadUnsafe(ref g00, c6), s61 = Vector512.LoadUnsafe(ref g00, c6 + 16);
            Vector512<float> s70 = Vector512.LoadUnsafe(ref g00, c7), s71 = Vector512.LoadUnsafe(ref g00, c7 + 16);
            ref float weights = ref Unsafe.Add(ref ar, (nint)aFirst);
            ref float bs = ref Unsafe.Add(ref b0, (nint)bFirst + c);
            for (int s = 0; s < count; s++)
            {
                Vector512<float> b0v = Vector512.LoadUnsafe(ref bs), b1v = Vector512.LoadUnsafe(ref bs, 16);
                Vector512<float> w = Vector512.Create(weights);
                s00 = Fma(b0v, w, s00); s01 = Fma(b1v, w, s01);
                w = Vector512.Create(Unsafe.Add(ref weights, 1));
                s10 = Fma(b0v, w, s10); s11 = Fma(b1v, w, s11);
                w = Vector512.Create(Unsafe.Add(ref weights, 2));
                s20 = Fma(b0v, w, s20); s21 = Fma(b1v, w, s21);
                w = Vector512.Create(Unsafe.Add(ref weights, 3));
                s30 = Fma(b0v, w, s30); s31 = Fma(b1v, w, s31);
                w = Vector512.Create(Unsafe.Add(ref weights, 4));
                s40 = Fma(b0v, w, s40); s41 = Fma(b1v, w, s41);
                w = Vector512.Create(Unsafe.Add(ref weights, 5));
                s50 = Fma(b0v, w, s50); s51 = Fma(b1v, w, s51);
                w = Vector512.Create(Unsafe.Add(ref weights, 6));
                s60 = Fma(b0v, w, s60); s61 = Fma(b1v, w, s61);
                w = Vector512.Create(Unsafe.Add(ref weights, 7));
                s70 = Fma(b0v, w, s70); s71 = Fma(b1v, w, s71);
                weights = ref Unsafe.Add(ref weights, (nint)aStride);
                bs = ref Unsafe.Add(ref bs, (nint)bStride);
            }
            s00.StoreUnsafe(ref g00); s01.StoreUnsafe(ref g00, 16);
            s10.StoreUnsafe(ref g00, c1); s11.StoreUnsafe(ref g00, c1 + 16);
            s20.StoreUnsafe(ref g00, c2); s21.StoreUnsafe(ref g00, c2 + 16);
            s30.StoreUnsafe(ref g00, c3); s31.StoreUnsafe(ref g00, c3 + 16);
            s40.StoreUnsafe(ref g00, c4); s41.StoreUnsafe(ref g00, c4 + 16);
            s50.StoreUnsafe(ref g00, c5); s51.StoreUnsafe(ref g00, c5 + 16);
            s60.StoreUnsafe(ref g00, c6); s61.StoreUnsafe(ref g00, c6 + 16);
            s70.StoreUnsafe(ref g00, c7); s71.StoreUnsafe(ref g00, c7 + 16);
        }
        if (c < cols)
        {
            ref float g00 = ref Unsafe.Add(ref g0, (nint)r * cols + c);
            Vector512<float> s0 = Vector512.LoadUnsafe(ref g00), s1 = Vector512.LoadUnsafe(ref g00, c1), s2 = Vector512.LoadUnsafe(ref g00, c2), s3 = Vector512.LoadUnsafe(ref g00, c3);
            Vector512<float> s4 = Vector512.LoadUnsafe(ref g00, c4), s5 = Vector512.LoadUnsafe(ref g00, c5), s6 = Vector512.LoadUnsafe(ref g00, c6), s7 = Vector512.LoadUnsafe(ref g00, c7);
            ref float weights = ref Unsafe.Add(ref ar, (nint)aFirst);
            ref float bs = ref Unsafe.Add(ref b0, (nint)bFirst + c);
            for (int s = 0; s < count; s++)
            {
                Vector512<float> bv = Vector512.LoadUnsafe(ref bs);
                s0 = Fma(bv, Vector512.Create(weights), s0);
                s1 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 1)), s1);
                s2 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 2)), s2);
                s3 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 3)), s3);
                s4 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 4)), s4);
                s5 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 5)), s5);
                s6 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 6)), s6);
                s7 = Fma(bv, Vector512.Create(Unsafe.Add(ref weights, 7)), s7);
                weights = ref Unsafe.Add(ref weights, (nint)aStride);
                bs = ref Unsafe.Add(ref bs, (nint)bStride);
            }
            s0.StoreUnsafe(ref g00); s1.StoreUnsafe(ref g00, c1); s2.StoreUnsafe(ref g00, c2); s3.StoreUnsafe(ref g00, c3);
            s4.StoreUnsafe(ref g00, c4); s5.StoreUnsafe(ref g00, c5); s6.StoreUnsafe(ref g00, c6); s7.StoreUnsafe(ref g00, c7);
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
}
