// The equations here are the generated cells' element-wise parts, written once for every width (Lane512, VectorLane, ScalarLane).
// The reference runtime (src/RnnGen/Reference/GruLayer.cs) keeps its own plain copy of the same equations on purpose:
// it is the independent twin the generated code is checked against. The two must agree; what holds them together:
// tests/RnnGen.Tests/Generated/GeneratedParityTests.cs and BatchedParityTests.cs (generated vs reference, 68 models),
// tests/RnnGen.Tests/Reference/GradientCheckTests.cs (BPTT vs finite differences) and PyTorchParityTests.cs (the
// golden PyTorch fixtures in tests/RnnGen.Tests/Fixtures).
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Generated;

/// <summary>The element-wise part of a GRU step, after the products (called by generated code).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GruCell
{
    /// <summary>
    /// r, z = σ(gi + gh);  n = tanh(gi_n + r ⊙ gh_n);  h' = (1 − z) ⊙ n + z ⊙ h, over <paramref name="n"/> units.
    /// <paramref name="gi"/> [3n] = W_ih·x + b_ih becomes [r, z, n]; <paramref name="gh"/> [3n] = W_hh·h + b_hh stays.
    /// <paramref name="h"/> may be <paramref name="next"/> (a state stepped in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> next, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) Forward<Lane512>(h, gi, gh, next, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) Forward<VectorLane>(h, gi, gh, next, n, j);
        for (; j < n; j++) Forward<ScalarLane>(h, gi, gh, next, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<T>(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> next, int n, int j)
        where T : struct, ILane<T>
    {
        T r = T.GateSigmoid(T.Load(gi, j) + T.Load(gh, j)), z = T.GateSigmoid(T.Load(gi, n + j) + T.Load(gh, n + j));
        T candidate = T.Tanh(T.Load(gi, 2 * n + j) + r * T.Load(gh, 2 * n + j));
        r.Store(gi, j); z.Store(gi, n + j); candidate.Store(gi, 2 * n + j);
        ((T.One - z) * candidate + z * T.Load(h, j)).Store(next, j);
    }

    /// <summary>
    /// One GRU step back over <paramref name="n"/> units: dn = dh' ⊙ (1 − z) ⊙ (1 − n²);  dr = dn ⊙ gh_n ⊙ r(1 − r);
    /// dz = dh' ⊙ (h − n) ⊙ z(1 − z). <paramref name="cache"/> is [r, z, n | gh]; <paramref name="dgi"/> gets
    /// [dr, dz, dn], <paramref name="dgh"/> [dr, dz, dn ⊙ r]; <paramref name="dState"/> becomes the direct path dh' ⊙ z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dState, Span<float> dgi, Span<float> dgh, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) Backward<Lane512>(h, cache, dState, dgi, dgh, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) Backward<VectorLane>(h, cache, dState, dgi, dgh, n, j);
        for (; j < n; j++) Backward<ScalarLane>(h, cache, dState, dgi, dgh, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T>(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dState, Span<float> dgi, Span<float> dgh, int n, int j)
        where T : struct, ILane<T>
    {
        T r = T.Load(cache, j), z = T.Load(cache, n + j), candidate = T.Load(cache, 2 * n + j), ghn = T.Load(cache, 5 * n + j);
        T dh = T.Load(dState, j);
        T dn = dh * (T.One - z) * (T.One - candidate * candidate);
        T dr = dn * ghn * r * (T.One - r);
        T dzj = dh * (T.Load(h, j) - candidate) * z * (T.One - z);
        dr.Store(dgi, j); dzj.Store(dgi, n + j); dn.Store(dgi, 2 * n + j);
        dr.Store(dgh, j); dzj.Store(dgh, n + j); (dn * r).Store(dgh, 2 * n + j);
        (dh * z).Store(dState, j);
    }

    /// <summary>
    /// The reset gate of a GRU whose reset comes before the recurrent product, over <paramref name="n"/> units:
    /// r = σ(gi_r + gh_r), stored over gi_r; <paramref name="resetH"/> ← r ⊙ h̃, what W_hn then reads. <paramref name="h"/> is h
    /// as the recurrent product reads it (m ⊙ h under recurrent dropout); <paramref name="gi"/> [3n] = W_ih·x + b_ih and
    /// <paramref name="gh"/> [≥ 2n] = [W_hr·h̃ + b_hr, W_hz·h̃ + b_hz, …].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ResetBeforeGate(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> resetH, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) ResetBeforeGate<Lane512>(h, gi, gh, resetH, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) ResetBeforeGate<VectorLane>(h, gi, gh, resetH, j);
        for (; j < n; j++) ResetBeforeGate<ScalarLane>(h, gi, gh, resetH, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeGate<T>(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> resetH, int j)
        where T : struct, ILane<T>
    {
        T r = T.GateSigmoid(T.Load(gi, j) + T.Load(gh, j));
        r.Store(gi, j);
        (r * T.Load(h, j)).Store(resetH, j);
    }

    /// <summary>
    /// The rest of the reset-before step, once <see cref="ResetBeforeGate"/> has put r in gi_r and gh_n = W_hn·(r ⊙ h̃) + b_hn
    /// is formed: z = σ(gi_z + gh_z);  n = tanh(gi_n + gh_n);  h' = (1 − z) ⊙ n + z ⊙ h. <paramref name="gi"/> becomes
    /// [r, z, n]; <paramref name="h"/> is the state itself and may be <paramref name="next"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ResetBeforeForward(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> next, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) ResetBeforeForward<Lane512>(h, gi, gh, next, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) ResetBeforeForward<VectorLane>(h, gi, gh, next, n, j);
        for (; j < n; j++) ResetBeforeForward<ScalarLane>(h, gi, gh, next, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeForward<T>(ReadOnlySpan<float> h, Span<float> gi, ReadOnlySpan<float> gh, Span<float> next, int n, int j)
        where T : struct, ILane<T>
    {
        T z = T.GateSigmoid(T.Load(gi, n + j) + T.Load(gh, n + j));
        T candidate = T.Tanh(T.Load(gi, 2 * n + j) + T.Load(gh, 2 * n + j));
        z.Store(gi, n + j); candidate.Store(gi, 2 * n + j);
        ((T.One - z) * candidate + z * T.Load(h, j)).Store(next, j);
    }

    /// <summary>
    /// The reset-before step back, first part, over <paramref name="n"/> units: dn = dh' ⊙ (1 − z) ⊙ (1 − n²);
    /// dz = dh' ⊙ (h − n) ⊙ z(1 − z). <paramref name="cache"/> is [r, z, n, …]; <paramref name="dgi"/> and <paramref name="dgh"/>
    /// get [·, dz, dn] (b_hn is outside the reset, so its dz is dn itself), dgi_r is cleared for u = W_hnᵀ·dn (the caller's
    /// product; <see cref="ResetBeforeBackwardGate"/> then turns it into dr); <paramref name="dState"/> becomes dh' ⊙ z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ResetBeforeBackward(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dState, Span<float> dgi, Span<float> dgh, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) ResetBeforeBackward<Lane512>(h, cache, dState, dgi, dgh, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) ResetBeforeBackward<VectorLane>(h, cache, dState, dgi, dgh, n, j);
        for (; j < n; j++) ResetBeforeBackward<ScalarLane>(h, cache, dState, dgi, dgh, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeBackward<T>(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dState, Span<float> dgi, Span<float> dgh, int n, int j)
        where T : struct, ILane<T>
    {
        T z = T.Load(cache, n + j), candidate = T.Load(cache, 2 * n + j);
        T dh = T.Load(dState, j);
        T dn = dh * (T.One - z) * (T.One - candidate * candidate);
        T dzj = dh * (T.Load(h, j) - candidate) * z * (T.One - z);
        T.Broadcast(0f).Store(dgi, j); dzj.Store(dgi, n + j); dn.Store(dgi, 2 * n + j);
        dzj.Store(dgh, n + j); dn.Store(dgh, 2 * n + j);
        (dh * z).Store(dState, j);
    }

    /// <summary>
    /// The reset-before step back, second part: with u = W_hnᵀ·dn in <paramref name="dgi"/>'s r block, dr = u ⊙ h̃ ⊙ r(1 − r)
    /// goes to dgi_r and dgh_r, and <paramref name="dh"/> += r ⊙ u (the gradient of h̃, h as the recurrent product reads it,
    /// through r ⊙ h̃; the caller adds W_hrᵀ·dr + W_hzᵀ·dz and, under recurrent dropout, the mask).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ResetBeforeBackwardGate(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dgi, Span<float> dgh, Span<float> dh, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) ResetBeforeBackwardGate<Lane512>(h, cache, dgi, dgh, dh, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) ResetBeforeBackwardGate<VectorLane>(h, cache, dgi, dgh, dh, j);
        for (; j < n; j++) ResetBeforeBackwardGate<ScalarLane>(h, cache, dgi, dgh, dh, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ResetBeforeBackwardGate<T>(ReadOnlySpan<float> h, ReadOnlySpan<float> cache, Span<float> dgi, Span<float> dgh, Span<float> dh, int j)
        where T : struct, ILane<T>
    {
        T r = T.Load(cache, j), u = T.Load(dgi, j);
        T dr = u * T.Load(h, j) * r * (T.One - r);
        dr.Store(dgi, j); dr.Store(dgh, j);
        (T.Load(dh, j) + r * u).Store(dh, j);
    }
}
