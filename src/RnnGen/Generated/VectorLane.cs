using System.Numerics;
using System.Runtime.CompilerServices;
using RnnGen.Kernels;

namespace RnnGen.Generated;

/// <summary>A <see cref="Vector{T}"/> of floats as an <see cref="ILane{TSelf}"/>: the body of the generated element-wise loops.</summary>
internal readonly struct VectorLane : ILane<VectorLane>
{
    private readonly Vector<float> _value;

    private VectorLane(Vector<float> value) => _value = value;

    public static int Count => Vector<float>.Count;

    public static VectorLane One => new(Vector<float>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane Broadcast(float value) => new(new Vector<float>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane Load(ReadOnlySpan<float> values, int index) => new(new Vector<float>(values.Slice(index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane Load(Span<float> values, int index) => new(new Vector<float>(values.Slice(index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Span<float> values, int index) => _value.CopyTo(values.Slice(index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane operator +(VectorLane left, VectorLane right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane operator -(VectorLane left, VectorLane right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane operator *(VectorLane left, VectorLane right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane GateSigmoid(VectorLane x) => new(FastMath.GateSigmoid(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane Tanh(VectorLane x) => new(FastMath.Tanh(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLane WherePositive(VectorLane test, VectorLane value) =>
        new(Vector.ConditionalSelect(Vector.GreaterThan(test._value, Vector<float>.Zero), value._value, Vector<float>.Zero));
}
