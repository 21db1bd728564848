// The equations here are the generated cells' element-wise parts, written once for every width (Lane512, VectorLane, ScalarLane).
// The reference runtime (src/RnnGen/Reference/ElmanLayer.cs) keeps its own plain copy of the same equations on purpose:
// it is the independent twin the generated code is checked against. The two must agree; what holds them together:
// tests/RnnGen.Tests/Generated/GeneratedParityTests.cs and BatchedParityTests.cs (generated vs reference, 68 models),
// tests/RnnGen.Tests/Reference/GradientCheckTests.cs (BPTT vs finite differences) and PyTorchParityTests.cs (the
// golden PyTorch fixtures in tests/RnnGen.Tests/Fixtures).
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Generated;

/// <summary>
/// The element-wise parts of an Elman step (plain, leaky with a fixed α, leaky with α learned per unit, clockwork) that are not a
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
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) Backward<Lane512>(next, dState, dz, relu, j);
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
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) LeakyForward<Lane512>(previous, v, next, alpha, keep, j);
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
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) LeakyBackward<Lane512>(v, dState, dz, alpha, keep, relu, j);
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
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) LearnedLeakForward<Lane512>(previous, v, alpha, next, j);
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
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) LearnedLeakBackward<Lane512>(previous, v, alpha, dState, dz, relu, n, j);
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

    /// <summary>The clockwork step counter t mod <paramref name="cycle"/>, read from its float in the state (any other
    /// value is taken modulo the cycle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ClockCounter(float value, int cycle)
    {
        int t = int.CreateSaturating(value) % cycle;
        return t < 0 ? t + cycle : t;
    }

    /// <summary>
    /// A clockwork step after its products, over groups of <paramref name="groupSize"/> units, one per period: at step t
    /// (the counter after the units of <paramref name="previous"/>) group g's h' = act(a) when t mod T_g = 0, else h' = h;
    /// then the counter moves on to t + 1 mod <paramref name="cycle"/>. <paramref name="previous"/> may be <paramref name="next"/>.
    /// </summary>
    public static void ClockworkForward(ReadOnlySpan<float> previous, ReadOnlySpan<float> a, Span<float> next,
        ReadOnlySpan<int> periods, int groupSize, int cycle, bool relu)
    {
        int n = periods.Length * groupSize;
        int t = ClockCounter(previous[n], cycle);
        for (int g = 0, start = 0; g < periods.Length; g++, start += groupSize)
        {
            if (t % periods[g] != 0) previous.Slice(start, groupSize).CopyTo(next.Slice(start, groupSize));   // waits: keeps h
            else if (relu) Kernels.Activations.Relu(a.Slice(start, groupSize), next.Slice(start, groupSize));
            else Kernels.Activations.Tanh(a.Slice(start, groupSize), next.Slice(start, groupSize));
        }
        next[n] = t + 1 == cycle ? 0f : t + 1;
    }

    /// <summary>
    /// A clockwork step back, pointwise part: an updating group's dz = dh' ⊙ act'(h') and its dState is cleared (the
    /// caller adds W_hhᵀ·dz); a waiting group's dz = 0 and its dState passes to h(t−1) unchanged.
    /// </summary>
    public static void ClockworkBackward(ReadOnlySpan<float> previous, ReadOnlySpan<float> next, Span<float> dState, Span<float> dz,
        ReadOnlySpan<int> periods, int groupSize, int cycle, bool relu)
    {
        int n = periods.Length * groupSize;
        int t = ClockCounter(previous[n], cycle);
        for (int g = 0, start = 0; g < periods.Length; g++, start += groupSize)
        {
            if (t % periods[g] != 0)
            {
                dz.Slice(start, groupSize).Clear();
                continue;
            }
            Backward(next.Slice(start, groupSize), dState.Slice(start, groupSize), dz.Slice(start, groupSize), relu, groupSize);
            dState.Slice(start, groupSize).Clear();
        }
    }

    /// <summary>Sets to zero the entries of a clockwork W_hh [n × n] (or its gradient) that no unit reads: row i of group
    /// g (n / <paramref name="groups"/> units each) reads only the columns of the groups g' ≥ g.</summary>
    public static void ClockworkMask(Span<float> w, int n, int groups)
    {
        int size = n / groups;
        for (int i = 0; i < n; i++) w.Slice(i * n, i / size * size).Clear();
    }

    /// <summary>upstream ⊙ act'(a) given y = act(a): upstream ⊙ (1 − y²) for tanh, upstream where y &gt; 0 for ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Derivative<T>(bool relu, T y, T upstream) where T : struct, ILane<T> =>
        relu ? T.WherePositive(y, upstream) : upstream * (T.One - y * y);
}
