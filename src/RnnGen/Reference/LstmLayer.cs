using System.Numerics;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (src/RnnGen/Generated/LstmCell.cs, called by the code
// generators/RnnGen.Generators/Emitting/LstmEmitter.cs writes); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>
/// LSTM (PyTorch): z = W_ih·x + b_ih + W_hh·h + b_hh (4H rows, gates i,f,g,o);
/// i,f,o = σ(·), g = tanh(·); c' = f⊙c + i⊙g; h' = o⊙tanh(c'). State per direction: [h, c].
/// With peepholes (Gers &amp; Schmidhuber, ONNX's P = [p_i; p_o; p_f]): z_i += p_i⊙c, z_f += p_f⊙c before their σ,
/// and z_o += p_o⊙c' once c' is known.
/// With a projection (PyTorch's proj_size = R &lt; H): h' = W_hr·(o⊙tanh(c')), W_hr [R × H]; h (the state and the output)
/// is R wide and W_hh is [4H × R]; c stays H wide. State per direction: [h (R), c (H)].
/// </summary>
internal sealed class LstmLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _dz;
    private readonly T[] _dm;   // projected: dL/dm for m = o⊙tanh(c'), W_hrᵀ·dh'
    private readonly bool _peepholes, _projected;

    // cache per step: i, f, g, o (activated), tanh(c')  → 5H (c and c' are in the recorded states); projected, also
    // m = o⊙tanh(c') → 6H
    public LstmLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: (spec.ProjectionSize > 0 ? 6 : 5) * spec.Size)
    {
        _dz = new T[4 * spec.Size];
        _dm = new T[spec.Size];
        _peepholes = spec.Peepholes;
        _projected = spec.ProjectionSize > 0;
    }

    protected override void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> cache)
    {
        ReadOnlySpan<T> h = previous[..R], c = previous.Slice(R, H);
        Span<T> z = cache[..(4 * H)];
        BiasIh(p).CopyTo(z);
        LinearAlgebra<T>.Add(BiasHh(p), z);
        LinearAlgebra<T>.MultiplyAdd(WeightIh(p), 4 * H, I, x, z);
        LinearAlgebra<T>.MultiplyAdd(WeightHh(p), 4 * H, R, RecurrentInput(h), z);   // m ⊙ h(t−1) under recurrent dropout (never with a projection)
        ReadOnlySpan<T> peephole = _peepholes ? Peephole(p) : default;
        for (int j = 0; j < H; j++)
        {
            T zi = z[j], zf = z[H + j], zo = z[3 * H + j];
            if (_peepholes)
            {
                zi += peephole[j] * c[j];          // p_i ⊙ c(t−1)
                zf += peephole[2 * H + j] * c[j];  // p_f ⊙ c(t−1)
            }
            T i = LinearAlgebra<T>.Sigmoid(zi);
            T f = LinearAlgebra<T>.Sigmoid(zf);
            T gg = T.Tanh(z[2 * H + j]);
            T cNext = f * c[j] + i * gg;
            if (_peepholes) zo += peephole[H + j] * cNext;   // p_o ⊙ c(t)
            T o = LinearAlgebra<T>.Sigmoid(zo);
            T tc = T.Tanh(cNext);
            cache[j] = i; cache[H + j] = f; cache[2 * H + j] = gg; cache[3 * H + j] = o; cache[4 * H + j] = tc;
            if (_projected) cache[5 * H + j] = o * tc;   // m, projected below
            else next[j] = o * tc;
            next[R + j] = cNext;
        }
        if (_projected)
        {
            Span<T> hNext = next[..R];
            hNext.Clear();
            LinearAlgebra<T>.MultiplyAdd(Projection(p), R, H, cache.Slice(5 * H, H), hNext);   // h' = W_hr·m
        }
    }

    protected override void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
        ReadOnlySpan<T> h = previous[..R], c = previous.Slice(R, H), cNext = next.Slice(R, H);
        ReadOnlySpan<T> peephole = _peepholes ? Peephole(p) : default;
        Span<T> dPeephole = _peepholes ? Peephole(g) : default;
        Span<T> dz = _dz;
        // dm: the gradient of m = o⊙tanh(c'), which is h' itself without a projection
        ReadOnlySpan<T> dm = dState[..H];
        if (_projected)
        {
            ReadOnlySpan<T> dhNext = dState[..R];
            LinearAlgebra<T>.OuterAdd(Projection(g), dhNext, cache.Slice(5 * H, H));   // dW_hr += dh'·mᵀ
            _dm.AsSpan().Clear();
            LinearAlgebra<T>.TransposeMultiplyAdd(Projection(p), R, H, dhNext, _dm);   // dm = W_hrᵀ·dh'
            dm = _dm;
        }
        for (int j = 0; j < H; j++)
        {
            T i = cache[j], f = cache[H + j], gg = cache[2 * H + j], o = cache[3 * H + j], tc = cache[4 * H + j];
            T dh = dm[j];
            T dzo = dh * tc * o * (T.One - o);
            // dc = dc' + dh'⊙o⊙(1 − tanh²(c')) (+ dz_o⊙p_o: c' feeds the output gate through its peephole)
            T dc = dState[R + j] + dh * o * (T.One - tc * tc);
            if (_peepholes) dc += dzo * peephole[H + j];
            T dzi = dc * gg * i * (T.One - i);
            T dzf = dc * c[j] * f * (T.One - f);
            dz[j] = dzi;                                     // i
            dz[H + j] = dzf;                                 // f
            dz[2 * H + j] = dc * i * (T.One - gg * gg);      // g
            dz[3 * H + j] = dzo;                             // o
            T dcPrevious = dc * f;                           // dc for the previous step
            if (_peepholes)
            {
                dcPrevious += dzi * peephole[j] + dzf * peephole[2 * H + j];
                dPeephole[j] += dzi * c[j];                  // dp_i
                dPeephole[H + j] += dzo * cNext[j];          // dp_o
                dPeephole[2 * H + j] += dzf * c[j];          // dp_f
            }
            dState[R + j] = dcPrevious;
        }
        LinearAlgebra<T>.OuterAdd(WeightIh(g), dz, x);
        LinearAlgebra<T>.OuterAdd(WeightHh(g), dz, RecurrentInput(h));
        LinearAlgebra<T>.Add(dz, BiasIh(g));
        LinearAlgebra<T>.Add(dz, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), 4 * H, I, dz, dx);
        Span<T> dhPrevious = dState[..R];
        dhPrevious.Clear();
        AddRecurrentGradient(WeightHh(p), 4 * H, dz, dhPrevious);
    }
}
