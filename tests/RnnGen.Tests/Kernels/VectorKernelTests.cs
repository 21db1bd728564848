using System.Runtime.Intrinsics;
using RnnGen.Kernels;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Kernels;

/// <summary>Every kernel against a double-precision scalar loop, for every length 0…130 (all remainders of the
/// 16- and 8-wide paths, several full-vector counts) and unaligned starts.</summary>
public sealed class VectorKernelTests
{
    public static TheoryData<int> Lengths() => [.. Enumerable.Range(0, 131)];

    [Theory, MemberData(nameof(Lengths))]
    public void Dot_matches_scalar(int n)
    {
        foreach (int offset in new[] { 0, 1, 3 })
        {
            float[] a = Numerics.Random<float>(n + offset + 1, n * 7 + 1), b = Numerics.Random<float>(n + offset + 1, n * 7 + 2);
            double expected = 0;
            for (int i = 0; i < n; i++) expected += (double)a[offset + i] * b[offset + i];
            float actual = TestKernels.Dot(ref a[offset], ref b[offset], n);
            Numerics.AssertClose(expected, actual, $"Dot n={n} offset={offset}", rel: 1e-5, abs: 1e-5);
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Axpy_matches_scalar_and_touches_only_n_elements(int n)
    {
        foreach (int offset in new[] { 0, 1, 5 })
        {
            float[] x = Numerics.Random<float>(n + offset + 4, n + 3);
            float[] y = Numerics.Random<float>(n + offset + 4, n + 4);
            float[] expected = (float[])y.Clone();
            for (int i = 0; i < n; i++) expected[offset + i] = (float)(expected[offset + i] + 0.75 * x[offset + i]);
            if (n > 0) VectorKernels.Axpy(0.75f, ref x[offset], ref y[offset], n);
            Numerics.AssertClose<float, float>(expected, y, $"Axpy n={n} offset={offset}", rel: 1e-6, abs: 1e-6);
        }
    }

    /// <summary>Every remainder of every width (lengths 1…2·16 + 1, unaligned starts): y += x is exactly y[i] + x[i] on
    /// every path (the fused body adds 1·x exactly, the masked last vector adds +0 to the lanes already done), and
    /// y += α·x is exactly the scalar loop's y[i] + α·x[i] wherever the Vector256 and Vector512 bodies do not run (the
    /// Vector128 blocks and the scalar tail: every length on Arm64 and without AVX2, below 8 elsewhere).</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Level1_kernels_are_bit_identical_to_the_scalar_definition_at_every_remainder(int n)
    {
        if (n == 0 || n > 33) return;
        bool fusedBody = Vector256.IsHardwareAccelerated && n >= 8;
        foreach (int offset in new[] { 0, 1, 3 })
        {
            float[] x = Numerics.Random<float>(n + offset + 2, 3 * n + 1), y = Numerics.Random<float>(n + offset + 2, 3 * n + 2);
            float[] sum = (float[])y.Clone(), scaled = (float[])y.Clone();
            VectorKernels.Add(x.AsSpan(offset, n), sum.AsSpan(offset, n));
            VectorKernels.Axpy(0.75f, ref x[offset], ref scaled[offset], n);
            for (int i = 0; i < y.Length; i++)
            {
                bool inside = i >= offset && i < offset + n;
                AssertBits(inside ? y[i] + x[i] : y[i], sum[i], $"Add n={n} offset={offset} [{i}]");
                if (!inside) AssertBits(y[i], scaled[i], $"Axpy n={n} offset={offset} [{i}] outside");
                else if (!fusedBody) AssertBits(y[i] + 0.75f * x[i], scaled[i], $"Axpy n={n} offset={offset} [{i}]");
            }
        }

        // A bias gradient over a sequence: each element is the steps added in order, forwards and backwards.
        foreach (int stride in new[] { n + 2, -(n + 2) })
        {
            const int count = 5;
            float[] a = Numerics.Random<float>(count * (n + 2) + 1, n + 40);
            int offset = stride > 0 ? 1 : 1 + (count - 1) * (n + 2);
            float[] y = Numerics.Random<float>(n, n + 41), expected = (float[])y.Clone();
            for (int s = 0; s < count; s++)
                for (int i = 0; i < n; i++) expected[i] += a[offset + s * stride + i];
            VectorKernels.AddStridedSum(y, a, offset, stride, count);
            for (int i = 0; i < n; i++) AssertBits(expected[i], y[i], $"AddStridedSum n={n} stride={stride} [{i}]");
        }

        static void AssertBits(float expected, float actual, string what)
        {
            if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
                Assert.Fail($"{what}: {actual:R}, expected {expected:R}");
        }
    }

    /// <summary>Packing moves whole vectors (8 × 8 register transposes, panel columns copied as vectors): every
    /// element must land where the element-by-element definition of the layout puts it, for every row and column
    /// remainder, from both source orientations.</summary>
    [Fact]
    public void Packing_puts_every_element_where_the_layout_says()
    {
        int[] sizes = [.. Enumerable.Range(1, 26), 31, 32, 33, 40, 63, 64, 65, 128, 130];
        foreach (int rows in sizes)
        foreach (int cols in sizes)
        {
            float[] w = Numerics.Random<float>(rows * cols, rows * 131 + cols);
            float[] packed = new float[rows * cols], expected = new float[rows * cols];
            VectorKernels.Transpose(w, packed, rows, cols);
            ExpectedPack(w, expected, rows, cols, transposedSource: false);
            Assert.True(expected.AsSpan().SequenceEqual(packed), $"Transpose {rows} × {cols}");
            VectorKernels.PackTransposed(w, packed, rows, cols);
            ExpectedPack(w, expected, cols, rows, transposedSource: true);
            Assert.True(expected.AsSpan().SequenceEqual(packed), $"PackTransposed {rows} × {cols}");
        }

        // The layout, one element at a time: M [mr × mc], M(i, j) = w[i·mc + j] (or w[j·mr + i] when w holds Mᵀ);
        // 8-row panels [mc × 8] then the last mr % 8 rows as [mc × t] where the Vector256 kernels read panels, else Mᵀ.
        static void ExpectedPack(float[] w, float[] packed, int mr, int mc, bool transposedSource)
        {
            float M(int i, int j) => transposedSource ? w[j * mr + i] : w[i * mc + j];
            if (VectorKernels.Panels(mr))
            {
                int full = mr & ~7, t = mr - full;
                for (int i = 0; i < full; i += 8)
                    for (int j = 0; j < mc; j++)
                        for (int l = 0; l < 8; l++)
                            packed[i * mc + j * 8 + l] = M(i + l, j);
                for (int j = 0; j < mc; j++)
                    for (int l = 0; l < t; l++)
                        packed[full * mc + j * t + l] = M(full + l, j);
                return;
            }
            for (int i = 0; i < mr; i++)
                for (int j = 0; j < mc; j++)
                    packed[j * mr + i] = M(i, j);
        }
    }

    /// <summary>The packed (transposed) product for every row count 1…130 (all row remainders of both widths).</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Packed_product_matches_scalar_for_every_row_count(int rows)
    {
        if (rows == 0) return;
        foreach (int cols in new[] { 1, 3, 8, 33 })
        {
            float[] w = Numerics.Random<float>(rows * cols, rows + cols), x = Numerics.Random<float>(cols, 2);
            float[] y = Numerics.Random<float>(rows + 3, 4);
            var expected = y.Select(v => (double)v).ToArray();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    expected[r] += (double)w[r * cols + c] * x[c];
            var packed = new float[rows * cols];
            VectorKernels.Transpose(w, packed, rows, cols);
            VectorKernels.PackedMatVecAdd(packed, x, y, rows, cols);
            Numerics.AssertClose<double, float>(expected, y, $"packed W·x rows={rows} cols={cols}", 1e-5, 1e-5);
        }
    }

    /// <summary>The streaming cell's fused b + W_x·x + W_h·h is bit-identical to the bias copy and two packed products.</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Fused_cell_product_is_bit_identical_to_two_products(int rows)
    {
        if (rows == 0) return;
        foreach (int colsX in new[] { 1, 3, 8 })
        foreach (int colsH in new[] { 1, 8, 33 })
        {
            float[] wx = Numerics.Random<float>(rows * colsX, rows + colsX), wh = Numerics.Random<float>(rows * colsH, rows + colsH + 50);
            float[] x = Numerics.Random<float>(colsX, 7), h = Numerics.Random<float>(colsH, 8), bias = Numerics.Random<float>(rows, 9);
            float[] px = new float[wx.Length], ph = new float[wh.Length];
            VectorKernels.Transpose(wx, px, rows, colsX);
            VectorKernels.Transpose(wh, ph, rows, colsH);
            float[] expected = (float[])bias.Clone();
            VectorKernels.PackedMatVecAdd(px, x, expected, rows, colsX);
            VectorKernels.PackedMatVecAdd(ph, h, expected, rows, colsH);
            float[] y = new float[rows + 1];
            y[rows] = 42f;
            VectorKernels.PackedMatVec2Add(bias, px, x, ph, h, y.AsSpan(0, rows), rows, colsX, colsH);
            Assert.Equal(expected, y.AsSpan(0, rows).ToArray());
            Assert.Equal(42f, y[rows]);
        }
    }

    /// <summary>Wᵀ packed (the backward products' layout) times v equals Wᵀ·v, for every count of Wᵀ's rows 1…130.</summary>
    [Theory, MemberData(nameof(Lengths))]
    public void Packed_transposed_product_matches_scalar_for_every_row_count(int cols)
    {
        if (cols == 0) return;
        foreach (int rows in new[] { 1, 3, 8, 33, 512 })
        {
            float[] w = Numerics.Random<float>(rows * cols, rows + 7 * cols), v = Numerics.Random<float>(rows, 3);
            float[] y = Numerics.Random<float>(cols + 2, 5);
            var expected = y.Select(e => (double)e).ToArray();
            for (int c = 0; c < cols; c++)
                for (int r = 0; r < rows; r++)
                    expected[c] += (double)w[r * cols + c] * v[r];
            var packed = new float[rows * cols];
            VectorKernels.PackTransposed(w, packed, rows, cols);
            VectorKernels.PackedMatVecAdd(packed, v, y.AsSpan(0, cols), cols, rows);
            double tolerance = 1e-5 * Math.Max(1, rows / 32.0);   // float sums of `rows` terms
            Numerics.AssertClose<double, float>(expected, y, $"packed Wᵀ·v rows={rows} cols={cols}", tolerance, tolerance);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(128, 1)]
    [InlineData(128, 33)]
    [InlineData(39, 64)]
    [InlineData(13, 8)]
    public void Matrix_kernels_match_scalar(int rows, int cols)
    {
        float[] w = Numerics.Random<float>(rows * cols, 1), x = Numerics.Random<float>(cols, 2), v = Numerics.Random<float>(rows, 3);
        float[] y = Numerics.Random<float>(rows, 4), yt = Numerics.Random<float>(cols, 5), g = Numerics.Random<float>(rows * cols, 6);
        var ey = y.Select(d => (double)d).ToArray();
        var eyt = yt.Select(d => (double)d).ToArray();
        var eg = g.Select(d => (double)d).ToArray();
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
        {
            ey[r] += (double)w[r * cols + c] * x[c];
            eyt[c] += (double)w[r * cols + c] * v[r];
            eg[r * cols + c] += (double)v[r] * x[c];
        }
        TestKernels.MatVecAdd(w, x, y, rows, cols);
        TestKernels.TransposeMatVecAdd(w, v, yt, rows, cols);
        TestKernels.OuterAdd(g, v, x);
        Numerics.AssertClose<double, float>(ey, y, "W·x", 1e-5, 1e-5);
        Numerics.AssertClose<double, float>(eyt, yt, "Wᵀ·v", 1e-5, 1e-5);
        Numerics.AssertClose<double, float>(eg, g, "v·xᵀ", 1e-5, 1e-5);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Sequence_outer_products_match_scalar_for_every_column_count(int cols)
    {
        // rows 1..16 cover the 6- and 4-row blocks and every mix of them with single rows; both stride signs, offsets and padding around b.
        var random = new Random(cols);
        foreach (int rows in new[] { 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16 })
        foreach (int count in new[] { 1, 2, 7 })
        foreach (bool reverse in new[] { false, true })
        {
            int aStride = rows + 3, bStride = cols + 2;
            float[] a = Enumerable.Range(0, 2 + count * aStride).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, 5 + count * bStride).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] g = Enumerable.Range(0, rows * cols + 4).Select(_ => (float)random.NextDouble()).ToArray();
            float[] expected = (float[])g.Clone();
            int bOffset = reverse ? 1 + (count - 1) * bStride : 1, step = reverse ? -bStride : bStride;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    double sum = expected[r * cols + c];
                    for (int s = 0; s < count; s++) sum += (double)a[2 + s * aStride + r] * b[bOffset + s * step + c];
                    expected[r * cols + c] = (float)sum;
                }
            VectorKernels.AddOuterProducts(g.AsSpan(0, rows * cols), a, 2, aStride, b, bOffset, step, count, rows, cols);
            for (int i = 0; i < g.Length; i++)
                Assert.True(Math.Abs(g[i] - expected[i]) <= 1e-5f, $"rows {rows} cols {cols} count {count} reverse {reverse}: g[{i}] = {g[i]}, expected {expected[i]}");
        }
    }

    /// <summary>The register-blocked outer products (8 × 32, 6 × 16, 6 × 8, 4 × 16 and 4 × 32 blocks, groups of sequences) give each element
    /// exactly the chain of a row computed alone (g, then one multiply-add per step, groups in order, steps in order),
    /// whichever instruction set runs. That is what keeps batched training bit-identical to one sequence at a time.</summary>
    [Fact]
    public void Blocked_outer_products_are_the_one_row_chain_bit_for_bit()
    {
        var random = new Random(77);
        foreach (int rows in Enumerable.Range(1, 16).Append(30).Append(512))
        foreach (int cols in Enumerable.Range(1, 33).Concat([40, 48, 80, 128]))   // every column remainder of both widths, and the blocked multiples
        foreach (int groups in new[] { 1, 3 })
        {
            const int count = 5;
            int aStride = rows + 1, bStride = cols + 3, aGroup = count * aStride, bGroup = count * bStride;
            float[] a = Enumerable.Range(0, groups * aGroup).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, groups * bGroup).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] g = Enumerable.Range(0, rows * cols).Select(_ => (float)random.NextDouble()).ToArray();
            float[] expected = (float[])g.Clone();
            for (int r = 0; r < rows; r++)
                VectorKernels.AddOuterProducts(expected.AsSpan(r * cols, cols), a, r, aStride, b, 0, bStride, count, 1, cols, groups, aGroup, bGroup);
            VectorKernels.AddOuterProducts(g, a, 0, aStride, b, 0, bStride, count, rows, cols, groups, aGroup, bGroup);
            Assert.True(expected.AsSpan().SequenceEqual(g), $"rows {rows} cols {cols} groups {groups}");
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Batched_products_are_bit_identical_to_one_vector_at_a_time(int rows)
    {
        var random = new Random(rows + 1000);
        foreach (int cols in new[] { 1, 7, 8, 21, 32, 45 })
        foreach (int batch in new[] { 1, 3, 5, 8, 13 })
        {
            float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            int xStride = cols + 3, yStride = rows + 2;
            float[] x = Enumerable.Range(0, 1 + batch * xStride).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] y = Enumerable.Range(0, 2 + batch * yStride).Select(_ => (float)random.NextDouble()).ToArray();
            float[] expected = (float[])y.Clone();
            for (int b = 0; b < batch; b++)
                VectorKernels.PackedMatVecAdd(w, x.AsSpan(1 + b * xStride, cols), expected.AsSpan(2 + b * yStride, rows), rows, cols);
            VectorKernels.PackedMatMatAdd(w, x, 1, xStride, y, 2, yStride, batch, rows, cols);
            Assert.Equal(expected, y);

            // y_b += Wᵀ·v_b with W [rows × cols]: v has rows entries per vector, y has cols.
            float[] v = Enumerable.Range(0, 1 + batch * yStride).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] z = Enumerable.Range(0, 2 + batch * xStride).Select(_ => (float)random.NextDouble()).ToArray();
            float[] expectedZ = (float[])z.Clone();
            for (int b = 0; b < batch; b++)
                TestKernels.TransposeMatVecAdd(w, v.AsSpan(1 + b * yStride, rows), expectedZ.AsSpan(2 + b * xStride, cols), rows, cols);
            TestKernels.TransposeMatMatAdd(w, v, 1, yStride, z, 2, xStride, batch, rows, cols);
            Assert.Equal(expectedZ, z);
        }
    }

    [Fact]
    public void Sequence_outer_products_refuse_rows_outside_their_inputs()
    {
        float[] g = new float[6], a = new float[10], b = new float[10];
        var error = Assert.Throws<ArgumentException>(() => VectorKernels.AddOuterProducts(g, a, 0, 4, b, 0, 3, 4, 2, 3));
        Assert.Contains("need elements 0..14; it has 10", error.Message);
        Assert.Throws<ArgumentException>(() => VectorKernels.AddOuterProducts(g, a, 0, 2, b, 2, -3, 2, 2, 3));
        float[] y = new float[3];
        VectorKernels.AddStridedSum(y, [1, 2, 3, 9, 4, 5, 6], 0, 4, 2);
        Assert.Equal([5f, 7f, 9f], y);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(33)]
    public void Softmax_is_stable_for_huge_logits(int n)
    {
        float[] x = Enumerable.Range(0, n).Select(i => 1000f + 3f * i).ToArray();
        var y = new float[n];
        Activations.Softmax(x, y);
        double max = x.Max();
        double sum = x.Sum(v => Math.Exp(v - max));
        Numerics.AssertClose<double, float>(x.Select(v => Math.Exp(v - max) / sum).ToArray(), y, "softmax of logits near 1000");
    }

    [Fact]
    public void Short_buffers_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => TestKernels.MatVecAdd(new float[5], new float[3], new float[2], 2, 3));
        Assert.Contains("expected at least 6", e.Message);
    }
}
