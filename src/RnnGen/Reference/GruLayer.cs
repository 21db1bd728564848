using System.Numerics;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (src/RnnGen/Generated/GruCell.cs, called by the code
// generators/RnnGen.Generators/Emitting/GruEmitter.cs writes); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>
/// GRU (PyTorch): r = σ(W_ir·x + b_ir + W_hr·h + b_hr); z = σ(W_iz·x + b_iz + W_hz·h + b_hz);
/// n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)); h' = (1 − z)⊙n + z⊙h.
/// </summary>
internal sealed class GruLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _gi, _dgi, _dgh;

    // cache per step: r, z, n, (W_hn·h + b_hn)  → 4H
    public GruLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: 4 * spec.Size)
    {
        _gi = new T[3 * spec.Size];
        _dgi = new T[3 * spec.Size];
        _dgh = new T[3 * spec.Size];
    }

    protected override void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> h, Span<T> next, Span<T> cache)
    {
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

    protected override void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> h,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
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
}
