using System.Runtime.Intrinsics;
using RnnGen.Kernels;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// The generated cells' σ and tanh (fast activations stay within 1e-6 absolute of the exact
/// function over the whole float range): accuracy against double precision on a dense sweep of every magnitude,
/// the edges (±0, tiny, huge, ±∞, NaN), and the same result from every path (scalar, Vector128, Vector256, Vector512,
/// Vector&lt;float&gt;, the span functions at every length), because the batched and single-sequence kernels rely on it.
/// </summary>
public sealed class FastMathTests
{
    /// <summary>Every float magnitude from 1e-30 to 1e3 (both signs, 64 points per binade), a fine uniform grid over
    /// [−20, 20], and the edges.</summary>
    private static float[] Sweep()
    {
        var values = new List<float> { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity,
            88.3762626647949f, -87.3365447505531f, 88.72f, -88.72f, 0.125f, -0.125f, 0.12499999f, -0.12499999f, 1e-8f, -1e-8f };
        for (double m = 1e-30; m < 1e3; m *= Math.Pow(2, 1.0 / 64))
        {
            values.Add((float)m);
            values.Add((float)-m);
        }
        for (int i = -2_000_000; i <= 2_000_000; i++) values.Add(i * 1e-5f);
        return values.ToArray();
    }

    /// <summary>The bounds hold with fused multiply-adds; without them (the ISA matrix's AVX2-off child: no FMA either)
    /// every multiply-add rounds twice and the errors grow a little.</summary>
    private static readonly bool s_fma = System.Runtime.Intrinsics.X86.Fma.IsSupported;
    private static readonly double s_tanhBound = s_fma ? 3.5e-7 : 4e-7, s_gateBound = s_fma ? 2e-7 : 2.5e-7;

    private static double ExactSigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>The largest absolute error over <see cref="Sweep"/>, and the largest relative error where the exact
    /// value's magnitude is at least <paramref name="relativeFrom"/>.</summary>
    private static (double Abs, double Rel) WorstErrors(Func<float, float> actual, Func<double, double> exact, double relativeFrom)
    {
        double worstAbs = 0, worstRel = 0;
        foreach (float x in Sweep())
        {
            double e = exact(x), abs = Math.Abs(actual(x) - e);
            worstAbs = Math.Max(worstAbs, abs);
            if (Math.Abs(e) >= relativeFrom) worstRel = Math.Max(worstRel, abs / Math.Abs(e));
        }
        return (worstAbs, worstRel);
    }

    [Fact]
    public void Sigmoid_is_within_2e_7_absolute_and_1e_6_relative_everywhere()
    {
        (double worstAbs, double worstRel) = WorstErrors(FastMath.Sigmoid, ExactSigmoid, 1.2e-38);
        Assert.True(worstAbs <= 2e-7, $"largest absolute error {worstAbs:E2}");
        Assert.True(worstRel <= 1e-6, $"largest relative error {worstRel:E2}");
    }

    [Fact]
    public void Tanh_is_within_3_5e_7_absolute_and_1e_6_relative_everywhere()
    {
        (double worstAbs, double worstRel) = WorstErrors(FastMath.Tanh, Math.Tanh, 1.2e-38);
        Assert.True(worstAbs <= s_tanhBound, $"largest absolute error {worstAbs:E2}");
        Assert.True(worstRel <= 1e-6, $"largest relative error {worstRel:E2}");
        Assert.Equal(0f, FastMath.Tanh(0f));
        Assert.True(float.IsNegative(FastMath.Tanh(-0f)));
    }

