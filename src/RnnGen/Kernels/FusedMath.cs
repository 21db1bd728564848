using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// The multiply-add of the activation functions and the packed products, on a float and on each vector width:
/// a·b + c rounded once where the CPU has FMA (x86 FMA3; AVX-512F for Vector512), rounded twice (a·b, then + c)
/// elsewhere. The choice is the same on every width, so a value computed in a vector body and in a scalar tail gets the
/// same bits. Arm64 takes the twice-rounded form on every width, as its scalar code always has. Two kernels choose
/// their rounding themselves: the outer products' scalar loop always fuses (<c>MathF.FusedMultiplyAdd</c>, rounding
/// once in software without FMA hardware), and <c>Axpy</c> fuses in its Vector256/Vector512 bodies but keeps the
/// unfused <c>y + α·x</c> of its scalar definition in its tail and Vector128 blocks, so a length that never reaches a
/// wide body gives the scalar bits on every machine.
/// </summary>
internal static class FusedMath
{
    /// <summary>Whether <see cref="Fma(float, float, float)"/> rounds once.</summary>
    internal static bool IsFused => X86.Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Fma(float a, float b, float c) => X86.Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        X86.Fma.IsSupported ? X86.Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        X86.Fma.IsSupported ? X86.Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        X86.Avx512F.IsSupported ? X86.Avx512F.FusedMultiplyAdd(a, b, c)
        : Vector512.Create(Fma(a.GetLower(), b.GetLower(), c.GetLower()), Fma(a.GetUpper(), b.GetUpper(), c.GetUpper()));
}
