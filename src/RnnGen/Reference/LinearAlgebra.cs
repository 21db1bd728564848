using System.Numerics;

namespace RnnGen.Reference;

/// <summary>The few dense kernels the reference runtime needs, as plain loops. Matrices are row-major.</summary>
internal static class LinearAlgebra<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y += W·x, W is [rows × cols].</summary>
    public static void MultiplyAdd(ReadOnlySpan<T> w, int rows, int cols, ReadOnlySpan<T> x, Span<T> y)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = w.Slice(r * cols, cols);
            T sum = T.Zero;
            for (int c = 0; c < cols; c++) sum += row[c] * x[c];
            y[r] += sum;
        }
    }

    /// <summary>y += Wᵀ·v, W is [rows × cols].</summary>
    public static void TransposeMultiplyAdd(ReadOnlySpan<T> w, int rows, int cols, ReadOnlySpan<T> v, Span<T> y)
    {
        for (int r = 0; r < rows; r++)
        {
            T vr = v[r];
            ReadOnlySpan<T> row = w.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) y[c] += row[c] * vr;
        }
    }

    /// <summary>G += a·bᵀ, G is [a.Length × b.Length].</summary>
    public static void OuterAdd(Span<T> g, ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        int cols = b.Length;
        for (int r = 0; r < a.Length; r++)
        {
            T ar = a[r];
            Span<T> row = g.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) row[c] += ar * b[c];
        }
    }

    /// <summary>y += x.</summary>
    public static void Add(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += x[i];
    }

    public static T Sigmoid(T x) => T.One / (T.One + T.Exp(-x));

    public static T Activate(Activation activation, T x) => activation switch
    {
        Activation.Identity => x,
        Activation.Tanh => T.Tanh(x),
        Activation.Sigmoid => Sigmoid(x),
        Activation.Relu => x > T.Zero ? x : T.Zero,
        _ => throw new InvalidOperationException($"{activation} is not an element-wise activation."),
    };

    /// <summary>d act / d x, expressed through the activated value y (and x for ReLU at 0).</summary>
    public static T Derivative(Activation activation, T y) => activation switch
    {
        Activation.Identity => T.One,
        Activation.Tanh => T.One - y * y,
        Activation.Sigmoid => y * (T.One - y),
        Activation.Relu => y > T.Zero ? T.One : T.Zero,
        _ => throw new InvalidOperationException($"{activation} is not an element-wise activation."),
    };

    /// <summary>y = softmax(z), computed stably.</summary>
    public static void Softmax(ReadOnlySpan<T> z, Span<T> y)
    {
        T max = z[0];
        for (int i = 1; i < z.Length; i++) if (z[i] > max) max = z[i];
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++) { y[i] = T.Exp(z[i] - max); sum += y[i]; }
        for (int i = 0; i < z.Length; i++) y[i] /= sum;
    }
}
