namespace RnnGen.Generated;

/// <summary>
/// The arithmetic the generated cells' element-wise code needs, on one float (<see cref="ScalarLane"/>) or on a
/// <see cref="System.Numerics.Vector{T}"/> of floats (<see cref="VectorLane"/>), so that each cell equation is written
/// once and runs on both: whole vectors first, then the scalar tail, with the same operations in the same order
/// (results bit-identical on either path; no multiply-add is fused that the formula does not say).
/// </summary>
internal interface ILane<TSelf> where TSelf : struct, ILane<TSelf>
{
    /// <summary>Floats per lane value.</summary>
    static abstract int Count { get; }

    static abstract TSelf One { get; }

    static abstract TSelf Broadcast(float value);

    static abstract TSelf Load(ReadOnlySpan<float> values, int index);

    /// <summary>The same load from a writable span: no Span → ReadOnlySpan conversion in the loop, which the JIT
    /// does not always inline in a large generated method.</summary>
    static abstract TSelf Load(Span<float> values, int index);

    void Store(Span<float> values, int index);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    /// <summary>σ for gates (<see cref="Kernels.FastMath.GateSigmoid(float)"/>).</summary>
    static abstract TSelf GateSigmoid(TSelf x);

    /// <summary>tanh (<see cref="Kernels.FastMath.Tanh(float)"/>).</summary>
    static abstract TSelf Tanh(TSelf x);

    /// <summary><paramref name="value"/> where <paramref name="test"/> &gt; 0, else 0 (ReLU's derivative times the upstream gradient).</summary>
    static abstract TSelf WherePositive(TSelf test, TSelf value);
}
