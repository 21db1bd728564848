using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// exp, σ and tanh on one float, a <see cref="Vector256{T}"/>, a <see cref="Vector512{T}"/> or a <see cref="Vector{T}"/>,
/// so that generated cells apply their activations to gate values still in registers (no span pass per gate).
/// Every width runs the same IEEE operations in the same order (fused multiply-adds wherever the CPU has FMA, on
/// every width alike), so a value's result does not depend on which path computed it: vector bodies, scalar tails,
/// the batched and the single-sequence kernels all agree bit for bit.
/// Accuracy over the whole float range (tested against double precision on a dense sweep and at the edges):
/// exp within 2 ulp where its result is normal; σ and tanh within 2e-7 absolute (and 1e-6 relative where the result
/// is normal), inside the 1e-6 budget that parity with PyTorch allows.
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

    // tanh: below |x| = 0.125 the odd Taylor polynomial (next term < 2e-10 relative); above it
    // sign(x)·(1 − 2 / (e^{2|x|} + 1)), whose absolute error is a few ulp of 1.
    private const float TanhSmall = 0.125f;
    private const float T3 = -1f / 3f, T5 = 2f / 15f, T7 = -17f / 315f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fma(float a, float b, float c) => System.Runtime.Intrinsics.X86.Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c)
        : Vector512.Create(Fma(a.GetLower(), b.GetLower(), c.GetLower()), Fma(a.GetUpper(), b.GetUpper(), c.GetUpper()));

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
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>σ(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <summary>tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < TanhSmall)
        {
            float x2 = x * x;
            return MathF.CopySign(Fma(x * x2, Fma(Fma(T7, x2, T5), x2, T3), x), x);   // keeps tanh(−0) = −0
        }
        float t = 1f - 2f / (Exp(a + a) + 1f);
        return MathF.CopySign(t, x);
    }

    /// <summary>tanh(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> sign = Vector256.Create(-0f);
        Vector256<float> a = Vector256.AndNot(x, sign);
        Vector256<float> x2 = x * x;
        Vector256<float> small = Fma(x * x2, Fma(Fma(Vector256.Create(T7), x2, Vector256.Create(T5)), x2, Vector256.Create(T3)), x) | (x & sign);
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (Exp(a + a) + Vector256<float>.One);
        large |= x & sign;
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(TanhSmall)), small, large);
    }

    /// <summary>tanh(x), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> sign = Vector512.Create(-0f);
        Vector512<float> a = Vector512.AndNot(x, sign);
        Vector512<float> x2 = x * x;
        Vector512<float> small = Fma(x * x2, Fma(Fma(Vector512.Create(T7), x2, Vector512.Create(T5)), x2, Vector512.Create(T3)), x) | (x & sign);
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (Exp(a + a) + Vector512<float>.One);
        large |= x & sign;
        return Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSmall)), small, large);
    }

    /// <summary>σ(x) on a <see cref="Vector{T}"/> (the width the generated element-wise loops use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x)
    {
        if (Vector<float>.Count == 8) return Sigmoid(x.AsVector256()).AsVector();
        if (Vector<float>.Count == 16) return Sigmoid(x.AsVector512()).AsVector();
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = Sigmoid(lanes[i]);
        return new Vector<float>(lanes);
    }

    /// <summary>tanh(x) on a <see cref="Vector{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        if (Vector<float>.Count == 8) return Tanh(x.AsVector256()).AsVector();
        if (Vector<float>.Count == 16) return Tanh(x.AsVector512()).AsVector();
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = Tanh(lanes[i]);
        return new Vector<float>(lanes);
    }
}
