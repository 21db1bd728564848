using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen.Generated;

/// <summary>One float as an <see cref="ILane{TSelf}"/>: the scalar tail of the generated element-wise loops.</summary>
internal readonly struct ScalarLane : ILane<ScalarLane>
{
    private readonly float _value;

    private ScalarLane(float value) => _value = value;

    public static int Count => 1;

    public static ScalarLane One => new(1f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Load(ReadOnlySpan<float> values, int index) => new(values[index]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Load(Span<float> values, int index) => new(values[index]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Span<float> values, int index) => values[index] = _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator +(ScalarLane left, ScalarLane right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator -(ScalarLane left, ScalarLane right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane operator *(ScalarLane left, ScalarLane right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane GateSigmoid(ScalarLane x) => new(FastMath.GateSigmoid(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane Tanh(ScalarLane x) => new(FastMath.Tanh(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane WherePositive(ScalarLane test, ScalarLane value) => new(test._value > 0f ? value._value : 0f);
}
