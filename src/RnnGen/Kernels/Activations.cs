using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>Vectorised element-wise activations, in place or from a source span. σ and tanh are <see cref="FastMath"/>'s
/// (Vector512, Vector256, Vector128, then a scalar tail: the same value gives the same result on every path); the rest are
/// System.Numerics.Tensors' TensorPrimitives.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Activations
{
    /// <summary>y = σ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Apply<SigmoidOperator>(x, y);

    /// <summary>y = tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Apply<TanhOperator>(x, y);

    /// <summary>y[i] = op(x[i]): Vector512 blocks where accelerated, then Vector256, then Vector128 (Arm64 and x86
    /// without AVX2 take only these), then scalar (x and y may be the same span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply<TOperator>(ReadOnlySpan<float> x, Span<float> y) where TOperator : struct, IUnaryOperator
    {
        if (y.Length < x.Length) ThrowDestination(x.Length, y.Length);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) TOperator.Invoke(Vector512.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) TOperator.Invoke(Vector256.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - 4; i += 4) TOperator.Invoke(Vector128.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y0, i) = TOperator.Invoke(Unsafe.Add(ref x0, i));
    }

    private static void ThrowDestination(int needed, int actual) =>
        throw new ArgumentException($"Destination too short: expected at least {needed} floats, got {actual}.", "y");

    /// <summary>y = max(0, x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>y = softmax(x), computed as e^(x − max x) / Σ e^(x − max x) so that large logits cannot overflow
    /// (TensorPrimitives.SoftMax does not subtract the maximum and returns NaN for logits beyond ~88).</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
    }
}
