using System.Numerics;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (src/RnnGen/Generated/GruCell.cs, called by the code
// generators/RnnGen.Generators/Emitting/GruEmitter.cs writes); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>
/// GRU (PyTorch): r = σ(W_ir·x + b_ir + W_hr·h + b_hr); z = σ(W_iz·x + b_iz + W_hz·h + b_hz);
/// n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)); h' = (1 − z)⊙n + z⊙h.
/// With <see cref="LayerSpec.ResetAfter"/> false (ONNX's linear_before_reset = 0): n = tanh(W_in·x + b_in + W_hn·(r⊙h) + b_hn).
/// </summary>
internal sealed class GruLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _gi, _dgi, _dgh;
    private readonly T[] _resetH, _dResetH, _dInput;   // reset before the product: r ⊙ h, W_hnᵀ·dn, dL/d(h as W_hh reads it)
    private readonly bool _resetAfter;

    // cache per step: r, z, n, (W_hn·h + b_hn)  → 4H  (reset before: W_hn·(r ⊙ h) + b_hn in the last H)
    public GruLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: 4 * spec.Size)
    {
        _gi = new T[3 * spec.Size];
        _dgi = new T[3 * spec.Size];
        _dgh = new T[3 * spec.Size];
        _resetAfter = spec.ResetAfter;
        int before = _resetAfter ? 0 : spec.Size;
        _resetH = new T[before];
        _dResetH = new T[before];
        _dInput = new T[before];
    }

    protected override void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> h, Span<T> next, Span<T> cache)
    {
        if (!_resetAfter)
        {
            StepForwardResetBefore(p, x, h, next, cache);
            return;
        }
        Span<T> gi = _gi;                 // W_ih·x + b_ih  (r, z, n)
        Span<T> gh = cache[..(3 * H)];    // W_hh·h + b_hh  (r, z, n); the n block stays in the cache
        BiasIh(p).CopyTo(gi);
        LinearAlgebra<T>.MultiplyAdd(WeightIh(p), 3 * H, I, x, gi);
        BiasHh(p).CopyTo(gh);
        LinearAlgebra<T>.MultiplyAdd(WeightHh(p), 3 * H, H, RecurrentInput(h), gh);   // m ⊙ h(t−1) under recurrent dropout; z ⊙ h reads h itself
        for (int j = 0; j < H; j++)
        {
            T r = LinearAlgebra<T>.Sigmoid(gi[j] + gh[j]);
            T z = LinearAlgebra<T>.Sigmoid(gi[H + j] + gh[H + j]);
            T ghn = gh[2 * H + j];
            T n = T.Tanh(gi[2 * H + j] + r * ghn);
            next[j] = (T.One - z) * n + z * h[j];
            cache[j] = r; cache[H + j] = z; cache[2 * H + j] = n; cache[3 * H + j] = ghn;
        }
    }

    // r, z as above (W_hr·h, W_hz·h from the first 2H rows of W_hh); then n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn).
    private void StepForwardResetBefore(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> h, Span<T> next, Span<T> cache)
    {
        Span<T> gi = _gi, gh = cache[..(3 * H)], resetH = _resetH;
        ReadOnlySpan<T> whh = WeightHh(p);
        BiasIh(p).CopyTo(gi);
        LinearAlgebra<T>.MultiplyAdd(WeightIh(p), 3 * H, I, x, gi);
        BiasHh(p).CopyTo(gh);
        ReadOnlySpan<T> hIn = RecurrentInput(h);   // m ⊙ h(t−1) under recurrent dropout; z ⊙ h reads h itself
        LinearAlgebra<T>.MultiplyAdd(whh[..(2 * H * H)], 2 * H, H, hIn, gh[..(2 * H)]);
        for (int j = 0; j < H; j++)
        {
            T r = LinearAlgebra<T>.Sigmoid(gi[j] + gh[j]);
            cache[j] = r;
            resetH[j] = r * hIn[j];
        }
        LinearAlgebra<T>.MultiplyAdd(whh.Slice(2 * H * H, H * H), H, H, resetH, gh.Slice(2 * H, H));
        for (int j = 0; j < H; j++)
        {
            T z = LinearAlgebra<T>.Sigmoid(gi[H + j] + gh[H + j]);
            T ghn = gh[2 * H + j];
            T n = T.Tanh(gi[2 * H + j] + ghn);
            next[j] = (T.One - z) * n + z * h[j];
            cache[H + j] = z; cache[2 * H + j] = n; cache[3 * H + j] = ghn;
        }
    }

    protected override void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> h,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
        if (!_resetAfter)
        {
            StepBackwardResetBefore(p, g, x, h, cache, dState, dx);
            return;
        }
        Span<T> dgi = _dgi, dgh = _dgh;
        for (int j = 0; j < H; j++)
        {
            T r = cache[j], z = cache[H + j], n = cache[2 * H + j], ghn = cache[3 * H + j];
            T dh = dState[j];
            T dn = dh * (T.One - z) * (T.One - n * n);   // d(W_in·x + b_in + r⊙ghn)
            T dr = dn * ghn * r * (T.One - r);
            T dz = dh * (h[j] - n) * z * (T.One - z);
            dgi[j] = dr; dgi[H + j] = dz; dgi[2 * H + j] = dn;
            dgh[j] = dr; dgh[H + j] = dz; dgh[2 * H + j] = dn * r;
            dState[j] = dh * z;                           // direct path h → h'
        }
        LinearAlgebra<T>.OuterAdd(WeightIh(g), dgi, x);
        LinearAlgebra<T>.OuterAdd(WeightHh(g), dgh, RecurrentInput(h));
        LinearAlgebra<T>.Add(dgi, BiasIh(g));
        LinearAlgebra<T>.Add(dgh, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), 3 * H, I, dgi, dx);
        AddRecurrentGradient(WeightHh(p), 3 * H, dgh, dState);
    }

    // dn = dh' ⊙ (1 − z) ⊙ (1 − n²) (= d b_hn: b_hn is outside the reset); u = W_hnᵀ·dn; dr = u ⊙ h̃ ⊙ r(1 − r) with
    // h̃ = h as W_hh reads it (m ⊙ h under recurrent dropout); dh̃ = W_hrᵀ·dr + W_hzᵀ·dz + r ⊙ u; dW_hn += dn·(r ⊙ h̃)ᵀ.
    private void StepBackwardResetBefore(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> h,
        ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
        Span<T> dgi = _dgi, dgh = _dgh, resetH = _resetH, dResetH = _dResetH, dInput = _dInput;
        ReadOnlySpan<T> whh = WeightHh(p);
        Span<T> gWhh = WeightHh(g);
        for (int j = 0; j < H; j++)
        {
            T z = cache[H + j], n = cache[2 * H + j];
            T dh = dState[j];
            T dn = dh * (T.One - z) * (T.One - n * n);
            T dz = dh * (h[j] - n) * z * (T.One - z);
            dgi[H + j] = dz; dgi[2 * H + j] = dn;
            dgh[H + j] = dz; dgh[2 * H + j] = dn;
            dState[j] = dh * z;                           // direct path h → h'
        }
        ReadOnlySpan<T> hIn = RecurrentInput(h);
        dResetH.Clear();
        LinearAlgebra<T>.TransposeMultiplyAdd(whh.Slice(2 * H * H, H * H), H, H, dgh.Slice(2 * H, H), dResetH);   // u = W_hnᵀ·dn
        for (int j = 0; j < H; j++)
        {
            T r = cache[j];
            T dr = dResetH[j] * hIn[j] * r * (T.One - r);
            dgi[j] = dr; dgh[j] = dr;
            resetH[j] = r * hIn[j];
            dInput[j] = r * dResetH[j];
        }
        LinearAlgebra<T>.OuterAdd(WeightIh(g), dgi, x);
        LinearAlgebra<T>.OuterAdd(gWhh[..(2 * H * H)], dgh[..(2 * H)], hIn);
        LinearAlgebra<T>.OuterAdd(gWhh.Slice(2 * H * H, H * H), dgh.Slice(2 * H, H), resetH);
        LinearAlgebra<T>.Add(dgi, BiasIh(g));
        LinearAlgebra<T>.Add(dgh, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), 3 * H, I, dgi, dx);
        LinearAlgebra<T>.TransposeMultiplyAdd(whh[..(2 * H * H)], 2 * H, H, dgh[..(2 * H)], dInput);
        AddThroughRecurrentInput(dInput, dState);
    }
}
