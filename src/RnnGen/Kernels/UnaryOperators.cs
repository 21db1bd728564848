using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>An element-wise function on one float and on each vector width, with the same result on every path
/// (TensorPrimitives' operator structs): a loop or a dispatcher is written once over it.</summary>
internal interface IUnaryOperator
{
    static abstract float Invoke(float x);

    static abstract Vector128<float> Invoke(Vector128<float> x);

    static abstract Vector256<float> Invoke(Vector256<float> x);

    static abstract Vector512<float> Invoke(Vector512<float> x);
}

/// <summary><see cref="FastMath.Sigmoid(float)"/>.</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => FastMath.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x) => FastMath.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => FastMath.Sigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => FastMath.Sigmoid(x);
}

/// <summary><see cref="FastMath.Tanh(float)"/>.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => FastMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x) => FastMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => FastMath.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => FastMath.Tanh(x);
}

/// <summary><see cref="FastMath.GateSigmoid(float)"/>.</summary>
internal readonly struct GateSigmoidOperator : IUnaryOperator
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Invoke(float x) => FastMath.GateSigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Invoke(Vector128<float> x) => FastMath.GateSigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Invoke(Vector256<float> x) => FastMath.GateSigmoid(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Invoke(Vector512<float> x) => FastMath.GateSigmoid(x);
}