    /// <summary>Every float in [1/16, 8], where the rational tanh's error peaks (3.35e-7 at 7.48; the whole float range was
    /// checked once, offline: tanh 3.35e-7 absolute, 3.4e-7 relative; gate σ 1.97e-7 absolute); tanh is exactly odd.</summary>
    [Fact]
    public void Tanh_and_gate_sigmoid_hold_their_bounds_at_every_float_where_the_error_peaks()
    {
        double tanhAbs = 0, sigmoidAbs = 0;
        for (float x = 0.0625f; x <= 8f; x = MathF.BitIncrement(x))
        {
            float t = FastMath.Tanh(x);
            tanhAbs = Math.Max(tanhAbs, Math.Abs(t - Math.Tanh(x)));
            if (FastMath.Tanh(-x) != -t) Assert.Fail($"tanh(−{x:R}) ≠ −tanh({x:R})");
            sigmoidAbs = Math.Max(sigmoidAbs, Math.Abs(FastMath.GateSigmoid(2 * x) - ExactSigmoid(2 * x)));
            sigmoidAbs = Math.Max(sigmoidAbs, Math.Abs(FastMath.GateSigmoid(-2 * x) - ExactSigmoid(-2 * x)));
        }
        Assert.True(tanhAbs <= s_tanhBound, $"largest tanh error {tanhAbs:E2}");
        Assert.True(sigmoidAbs <= s_gateBound, $"largest gate σ error {sigmoidAbs:E2}");
    }

    /// <summary>The gates' σ (from the rational tanh): absolute accuracy everywhere, relative where σ ≥ 0.1, exact
    /// 0, ½ and 1 where σ rounds to them.</summary>
    [Fact]
    public void Gate_sigmoid_is_within_2e_7_absolute_everywhere()
    {
        (double worstAbs, double worstRel) = WorstErrors(FastMath.GateSigmoid, ExactSigmoid, 0.1);
        Assert.True(worstAbs <= s_gateBound, $"largest absolute error {worstAbs:E2}");
        Assert.True(worstRel <= 1e-6, $"largest relative error where σ ≥ 0.1: {worstRel:E2}");
        Assert.Equal(0.5f, FastMath.GateSigmoid(0f));
        Assert.Equal(0.5f, FastMath.GateSigmoid(-0f));
    }

    [Fact]
    public void Exp_is_within_2_ulp_where_its_result_is_a_normal_float()
    {
        double worst = 0;
        foreach (float x in Sweep())
        {
            if (x < -87.3f || x > 88.3f) continue;
            double exact = Math.Exp(x), actual = FastMath.Exp(x);
            double ulp = (double)MathF.BitIncrement((float)exact) - (float)exact;
            worst = Math.Max(worst, Math.Abs(actual - exact) / ulp);
        }
        Assert.True(worst <= 2, $"largest error {worst:F2} ulp");
    }

    [Fact]
    public void Edges_saturate_and_NaN_propagates()
    {
        Assert.Equal(1f, FastMath.Sigmoid(float.PositiveInfinity));
        Assert.True(FastMath.Sigmoid(float.NegativeInfinity) < 1e-37f);
        Assert.Equal(1f, FastMath.Tanh(float.PositiveInfinity));
        Assert.Equal(-1f, FastMath.Tanh(float.NegativeInfinity));
        Assert.Equal(1f, FastMath.Tanh(1e30f));
        Assert.Equal(-1f, FastMath.Tanh(-9f));
        Assert.Equal(1f, FastMath.GateSigmoid(float.PositiveInfinity));
        Assert.Equal(0f, FastMath.GateSigmoid(float.NegativeInfinity));
        Assert.Equal(0f, FastMath.GateSigmoid(-40f));
        Assert.True(float.IsNaN(FastMath.GateSigmoid(float.NaN)));
        Assert.True(float.IsNaN(FastMath.Exp(float.NaN)));
        Assert.True(float.IsNaN(FastMath.Sigmoid(float.NaN)));
        Assert.True(float.IsNaN(FastMath.Tanh(float.NaN)));
        // NaN must survive the vector paths too: the trainer's divergence guard depends on it.
        float[] nan = Enumerable.Repeat(float.NaN, 37).ToArray(), y = new float[37];
        Activations.Sigmoid(nan, y);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
        Activations.Tanh(nan, y);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
    }

