// The equations here are the generated cells' element-wise parts, written once for both widths (VectorLane, ScalarLane).
// The reference runtime (src/RnnGen/Reference/ElmanLayer.cs) keeps its own plain copy of the same equations on purpose:
// it is the independent twin the generated code is checked against. The two must agree; what holds them together:
// tests/RnnGen.Tests/Generated/GeneratedParityTests.cs and BatchedParityTests.cs (generated vs reference, 68 models),
// tests/RnnGen.Tests/Reference/GradientCheckTests.cs (BPTT vs finite differences) and PyTorchParityTests.cs (the
// golden PyTorch fixtures in tests/RnnGen.Tests/Fixtures).
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Generated;

/// <summary>
/// The element-wise parts of an Elman step (plain, leaky with a fixed α, leaky with α learned per unit) that are not a
/// plain activation over a span (called by generated code). <c>relu</c> picks ReLU over tanh; generated code passes a
/// constant, so the branch folds away.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ElmanCell
{
    /// <summary>dz = dh' ⊙ act'(a) from h' = act(a) over <paramref name="n"/> units: dh' ⊙ (1 − h'²), or dh' ⊙ [h' &gt; 0].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ReadOnlySpan<float> next, ReadOnlySpan<float> dState, Span<float> dz, bool relu, int n)
    {
        int j = 0;
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) Backward<VectorLane>(next, dState, dz, relu, j);
        for (; j < n; j++) Backward<ScalarLane>(next, dState, dz, relu, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T>(ReadOnlySpan<float> next, ReadOnlySpan<float> dState, Span<float> dz, bool relu, int j)
        where T : struct, ILane<T> =>
        Derivative(relu, T.Load(next, j), T.Load(dState, j)).Store(dz, j);

    /// <summary>h' = α·h + (1 − α)·v over <paramref name="n"/> units, v = act(a). <paramref name="previous"/> may be <paramref name="next"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyForward(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, Span<float> next, float alpha, int n)
    {
        float keep = 1f - alpha;
        int j = 0;
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) LeakyForward<VectorLane>(previous, v, next, alpha, keep, j);
        for (; j < n; j++) LeakyForward<ScalarLane>(previous, v, next, alpha, keep, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LeakyForward<T>(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, Span<float> next, float alpha, float keep, int j)
        where T : struct, ILane<T> =>
        (T.Broadcast(alpha) * T.Load(previous, j) + T.Broadcast(keep) * T.Load(v, j)).Store(next, j);

    /// <summary>One leaky step back over <paramref name="n"/> units: dz = dh' ⊙ (1 − α) ⊙ act'(v);  dh = α·dh' (the leak's direct path, into <paramref name="dState"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyBackward(ReadOnlySpan<float> v, Span<float> dState, Span<float> dz, float alpha, bool relu, int n)
    {
        float keep = 1f - alpha;
        int j = 0;
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) LeakyBackward<VectorLane>(v, dState, dz, alpha, keep, relu, j);
        for (; j < n; j++) LeakyBackward<ScalarLane>(v, dState, dz, alpha, keep, relu, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LeakyBackward<T>(ReadOnlySpan<float> v, Span<float> dState, Span<float> dz, float alpha, float keep, bool relu, int j)
        where T : struct, ILane<T>
    {
        T dh = T.Load(dState, j);
        Derivative(relu, T.Load(v, j), dh * T.Broadcast(keep)).Store(dz, j);
        (dh * T.Broadcast(alpha)).Store(dState, j);
    }

    /// <summary>h' = α ⊙ h + (1 − α) ⊙ v over <paramref name="n"/> units, α = σ(λ) per unit. <paramref name="previous"/> may be <paramref name="next"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LearnedLeakForward(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, ReadOnlySpan<float> alpha, Span<float> next, int n)
    {
        int j = 0;
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) LearnedLeakForward<VectorLane>(previous, v, alpha, next, j);
        for (; j < n; j++) LearnedLeakForward<ScalarLane>(previous, v, alpha, next, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LearnedLeakForward<T>(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, ReadOnlySpan<float> alpha, Span<float> next, int j)
        where T : struct, ILane<T>
    {
        T a = T.Load(alpha, j);
        (a * T.Load(previous, j) + (T.One - a) * T.Load(v, j)).Store(next, j);
    }

    /// <summary>
    /// One step back with α = σ(λ) learned, over <paramref name="n"/> units: dz [2n] = [dh' ⊙ (1 − α) ⊙ act'(v) |
    /// dλ = dh' ⊙ (h − v) ⊙ α(1 − α)];  dh = α ⊙ dh' (into <paramref name="dState"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LearnedLeakBackward(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, ReadOnlySpan<float> alpha, Span<float> dState, Span<float> dz, bool relu, int n)
    {
        int j = 0;
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) LearnedLeakBackward<VectorLane>(previous, v, alpha, dState, dz, relu, n, j);
        for (; j < n; j++) LearnedLeakBackward<ScalarLane>(previous, v, alpha, dState, dz, relu, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LearnedLeakBackward<T>(ReadOnlySpan<float> previous, ReadOnlySpan<float> v, ReadOnlySpan<float> alpha, Span<float> dState, Span<float> dz, bool relu, int n, int j)
        where T : struct, ILane<T>
    {
        T dh = T.Load(dState, j), value = T.Load(v, j), a = T.Load(alpha, j);
        Derivative(relu, value, dh * (T.One - a)).Store(dz, j);
        (dh * (T.Load(previous, j) - value) * a * (T.One - a)).Store(dz, n + j);
        (dh * a).Store(dState, j);
    }

    /// <summary>upstream ⊙ act'(a) given y = act(a): upstream ⊙ (1 − y²) for tanh, upstream where y &gt; 0 for ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Derivative<T>(bool relu, T y, T upstream) where T : struct, ILane<T> =>
        relu ? T.WherePositive(y, upstream) : upstream * (T.One - y * y);
}
