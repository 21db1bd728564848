// The equations here are the generated cells' element-wise parts, written once for every width (Lane512, VectorLane, ScalarLane).
// The reference runtime (src/RnnGen/Reference/LstmLayer.cs) keeps its own plain copy of the same equations on purpose:
// it is the independent twin the generated code is checked against. The two must agree; what holds them together:
// tests/RnnGen.Tests/Generated/GeneratedParityTests.cs and BatchedParityTests.cs (generated vs reference, 68 models),
// tests/RnnGen.Tests/Reference/GradientCheckTests.cs (BPTT vs finite differences) and PyTorchParityTests.cs (the
// golden PyTorch fixtures in tests/RnnGen.Tests/Fixtures).
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace RnnGen.Generated;

/// <summary>The element-wise part of an LSTM step, after the products (called by generated code).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmCell
{
    /// <summary>
    /// i, f = σ(z_i, z_f);  g = tanh(z_g);  o = σ(z_o);  c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c'), over <paramref name="n"/>
    /// units. <paramref name="z"/> [4n] holds the pre-activations and becomes [i, f, g, o]; tanh(c') goes to
    /// <paramref name="tanhC"/>. <paramref name="c"/> may be <paramref name="cNext"/> (a state stepped in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward(Span<float> z, ReadOnlySpan<float> c, Span<float> cNext, Span<float> hNext, Span<float> tanhC, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) Forward<Lane512>(z, c, cNext, hNext, tanhC, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) Forward<VectorLane>(z, c, cNext, hNext, tanhC, n, j);
        for (; j < n; j++) Forward<ScalarLane>(z, c, cNext, hNext, tanhC, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<T>(Span<float> z, ReadOnlySpan<float> c, Span<float> cNext, Span<float> hNext, Span<float> tanhC, int n, int j)
        where T : struct, ILane<T>
    {
        T i = T.GateSigmoid(T.Load(z, j)), f = T.GateSigmoid(T.Load(z, n + j)), g = T.Tanh(T.Load(z, 2 * n + j)), o = T.GateSigmoid(T.Load(z, 3 * n + j));
        T cn = f * T.Load(c, j) + i * g;
        T tc = T.Tanh(cn);
        i.Store(z, j); f.Store(z, n + j); g.Store(z, 2 * n + j); o.Store(z, 3 * n + j);
        cn.Store(cNext, j); tc.Store(tanhC, j); (o * tc).Store(hNext, j);
    }

    /// <summary>
    /// The step with diagonal peepholes <paramref name="peephole"/> [3n] = [p_i, p_o, p_f] (ONNX's order):
    /// i = σ(z_i + p_i ⊙ c);  f = σ(z_f + p_f ⊙ c);  g = tanh(z_g);  c' = f ⊙ c + i ⊙ g;  o = σ(z_o + p_o ⊙ c');  h' = o ⊙ tanh(c').
    /// Buffers as in <see cref="Forward(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PeepholeForward(Span<float> z, ReadOnlySpan<float> c, ReadOnlySpan<float> peephole, Span<float> cNext, Span<float> hNext, Span<float> tanhC, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) PeepholeForward<Lane512>(z, c, peephole, cNext, hNext, tanhC, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) PeepholeForward<VectorLane>(z, c, peephole, cNext, hNext, tanhC, n, j);
        for (; j < n; j++) PeepholeForward<ScalarLane>(z, c, peephole, cNext, hNext, tanhC, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PeepholeForward<T>(Span<float> z, ReadOnlySpan<float> c, ReadOnlySpan<float> peephole, Span<float> cNext, Span<float> hNext, Span<float> tanhC, int n, int j)
        where T : struct, ILane<T>
    {
        T cp = T.Load(c, j);
        T i = T.GateSigmoid(T.Load(z, j) + T.Load(peephole, j) * cp), f = T.GateSigmoid(T.Load(z, n + j) + T.Load(peephole, 2 * n + j) * cp);
        T g = T.Tanh(T.Load(z, 2 * n + j));
        T cn = f * cp + i * g;
        T o = T.GateSigmoid(T.Load(z, 3 * n + j) + T.Load(peephole, n + j) * cn);
        T tc = T.Tanh(cn);
        i.Store(z, j); f.Store(z, n + j); g.Store(z, 2 * n + j); o.Store(z, 3 * n + j);
        cn.Store(cNext, j); tc.Store(tanhC, j); (o * tc).Store(hNext, j);
    }

    /// <summary>
    /// One step back with diagonal peepholes over <paramref name="n"/> units: dz_o = dh' ⊙ tanh(c') ⊙ o(1 − o);
    /// dc = dc' + dh' ⊙ o ⊙ (1 − tanh²(c')) + dz_o ⊙ p_o;  dz_i, dz_f, dz_g as without;  dc_prev = dc ⊙ f + dz_i ⊙ p_i + dz_f ⊙ p_f.
    /// <paramref name="dz"/> [7n] gets the four gates' dz, then the peepholes' terms [dz_i ⊙ c, dz_o ⊙ c', dz_f ⊙ c] (rows i, o, f,
    /// summed over the steps by the caller). <paramref name="cache"/> and <paramref name="dState"/> as in <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PeepholeBackward(ReadOnlySpan<float> c, ReadOnlySpan<float> cNext, ReadOnlySpan<float> cache, ReadOnlySpan<float> peephole, Span<float> dState, Span<float> dz, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) PeepholeBackward<Lane512>(c, cNext, cache, peephole, dState, dz, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) PeepholeBackward<VectorLane>(c, cNext, cache, peephole, dState, dz, n, j);
        for (; j < n; j++) PeepholeBackward<ScalarLane>(c, cNext, cache, peephole, dState, dz, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PeepholeBackward<T>(ReadOnlySpan<float> c, ReadOnlySpan<float> cNext, ReadOnlySpan<float> cache, ReadOnlySpan<float> peephole, Span<float> dState, Span<float> dz, int n, int j)
        where T : struct, ILane<T>
    {
        T i = T.Load(cache, j), f = T.Load(cache, n + j), g = T.Load(cache, 2 * n + j), o = T.Load(cache, 3 * n + j), tc = T.Load(cache, 4 * n + j);
        T cp = T.Load(c, j);
        T dh = T.Load(dState, j);
        T dzo = dh * tc * o * (T.One - o);
        T dc = T.Load(dState, n + j) + dh * o * (T.One - tc * tc) + dzo * T.Load(peephole, n + j);
        T dzi = dc * g * i * (T.One - i), dzf = dc * cp * f * (T.One - f);
        dzi.Store(dz, j);
        dzf.Store(dz, n + j);
        (dc * i * (T.One - g * g)).Store(dz, 2 * n + j);
        dzo.Store(dz, 3 * n + j);
        (dzi * cp).Store(dz, 4 * n + j);
        (dzo * T.Load(cNext, j)).Store(dz, 5 * n + j);
        (dzf * cp).Store(dz, 6 * n + j);
        (dc * f + dzi * T.Load(peephole, j) + dzf * T.Load(peephole, 2 * n + j)).Store(dState, n + j);
    }

    /// <summary>
    /// One LSTM step back over <paramref name="n"/> units: dc = dc' + dh' ⊙ o ⊙ (1 − tanh²(c'));  dz_i = dc ⊙ g ⊙ i(1 − i);
    /// dz_f = dc ⊙ c ⊙ f(1 − f);  dz_g = dc ⊙ i ⊙ (1 − g²);  dz_o = dh' ⊙ tanh(c') ⊙ o(1 − o);  dc_prev = dc ⊙ f.
    /// <paramref name="cache"/> is [i, f, g, o, tanh(c')]; <paramref name="dState"/> holds [dh', dc'] on entry and
    /// [·, dc_prev] on return.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ReadOnlySpan<float> c, ReadOnlySpan<float> cache, Span<float> dState, Span<float> dz, int n) =>
        Backward(c, cache, dState.Slice(0, n), dState.Slice(n, n), dz, n);

    /// <summary>
    /// The same step back with dL/d(o ⊙ tanh(c')) in <paramref name="dh"/> apart from <paramref name="dc"/>, which holds dc' on
    /// entry and dc_prev on return: for a projected LSTM (h' = W_hr·m) <paramref name="dh"/> is dm = W_hrᵀ·dh'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Backward(ReadOnlySpan<float> c, ReadOnlySpan<float> cache, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dz, int n)
    {
        int j = 0;
        if (Lane512.IsAccelerated)
            for (; j <= n - Lane512.Count; j += Lane512.Count) Backward<Lane512>(c, cache, dh, dc, dz, n, j);
        for (; j <= n - VectorLane.Count; j += VectorLane.Count) Backward<VectorLane>(c, cache, dh, dc, dz, n, j);
        for (; j < n; j++) Backward<ScalarLane>(c, cache, dh, dc, dz, n, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<T>(ReadOnlySpan<float> c, ReadOnlySpan<float> cache, ReadOnlySpan<float> dhNext, Span<float> dcNext, Span<float> dz, int n, int j)
        where T : struct, ILane<T>
    {
        T i = T.Load(cache, j), f = T.Load(cache, n + j), g = T.Load(cache, 2 * n + j), o = T.Load(cache, 3 * n + j), tc = T.Load(cache, 4 * n + j);
        T dh = T.Load(dhNext, j);
        T dc = T.Load(dcNext, j) + dh * o * (T.One - tc * tc);
        (dc * g * i * (T.One - i)).Store(dz, j);
        (dc * T.Load(c, j) * f * (T.One - f)).Store(dz, n + j);
        (dc * i * (T.One - g * g)).Store(dz, 2 * n + j);
        (dh * tc * o * (T.One - o)).Store(dz, 3 * n + j);
        (dc * f).Store(dcNext, j);
    }
}
