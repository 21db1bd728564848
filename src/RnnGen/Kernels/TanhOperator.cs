using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

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
