using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

/// <summary>Vectorised element-wise activations (System.Numerics.Tensors' TensorPrimitives: Vector512/256/128
/// paths, accurate to a few ulps), in place or from a source span.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Activations
{
    /// <summary>y = σ(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);

    /// <summary>y = tanh(x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

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
