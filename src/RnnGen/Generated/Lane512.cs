using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen.Generated;

/// <summary>A <see cref="Vector512{T}"/> of floats as an <see cref="ILane{TSelf}"/>: the widest body of the generated element-wise
/// loops where 512-bit vectors are accelerated (lane for lane the same operations as <see cref="VectorLane"/>, so results
/// are bit-identical whichever width runs).</summary>
internal readonly struct Lane512 : ILane<Lane512>
{
    private readonly Vector512<float> _value;

    private Lane512(Vector512<float> value) => _value = value;

    public static int Count => Vector512<float>.Count;

    /// <summary>Whether this width runs in hardware (where not, the cells skip it for <see cref="VectorLane"/>).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    public static Lane512 One => new(Vector512<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 Load(ReadOnlySpan<float> values, int index) => new(Vector512.Create((ReadOnlySpan<float>)values.Slice(index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 Load(Span<float> values, int index) => new(Vector512.Create((ReadOnlySpan<float>)values.Slice(index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Span<float> values, int index) => _value.CopyTo(values.Slice(index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 operator +(Lane512 left, Lane512 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 operator -(Lane512 left, Lane512 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 operator *(Lane512 left, Lane512 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 GateSigmoid(Lane512 x) => new(FastMath.GateSigmoid(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 Tanh(Lane512 x) => new(FastMath.Tanh(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane512 WherePositive(Lane512 test, Lane512 value) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(test._value, Vector512<float>.Zero), value._value, Vector512<float>.Zero));
}
