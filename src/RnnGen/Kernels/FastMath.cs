using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static RnnGen.Kernels.FusedMath;

namespace RnnGen.Kernels;

/// <summary>
/// exp, σ and tanh on one float, a <see cref="Vector128{T}"/>, a <see cref="Vector256{T}"/>, a <see cref="Vector512{T}"/>
/// or a <see cref="Vector{T}"/>, so that generated cells apply their activations to gate values still in registers
/// (no span pass per gate).
/// Every width runs the same IEEE operations in the same order (fused multiply-adds wherever the CPU has FMA, on
/// every width alike), so a value's result does not depend on which path computed it: vector bodies, scalar tails,
/// the batched and the single-sequence kernels all agree bit for bit.
/// Accuracy over the whole float range (tested against double precision on a dense sweep and at the edges):
/// exp within 2 ulp where its result is normal; σ within 2e-7 absolute and 1e-6 relative where its result is normal;
/// tanh within 3.5e-7 absolute and 1e-6 relative; the gate σ (<see cref="GateSigmoid(float)"/>, from tanh) within 2e-7
/// absolute (4e-7 and 2.5e-7 where the CPU has no FMA and each multiply-add rounds twice). All inside the 1e-6
/// absolute budget that parity with PyTorch allows.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class FastMath
{
    // Cephes expf: exp(x) = 2^n · e^r, n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in two for exactness),
    // e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln 2 / 2. The inputs are clamped so that 2^n stays a normal float.
    private const float ExpHigh = 88.3762626647949f, ExpLow = -87.3365447505531f;
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private const float RoundMagic = 12582912f;   // 1.5·2²³: adding it rounds |v| < 2²² to an integer (ties to even)

    // tanh: a 13/6 rational interpolant, x·P(x²)/Q(x²) (the coefficients of Eigen's generic_fast_tanh_float, divided
    // through by its β0 so that P(0) ≈ Q(0) = 1: no intermediate goes subnormal before the result does, which keeps
    // the relative error ≤ 1e-6 down to the smallest normal input). One division and ten multiply-adds, against an
    // exp, a division and a small-argument branch before: ~1.7× the throughput and two thirds of the latency.
    // Clamped at ±TanhClamp, the smallest float where the interpolant is exactly 1 both with fused multiply-adds and
    // without (machines without FMA round twice), and it stays ≤ 1 below it: tanh saturates to exactly ±1 and σ built
    // from it to exactly 0 and 1. Error over every float: 3.35e-7 absolute (at 7.48), 3.4e-7 relative, with FMA
    // (3.8e-7 without); exactly odd.
    private const float TanhClamp = 7.9818377f;
    private const float TA1 = 0.9999998807907104f, TA3 = 0.1302255392074585f, TA5 = 0.0030360983218997717f,
        TA7 = 1.0467499123478774e-05f, TA9 = -1.7583788647357323e-08f, TA11 = 4.0874172102522977e-11f,
        TA13 = -5.6416761589012446e-14f;
    private const float TB2 = 0.4635583758354187f, TB4 = 0.024222763255238533f, TB6 = 0.000244866096181795f;

    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = MathF.Min(MathF.Max(x, ExpLow), ExpHigh);   // NaN stays NaN (MathF.Min/Max propagate it)
        float shifted = Fma(x, Log2E, RoundMagic);
        float n = shifted - RoundMagic;
        float r = Fma(n, -Ln2Hi, x);
        r = Fma(n, -Ln2Lo, r);
        float p = Fma(Fma(Fma(Fma(Fma(P0, r, P1), r, P2), r, P3), r, P4), r, P5);
        float y = Fma(p, r * r, r + 1f);
        int bits = (BitConverter.SingleToInt32Bits(shifted) - BitConverter.SingleToInt32Bits(RoundMagic) + 127) << 23;
        return y * BitConverter.Int32BitsToSingle(bits);
    }

    /// <summary>e^x, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> input = x;
        x = Sse.IsSupported
            ? Sse.Min(Vector128.Create(ExpHigh), Sse.Max(Vector128.Create(ExpLow), x))   // NaN passes through, as below
            : Vector128.Min(Vector128.Max(x, Vector128.Create(ExpLow)), Vector128.Create(ExpHigh));
        Vector128<float> shifted = Fma(x, Vector128.Create(Log2E), Vector128.Create(RoundMagic));
        Vector128<float> n = shifted - Vector128.Create(RoundMagic);
        Vector128<float> r = Fma(n, Vector128.Create(-Ln2Hi), x);
        r = Fma(n, Vector128.Create(-Ln2Lo), r);
        Vector128<float> p = Fma(Fma(Fma(Fma(Fma(Vector128.Create(P0), r, Vector128.Create(P1)), r, Vector128.Create(P2)), r,
            Vector128.Create(P3)), r, Vector128.Create(P4)), r, Vector128.Create(P5));
        Vector128<float> y = Fma(p, r * r, r + Vector128<float>.One);
        Vector128<int> bits = Vector128.ShiftLeft(shifted.AsInt32() - Vector128.Create(BitConverter.SingleToInt32Bits(RoundMagic) - 127), 23);
        // NaN stays NaN (the trainer's divergence guard relies on it): on x86 the clamps above pass it through.
        return Sse.IsSupported ? y * bits.AsSingle() : Vector128.ConditionalSelect(Vector128.Equals(input, input), y * bits.AsSingle(), input);
    }

    /// <summary>e^x, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> input = x;
        if (Avx.IsSupported)
        {
            // vmaxps/vminps return their second operand when either is NaN: with x second, a NaN passes through both
            // clamps and through the arithmetic below, so no compare-and-select is needed (two instructions, where
            // Vector256.Min/Max's IEEE semantics cost several more).
            x = Avx.Min(Vector256.Create(ExpHigh), Avx.Max(Vector256.Create(ExpLow), x));
        }
        else
        {
            x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpLow)), Vector256.Create(ExpHigh));
        }
        Vector256<float> shifted = Fma(x, Vector256.Create(Log2E), Vector256.Create(RoundMagic));
        Vector256<float> n = shifted - Vector256.Create(RoundMagic);
        Vector256<float> r = Fma(n, Vector256.Create(-Ln2Hi), x);
        r = Fma(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Fma(Fma(Fma(Fma(Fma(Vector256.Create(P0), r, Vector256.Create(P1)), r, Vector256.Create(P2)), r,
            Vector256.Create(P3)), r, Vector256.Create(P4)), r, Vector256.Create(P5));
        Vector256<float> y = Fma(p, r * r, r + Vector256<float>.One);
        Vector256<int> bits = Vector256.ShiftLeft(shifted.AsInt32() - Vector256.Create(BitConverter.SingleToInt32Bits(RoundMagic) - 127), 23);
        // NaN stays NaN (the trainer's divergence guard relies on it): on x86 the clamps above pass it through.
        return Avx.IsSupported ? y * bits.AsSingle() : Vector256.ConditionalSelect(Vector256.Equals(input, input), y * bits.AsSingle(), input);
    }

    /// <summary>e^x, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> input = x;
        if (Avx512F.IsSupported)
            x = Avx512F.Min(Vector512.Create(ExpHigh), Avx512F.Max(Vector512.Create(ExpLow), x));   // NaN passes through, as above
        else
            x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLow)), Vector512.Create(ExpHigh));
        Vector512<float> shifted = Fma(x, Vector512.Create(Log2E), Vector512.Create(RoundMagic));
        Vector512<float> n = shifted - Vector512.Create(RoundMagic);
        Vector512<float> r = Fma(n, Vector512.Create(-Ln2Hi), x);
        r = Fma(n, Vector512.Create(-Ln2Lo), r);
        Vector512<float> p = Fma(Fma(Fma(Fma(Fma(Vector512.Create(P0), r, Vector512.Create(P1)), r, Vector512.Create(P2)), r,
            Vector512.Create(P3)), r, Vector512.Create(P4)), r, Vector512.Create(P5));
        Vector512<float> y = Fma(p, r * r, r + Vector512<float>.One);
        Vector512<int> bits = Vector512.ShiftLeft(shifted.AsInt32() - Vector512.Create(BitConverter.SingleToInt32Bits(RoundMagic) - 127), 23);
        // NaN stays NaN (the trainer's divergence guard relies on it).
        return Avx512F.IsSupported ? y * bits.AsSingle() : Vector512.ConditionalSelect(Vector512.Equals(input, input), y * bits.AsSingle(), input);
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>σ(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    /// <summary>σ(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>σ(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <summary>tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        x = MathF.Min(MathF.Max(x, -TanhClamp), TanhClamp);   // NaN stays NaN; −0 stays −0
        float x2 = x * x;
        float p = Fma(Fma(Fma(Fma(Fma(Fma(TA13, x2, TA11), x2, TA9), x2, TA7), x2, TA5), x2, TA3), x2, TA1);
        float q = Fma(Fma(Fma(TB6, x2, TB4), x2, TB2), x2, 1f);
        return p * x / q;
    }

    /// <summary>tanh(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        x = Sse.IsSupported
            ? Sse.Min(Vector128.Create(TanhClamp), Sse.Max(Vector128.Create(-TanhClamp), x))
            : Vector128.Min(Vector128.Max(x, Vector128.Create(-TanhClamp)), Vector128.Create(TanhClamp));
        Vector128<float> x2 = x * x;
        Vector128<float> p = Fma(Fma(Fma(Fma(Fma(Fma(Vector128.Create(TA13), x2, Vector128.Create(TA11)), x2, Vector128.Create(TA9)), x2,
            Vector128.Create(TA7)), x2, Vector128.Create(TA5)), x2, Vector128.Create(TA3)), x2, Vector128.Create(TA1));
        Vector128<float> q = Fma(Fma(Fma(Vector128.Create(TB6), x2, Vector128.Create(TB4)), x2, Vector128.Create(TB2)), x2, Vector128<float>.One);
        return p * x / q;
    }

    /// <summary>tanh(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        // vmaxps/vminps with x second: a NaN passes through (see Exp).
        x = Avx.IsSupported
            ? Avx.Min(Vector256.Create(TanhClamp), Avx.Max(Vector256.Create(-TanhClamp), x))
            : Vector256.Min(Vector256.Max(x, Vector256.Create(-TanhClamp)), Vector256.Create(TanhClamp));
        Vector256<float> x2 = x * x;
        Vector256<float> p = Fma(Fma(Fma(Fma(Fma(Fma(Vector256.Create(TA13), x2, Vector256.Create(TA11)), x2, Vector256.Create(TA9)), x2,
            Vector256.Create(TA7)), x2, Vector256.Create(TA5)), x2, Vector256.Create(TA3)), x2, Vector256.Create(TA1));
        Vector256<float> q = Fma(Fma(Fma(Vector256.Create(TB6), x2, Vector256.Create(TB4)), x2, Vector256.Create(TB2)), x2, Vector256<float>.One);
        return p * x / q;
    }

    /// <summary>tanh(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        x = Avx512F.IsSupported
            ? Avx512F.Min(Vector512.Create(TanhClamp), Avx512F.Max(Vector512.Create(-TanhClamp), x))
            : Vector512.Min(Vector512.Max(x, Vector512.Create(-TanhClamp)), Vector512.Create(TanhClamp));
        Vector512<float> x2 = x * x;
        Vector512<float> p = Fma(Fma(Fma(Fma(Fma(Fma(Vector512.Create(TA13), x2, Vector512.Create(TA11)), x2, Vector512.Create(TA9)), x2,
            Vector512.Create(TA7)), x2, Vector512.Create(TA5)), x2, Vector512.Create(TA3)), x2, Vector512.Create(TA1));
        Vector512<float> q = Fma(Fma(Fma(Vector512.Create(TB6), x2, Vector512.Create(TB4)), x2, Vector512.Create(TB2)), x2, Vector512<float>.One);
        return p * x / q;
    }

    /// <summary>σ(x) for a recurrent cell's gates: ½·tanh(x/2) + ½, through the rational tanh (~1.5× the throughput
    /// of <see cref="Sigmoid(float)"/>, whose exp it does not need). Within 2e-7 absolute everywhere (1e-6 relative
    /// where σ ≥ 0.1); exactly 0 and 1 in the tails, so tiny values lose their relative precision, which gates
    /// (factors of at most 1 on c, g and h) never notice. Outputs that may be read as probabilities (a Dense
    /// layer's σ) use <see cref="Sigmoid(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GateSigmoid(float x) => Fma(Tanh(x * 0.5f), 0.5f, 0.5f);

    /// <summary>σ for gates, lane by lane (see <see cref="GateSigmoid(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GateSigmoid(Vector128<float> x) => Fma(Tanh(x * Vector128.Create(0.5f)), Vector128.Create(0.5f), Vector128.Create(0.5f));

    /// <summary>σ for gates, lane by lane (see <see cref="GateSigmoid(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GateSigmoid(Vector256<float> x) => Fma(Tanh(x * Vector256.Create(0.5f)), Vector256.Create(0.5f), Vector256.Create(0.5f));

    /// <summary>σ for gates, lane by lane (see <see cref="GateSigmoid(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GateSigmoid(Vector512<float> x) => Fma(Tanh(x * Vector512.Create(0.5f)), Vector512.Create(0.5f), Vector512.Create(0.5f));

    /// <summary>σ(x) on a <see cref="Vector{T}"/> (the width the generated element-wise loops use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => OnVector<SigmoidOperator>(x);

    /// <summary>tanh(x) on a <see cref="Vector{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x) => OnVector<TanhOperator>(x);

    /// <summary>σ for gates on a <see cref="Vector{T}"/> (see <see cref="GateSigmoid(float)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> GateSigmoid(Vector<float> x) => OnVector<GateSigmoidOperator>(x);

    /// <summary>The operator on a <see cref="Vector{T}"/> through the fixed-width vector of its size (Vector128 on
    /// Arm64 and where x86 has no AVX2, Vector256 on AVX2, Vector512 where .NET is told to prefer it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> OnVector<TOperator>(Vector<float> x) where TOperator : struct, IUnaryOperator
    {
        if (Vector<float>.Count == 4) return TOperator.Invoke(x.AsVector128()).AsVector();
        if (Vector<float>.Count == 8) return TOperator.Invoke(x.AsVector256()).AsVector();
        if (Vector<float>.Count == 16) return TOperator.Invoke(x.AsVector512()).AsVector();
        return LaneByLane<TOperator>(x);
    }

    /// <summary>Any other <see cref="Vector{T}"/> size: the scalar function on each lane (out of line, so that the
    /// stack buffer does not keep <see cref="OnVector{TOperator}"/> from inlining).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector<float> LaneByLane<TOperator>(Vector<float> x) where TOperator : struct, IUnaryOperator
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = TOperator.Invoke(lanes[i]);
        return new Vector<float>(lanes);
    }
}
