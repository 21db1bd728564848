using RnnGen.Kernels;
using RnnGen.Generated;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The widest blocks against their one-row / one-vector / one-unit chains, bit for bit, where the generated code uses
/// them: weight gradients of reversed sequences (negative step and group strides) over 8-row blocks with 32-column
/// loops and 16-column tails; batched products walked backwards (a reverse layer's inputs) across 64-row blocks, row
/// tails and leftover vectors; and the cells' 512-bit lanes against the scalar lane, with spans too short refused.
/// </summary>
public sealed class WideKernelTests
{
    [Fact]
    public void Blocked_outer_products_walked_backwards_are_the_one_row_chain()
    {
        var random = new Random(5);
        foreach (int rows in new[] { 4, 7, 8, 9, 12, 13, 15, 16, 17, 20, 23, 24, 30, 31 })
        foreach (int cols in new[] { 16, 32, 48, 64, 80, 96 })
        foreach (int groups in new[] { 1, 2, 3 })
        foreach (bool reverse in new[] { false, true })
        {
            const int count = 4, pad = 40;
            int aStride = rows + 1, bStride = cols + 3, aGroup = count * aStride, bGroup = count * bStride;
            float[] a = Enumerable.Range(0, 2 * pad + groups * aGroup).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, 2 * pad + groups * bGroup).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] gfull = Enumerable.Range(0, rows * cols + 2 * pad).Select(_ => (float)random.NextDouble()).ToArray();
            // reversed: steps backwards and groups backwards
            int aOff = reverse ? pad + groups * aGroup - aStride : pad, bOff = reverse ? pad + groups * bGroup - bStride : pad;
            int aS = reverse ? -aStride : aStride, bS = reverse ? -bStride : bStride;
            int aG = reverse ? -aGroup : aGroup, bG = reverse ? -bGroup : bGroup;
            float[] expected = (float[])gfull.Clone();
            for (int r = 0; r < rows; r++)
                VectorKernels.AddOuterProducts(expected.AsSpan(pad + r * cols, cols), a, aOff + r, aS, b, bOff, bS, count, 1, cols, groups, aG, bG);
            VectorKernels.AddOuterProducts(gfull.AsSpan(pad, rows * cols), a, aOff, aS, b, bOff, bS, count, rows, cols, groups, aG, bG);
            Assert.True(expected.AsSpan().SequenceEqual(gfull), $"rows {rows} cols {cols} groups {groups} reverse {reverse}");
        }
    }

    [Fact]
    public void Batched_products_walked_backwards_are_one_vector_at_a_time()
    {
        var random = new Random(9);
        foreach (int rows in new[] { 16, 17, 31, 48, 63, 64, 65, 79, 80, 96, 127, 128, 130 })
        foreach (int cols in new[] { 1, 5, 16 })
        foreach (int batch in new[] { 4, 5, 7, 8, 9 })
        {
            float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            int xStride = cols + 3, yStride = rows + 2;
            float[] x = Enumerable.Range(0, 1 + batch * xStride).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] y = Enumerable.Range(0, 2 + batch * yStride + 5).Select(_ => (float)random.NextDouble()).ToArray();
            float[] expected = (float[])y.Clone();
            int xOff = 1 + (batch - 1) * xStride, yOff = 2 + (batch - 1) * yStride;
            for (int b = 0; b < batch; b++)
                VectorKernels.PackedMatVecAdd(w, x.AsSpan(xOff - b * xStride, cols), expected.AsSpan(yOff - b * yStride, rows), rows, cols);
            VectorKernels.PackedMatMatAdd(w, x, xOff, -xStride, y, yOff, -yStride, batch, rows, cols);
            Assert.True(expected.AsSpan().SequenceEqual(y), $"rows {rows} cols {cols} batch {batch}");
        }
    }

    [Fact]
    public void Cell_lanes_of_every_width_give_the_scalar_lane_bits()
    {
        var random = new Random(3);
        foreach (int n in new[] { 15, 16, 17, 24, 31, 32, 33, 40, 47, 48 })
        {
            float[] z = Enumerable.Range(0, 4 * n).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
            float[] c = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            float[] zz = (float[])z.Clone(); float[] cn = new float[n], hn = new float[n], tc = new float[n];
            LstmCell.Forward(zz, c, cn, hn, tc, n);
            for (int j = 0; j < n; j++)
            {
                float[] z1 = [z[j], z[n + j], z[2 * n + j], z[3 * n + j]]; float[] c1 = [c[j]]; float[] cn1 = new float[1], hn1 = new float[1], tc1 = new float[1];
                LstmCell.Forward(z1, c1, cn1, hn1, tc1, 1);
                Assert.True(BitConverter.SingleToInt32Bits(cn1[0]) == BitConverter.SingleToInt32Bits(cn[j]) && BitConverter.SingleToInt32Bits(hn1[0]) == BitConverter.SingleToInt32Bits(hn[j])
                    && BitConverter.SingleToInt32Bits(tc1[0]) == BitConverter.SingleToInt32Bits(tc[j]) && z1[0] == zz[j] && z1[1] == zz[n + j] && z1[2] == zz[2 * n + j] && z1[3] == zz[3 * n + j], $"lstm n {n} j {j}");
            }
            float[] h = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] gi = Enumerable.Range(0, 3 * n).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
            float[] gh = Enumerable.Range(0, 3 * n).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
            float[] gi2 = (float[])gi.Clone(); float[] next = new float[n];
            GruCell.Forward(h, gi2, gh, next, n);
            for (int j = 0; j < n; j++)
            {
                float[] gi1 = [gi[j], gi[n + j], gi[2 * n + j]]; float[] gh1 = [gh[j], gh[n + j], gh[2 * n + j]]; float[] nx = new float[1];
                GruCell.Forward([h[j]], gi1, gh1, nx, 1);
                Assert.True(BitConverter.SingleToInt32Bits(nx[0]) == BitConverter.SingleToInt32Bits(next[j]) && gi1[0] == gi2[j] && gi1[1] == gi2[n + j] && gi1[2] == gi2[2 * n + j], $"gru n {n} j {j}");
            }
            // short spans must throw, not read past: Lane512 Load is bounds-checked
            Assert.ThrowsAny<SystemException>(() => ElmanCell.Backward(new float[n], new float[n], new float[n - 1], false, n));
        }
    }
}
