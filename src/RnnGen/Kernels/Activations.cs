using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>Vectorised element-wise activations, in place or from a source span. σ and tanh are <see cref="FastMath"/>'s
/// (Vector512, Vector256, then a scalar tail: the same value gives the same result on every path); the rest are
/// System.Numerics.Tensors' TensorPrimitives.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Activations
{
    /// <summary>y = σ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) ThrowDestination(x.Length, y.Length);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) FastMath.Sigmoid(Vector512.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) FastMath.Sigmoid(Vector256.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y0, i) = FastMath.Sigmoid(Unsafe.Add(ref x0, i));
    }

    /// <summary>y = tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) ThrowDestination(x.Length, y.Length);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) FastMath.Tanh(Vector512.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) FastMath.Tanh(Vector256.LoadUnsafe(ref x0, (nuint)i)).StoreUnsafe(ref y0, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y0, i) = FastMath.Tanh(Unsafe.Add(ref x0, i));
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

    /// <summary>z = x ⊙ y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => TensorPrimitives.Multiply(x, y, z);
}
