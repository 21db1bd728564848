using System.Numerics;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (src/RnnGen/Generated/ElmanCell.cs, called by the code
// generators/RnnGen.Generators/Emitting/ElmanEmitter.cs writes); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>
/// Elman RNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh), act = tanh or ReLU; with leaky units (α = Leak &gt; 0)
/// h' = α·h + (1 − α)·v, v = act(…), and v is recorded for the backward pass. With a skip connection of delay d the
/// sum also has W_skip·h(t−d) (and no W_hh·h(t−1) when it replaces the unit delay). A clockwork layer updates group g
/// only at steps t with t mod T_g = 0 (the others keep their state), each group reading the groups g' ≥ g of h.
/// </summary>
internal sealed class ElmanLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _da;
    private readonly T _leak;
    private readonly bool _leaky;
    private readonly int _skip;   // delay d of the skip connection, 0 without
    private readonly T[] _alpha;   // α per unit for this step: Leak, or σ(λ) when learned
    private readonly bool _unitDelay;   // W_hh·h(t−1) is part of the sum (not replaced by the skip connection)
    private readonly int[]? _periods;   // clockwork: the period of each group of _groupSize units, null without
    private readonly int _groupSize, _cycle;   // clockwork: units per group; the counter's modulus, lcm of the periods

    public ElmanLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: spec.Leak != 0f ? spec.Size : 0)
    {
        _da = new T[spec.Size];
        _alpha = new T[spec.Size];
        _leaky = spec.Leak != 0f;
        _leak = T.CreateChecked(spec.Leak);
        _skip = spec.SkipDelay;
        _unitDelay = !spec.ReplaceUnitDelay;
        if (spec.ClockPeriods is { } periods)
        {
            _periods = periods.ToArray();
            _groupSize = spec.Size / _periods.Length;
            _cycle = (int)spec.Description.ClockCycle;
        }
        if (!spec.LearnLeak) _alpha.AsSpan().Fill(_leak);
    }

    protected override void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> cache)
    {
        // previous = [h(t−1), …, h(t−d)] with a skip connection of delay d, else h(t−1)
        ReadOnlySpan<T> h = previous[..H];
        // a = W_ih·x + b_ih + W_hh·h(t−1) + b_hh (+ W_skip·h(t−d)) ;  v = act(a) ;  h' = v, or α·h + (1 − α)·v for leaky units
        Span<T> a = _leaky ? cache : next[..H];
        BiasIh(p).CopyTo(a);
        LinearAlgebra<T>.Add(BiasHh(p), a);
        LinearAlgebra<T>.MultiplyAdd(WeightIh(p), H, I, x, a);
        if (_periods is not null) ClockworkProduct(WeightHh(p), h, a);
        else if (_unitDelay) LinearAlgebra<T>.MultiplyAdd(WeightHh(p), H, H, h, a);
        if (_skip > 0) LinearAlgebra<T>.MultiplyAdd(WeightSkip(p), H, H, previous.Slice((_skip - 1) * H, H), a);
        if (_periods is not null)
        {
            // group g updates at t mod T_g = 0 and otherwise keeps h; the counter moves on: t + 1 mod the cycle
            int t = Counter(previous[H]);
            for (int j = 0; j < H; j++) next[j] = Updates(t, j) ? LinearAlgebra<T>.Activate(Spec.Activation, a[j]) : h[j];
            next[H] = T.CreateChecked((t + 1) % _cycle);
            return;
        }
        for (int j = 0; j < H; j++) a[j] = LinearAlgebra<T>.Activate(Spec.Activation, a[j]);
        if (_leaky)
        {
            ReadOnlySpan<T> alpha = Alpha(p);
            for (int j = 0; j < H; j++) next[j] = alpha[j] * h[j] + (T.One - alpha[j]) * a[j];
        }
        // the delay line moves on: next = [h(t), h(t−1), …, h(t−d+1)]
        if (_skip > 0) previous[..((_skip - 1) * H)].CopyTo(next[H..]);
    }

    /// <summary>The clockwork step counter t mod the cycle, read from its float in the state (any other value is
    /// taken modulo the cycle).</summary>
    private int Counter(T value)
    {
        int t = int.CreateSaturating(value) % _cycle;
        return t < 0 ? t + _cycle : t;
    }

    /// <summary>Whether unit <paramref name="j"/>'s group updates at step <paramref name="t"/>.</summary>
    private bool Updates(int t, int j) => t % _periods![j / _groupSize] == 0;

    /// <summary>a += W_hh·h over the clockwork blocks: row i of group g reads the columns of groups g' ≥ g only.</summary>
    private void ClockworkProduct(ReadOnlySpan<T> w, ReadOnlySpan<T> h, Span<T> a)
    {
        for (int i = 0; i < H; i++)
        {
            T sum = a[i];
            for (int j = i / _groupSize * _groupSize; j < H; j++) sum += w[i * H + j] * h[j];
            a[i] = sum;
        }
    }

    /// <summary>α per unit: the fixed Leak, or σ(λ) from the parameters when learned.</summary>
    private ReadOnlySpan<T> Alpha(ReadOnlySpan<T> p)
    {
        if (!Spec.LearnLeak) return _alpha;   // filled once in the constructor
        ReadOnlySpan<T> lambda = LeakLogits(p);
        for (int j = 0; j < H; j++) _alpha[j] = LinearAlgebra<T>.Sigmoid(lambda[j]);
        return _alpha;
    }

    protected override void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
        ReadOnlySpan<T> h = previous[..H];
        if (_periods is not null)
        {
            ClockworkBackward(p, g, x, previous, next, dState, dx);
            return;
        }
        // da = dh' ⊙ act'(v)  (v = h' for ordinary units; leaky units scale it by 1 − α)
        Span<T> da = _da;
        ReadOnlySpan<T> v = _leaky ? cache : next[..H];
        ReadOnlySpan<T> alpha = _leaky ? Alpha(p) : default;
        for (int j = 0; j < H; j++)
            da[j] = dState[j] * (_leaky ? T.One - alpha[j] : T.One) * LinearAlgebra<T>.Derivative(Spec.Activation, v[j]);
        if (Spec.LearnLeak)
        {
            // α = σ(λ): dλ = dh' ⊙ (h − v) ⊙ α(1 − α)
            Span<T> dLambda = LeakLogits(g);
            for (int j = 0; j < H; j++) dLambda[j] += dState[j] * (h[j] - v[j]) * alpha[j] * (T.One - alpha[j]);
        }
        // dW_ih += da·xᵀ, dW_hh += da·hᵀ, db_ih += da, db_hh += da, dx += W_ihᵀ·da, dh = W_hhᵀ·da
        LinearAlgebra<T>.OuterAdd(WeightIh(g), da, x);
        if (_unitDelay) LinearAlgebra<T>.OuterAdd(WeightHh(g), da, h);
        LinearAlgebra<T>.Add(da, BiasIh(g));
        LinearAlgebra<T>.Add(da, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), H, I, da, dx);
        // dh(t−1) = α·dh' (the leak's direct path) + W_hhᵀ·da
        if (_leaky)
            for (int j = 0; j < H; j++) dState[j] *= alpha[j];
        else
            dState[..H].Clear();
        if (_skip > 0)
        {
            // the delay line: d/dh(t−k) of next = [h(t), h(t−1), …, h(t−d+1)] is block k of dState; shift it one block,
            // then dh(t−d) = W_skipᵀ·da, and dW_skip += da·h(t−d)ᵀ
            ReadOnlySpan<T> hd = previous.Slice((_skip - 1) * H, H);
            LinearAlgebra<T>.Add(dState.Slice(H, H), dState[..H]);
            dState.Slice(2 * H).CopyTo(dState.Slice(H));
            dState.Slice((_skip - 1) * H, H).Clear();
            LinearAlgebra<T>.OuterAdd(WeightSkip(g), da, hd);
            LinearAlgebra<T>.TransposeMultiplyAdd(WeightSkip(p), H, H, da, dState.Slice((_skip - 1) * H, H));
        }
        if (_unitDelay) LinearAlgebra<T>.TransposeMultiplyAdd(WeightHh(p), H, H, da, dState[..H]);
    }

    /// <summary>One clockwork step back: an updating unit's da = dh' ⊙ act'(h'); a waiting unit passes dh' on to h(t−1)
    /// unchanged (da = 0); then dW_hh, dh(t−1) over the blocks the forward step read.</summary>
    private void ClockworkBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> next, Span<T> dState, Span<T> dx)
    {
        ReadOnlySpan<T> h = previous[..H];
        Span<T> da = _da;
        int t = Counter(previous[H]);
        for (int j = 0; j < H; j++)
        {
            if (Updates(t, j))
            {
                da[j] = dState[j] * LinearAlgebra<T>.Derivative(Spec.Activation, next[j]);
                dState[j] = T.Zero;
            }
            else
                da[j] = T.Zero;   // h'_j = h_j: dState[j] already is dL/dh_j's direct part
        }
        LinearAlgebra<T>.OuterAdd(WeightIh(g), da, x);
        LinearAlgebra<T>.Add(da, BiasIh(g));
        LinearAlgebra<T>.Add(da, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), H, I, da, dx);
        ReadOnlySpan<T> w = WeightHh(p);
        Span<T> dw = WeightHh(g);
        for (int i = 0; i < H; i++)
            for (int j = i / _groupSize * _groupSize; j < H; j++)
            {
                dw[i * H + j] += da[i] * h[j];
                dState[j] += w[i * H + j] * da[i];
            }
    }
}