    /// <summary>Every vector width gives each lane exactly the scalar result, for the whole sweep.</summary>
    [Fact]
    public void Every_vector_width_equals_the_scalar_path_bit_for_bit()
    {
        float[] xs = Sweep();
        var lanes = new float[16];
        for (int i = 0; i + 16 <= xs.Length; i += 16)
        {
            var v512 = Vector512.Create(xs.AsSpan(i, 16));
            var v256 = Vector256.Create(xs.AsSpan(i, 8));
            var v128 = Vector128.Create(xs.AsSpan(i, 4));
            var vec = new System.Numerics.Vector<float>(xs.AsSpan(i, System.Numerics.Vector<float>.Count));
            Check(FastMath.Exp(v512), FastMath.Exp(v256), FastMath.Exp(v128), FastMath.Exp, "exp");
            Check(FastMath.Sigmoid(v512), FastMath.Sigmoid(v256), FastMath.Sigmoid(v128), FastMath.Sigmoid, "sigmoid");
            Check(FastMath.Tanh(v512), FastMath.Tanh(v256), FastMath.Tanh(v128), FastMath.Tanh, "tanh");
            Check(FastMath.GateSigmoid(v512), FastMath.GateSigmoid(v256), FastMath.GateSigmoid(v128), FastMath.GateSigmoid, "gate sigmoid");
            FastMath.Sigmoid(vec).CopyTo(lanes);
            for (int l = 0; l < System.Numerics.Vector<float>.Count; l++) AssertSame(FastMath.Sigmoid(xs[i + l]), lanes[l], xs[i + l], "Vector<float> sigmoid");
            FastMath.Tanh(vec).CopyTo(lanes);
            for (int l = 0; l < System.Numerics.Vector<float>.Count; l++) AssertSame(FastMath.Tanh(xs[i + l]), lanes[l], xs[i + l], "Vector<float> tanh");
            FastMath.GateSigmoid(vec).CopyTo(lanes);
            for (int l = 0; l < System.Numerics.Vector<float>.Count; l++) AssertSame(FastMath.GateSigmoid(xs[i + l]), lanes[l], xs[i + l], "Vector<float> gate sigmoid");

            void Check(Vector512<float> wide, Vector256<float> narrow, Vector128<float> narrowest, Func<float, float> scalar, string name)
            {
                for (int l = 0; l < 16; l++) AssertSame(scalar(xs[i + l]), wide[l], xs[i + l], name + " Vector512");
                for (int l = 0; l < 8; l++) AssertSame(scalar(xs[i + l]), narrow[l], xs[i + l], name + " Vector256");
                for (int l = 0; l < 4; l++) AssertSame(scalar(xs[i + l]), narrowest[l], xs[i + l], name + " Vector128");
            }
        }
    }

    private static void AssertSame(float expected, float actual, float x, string what)
    {
        if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual) && !(float.IsNaN(expected) && float.IsNaN(actual)))
            Assert.Fail($"{what}({x:R}) = {actual:R}, scalar {expected:R}");
    }

    /// <summary>The span functions (every length 0…130: all remainders of the 16-, 8- and 4-wide bodies) equal the scalar function.</summary>
    [Fact]
    public void Span_functions_equal_the_scalar_function_at_every_length()
    {
        for (int n = 0; n <= 130; n++)
        {
            float[] x = Enumerable.Range(0, n).Select(i => (i * 0.37f - 20f) * (i % 3 == 0 ? 0.01f : 1f)).ToArray();
            float[] y = new float[n + 1];
            y[n] = 42f;
            Activations.Sigmoid(x, y);
            for (int i = 0; i < n; i++) AssertSame(FastMath.Sigmoid(x[i]), y[i], x[i], $"Sigmoid span n={n}");
            Assert.Equal(42f, y[n]);
            Activations.Tanh(x, y);
            for (int i = 0; i < n; i++) AssertSame(FastMath.Tanh(x[i]), y[i], x[i], $"Tanh span n={n}");
            Assert.Equal(42f, y[n]);
            x.CopyTo(y, 0);
            Activations.Tanh(y.AsSpan(0, n), y.AsSpan(0, n));   // in place
            for (int i = 0; i < n; i++) AssertSame(FastMath.Tanh(x[i]), y[i], x[i], $"Tanh in place n={n}");
        }
        Assert.Throws<ArgumentException>(() => Activations.Tanh(new float[5], new float[4]));
    }
}
