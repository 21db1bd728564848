using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// One layer of the reference runtime. It processes a whole sequence at once (layer-major), keeps what BPTT
/// needs for up to MaxSteps steps, and owns its output buffer.
/// </summary>
internal abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected Layer(LayerSpec spec, int inputWidth, int parameterOffset, int parameterCount, int stateOffset, int maxSteps)
    {
        Spec = spec;
        InputWidth = inputWidth;
        OutputWidth = spec.OutputWidth;
        ParameterOffset = parameterOffset;
        ParameterCount = parameterCount;
        StateOffset = stateOffset;
        MaxSteps = maxSteps;
        Output = new T[maxSteps * OutputWidth];
    }

    public LayerSpec Spec { get; }
    public int InputWidth { get; }
    public int OutputWidth { get; }
    public int ParameterOffset { get; }
    public int ParameterCount { get; }
    public int StateOffset { get; }
    public int MaxSteps { get; }

    /// <summary>[MaxSteps × OutputWidth]: this layer's output at each step of the last forward pass.</summary>
    public T[] Output { get; }

    /// <summary>Runs <paramref name="steps"/> steps. <paramref name="state"/> holds this layer's initial state on
    /// entry and its final state on return. <paramref name="parameters"/> is this layer's slice.</summary>
    public abstract void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> parameters, Span<T> state);

    /// <summary>Back-propagates <paramref name="outputGradient"/> [steps × OutputWidth] through the last forward
    /// pass: accumulates into <paramref name="gradients"/> (this layer's slice), overwrites
    /// <paramref name="inputGradient"/> [steps × InputWidth] and <paramref name="stateGradient"/> (dLoss/d initial state).</summary>
    public abstract void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> parameters,
        Span<T> gradients, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> stateGradient);
}

/// <summary>nn.Embedding: out[t] = W[token[t]].</summary>
internal sealed class EmbeddingLayer<T>(LayerSpec spec, int parameterOffset, int maxSteps)
    : Layer<T>(spec, 0, parameterOffset, spec.Vocabulary * spec.Size, 0, maxSteps)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p, Span<T> state)
    {
        int width = Spec.Size;
        for (int t = 0; t < steps; t++)
            p.Slice(tokens[t] * width, width).CopyTo(Output.AsSpan(t * width, width));
    }

    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p,
        Span<T> g, ReadOnlySpan<T> dOut, Span<T> dIn, Span<T> dState)
    {
        // dW[token[t]] += dOut[t]   (token ids have no gradient)
        int width = Spec.Size;
        for (int t = 0; t < steps; t++)
            LinearAlgebra<T>.Add(dOut.Slice(t * width, width), g.Slice(tokens[t] * width, width));
    }
}

/// <summary>nn.Linear followed by an activation, applied at every step: y = act(W·x + b).</summary>
internal sealed class DenseLayer<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _preActivation;
    private readonly T[] _dz;

    public DenseLayer(LayerSpec spec, int inputWidth, int parameterOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, spec.Size * inputWidth + spec.Size, 0, maxSteps)
    {
        _preActivation = new T[maxSteps * spec.Size];
        _dz = new T[spec.Size];
    }

    /// <summary>[MaxSteps × Units]: z = W·x + b before the activation (the logits, for the losses).</summary>
    public ReadOnlySpan<T> PreActivation => _preActivation;

    /// <summary>Set when the loss hands back dLoss/dz directly (cross-entropy and BCE from logits).</summary>
    public bool GradientIsPreActivation { get; set; }

    public override void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p, Span<T> state)
    {
        int units = Spec.Size, inWidth = InputWidth;
        ReadOnlySpan<T> w = p[..(units * inWidth)];
        ReadOnlySpan<T> b = p.Slice(units * inWidth, units);
        for (int t = 0; t < steps; t++)
        {
            // z = W·x + b
            Span<T> z = _preActivation.AsSpan(t * units, units);
            b.CopyTo(z);
            LinearAlgebra<T>.MultiplyAdd(w, units, inWidth, input.Slice(t * inWidth, inWidth), z);
            // y = act(z)
            Span<T> y = Output.AsSpan(t * units, units);
            if (Spec.Activation == Activation.Softmax)
                LinearAlgebra<T>.Softmax(z, y);
            else
                for (int u = 0; u < units; u++) y[u] = LinearAlgebra<T>.Activate(Spec.Activation, z[u]);
        }
    }

    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p,
        Span<T> g, ReadOnlySpan<T> dOut, Span<T> dIn, Span<T> dState)
    {
        int units = Spec.Size, inWidth = InputWidth;
        ReadOnlySpan<T> w = p[..(units * inWidth)];
        Span<T> dw = g[..(units * inWidth)];
        Span<T> db = g.Slice(units * inWidth, units);
        Span<T> dz = _dz;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<T> dy = dOut.Slice(t * units, units);
            ReadOnlySpan<T> y = Output.AsSpan(t * units, units);
            if (GradientIsPreActivation)
                dy.CopyTo(dz);
            else if (Spec.Activation == Activation.Softmax)
            {
                // dz = y ⊙ (dy − (dy·y))
                T dot = T.Zero;
                for (int u = 0; u < units; u++) dot += dy[u] * y[u];
                for (int u = 0; u < units; u++) dz[u] = y[u] * (dy[u] - dot);
            }
            else
                for (int u = 0; u < units; u++) dz[u] = dy[u] * LinearAlgebra<T>.Derivative(Spec.Activation, y[u]);

            // dW += dz·xᵀ, db += dz, dx = Wᵀ·dz
            ReadOnlySpan<T> x = input.Slice(t * inWidth, inWidth);
            LinearAlgebra<T>.OuterAdd(dw, dz, x);
            LinearAlgebra<T>.Add(dz, db);
            Span<T> dx = dIn.Slice(t * inWidth, inWidth);
            dx.Clear();
            LinearAlgebra<T>.TransposeMultiplyAdd(w, units, inWidth, dz, dx);
        }
    }
}

/// <summary>
/// A recurrent layer (Elman, LSTM or GRU), one or two directions. Direction 0 runs t = 0…T−1, direction 1
/// (reverse) runs t = T−1…0; the output at step t is h_fwd(t) ‖ h_rev(t), like PyTorch.
/// Per-direction parameters: W_ih [G·H × I], W_hh [G·H × H], b_ih [G·H], b_hh [G·H].
/// </summary>
internal abstract class RecurrentLayer<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly int H, G, I;
    private readonly int _stateWidth, _cacheWidth, _directionParameters;
    private readonly T[][] _states; // [direction][(k) × stateWidth], k = 0 … steps (k = 0 is the initial state)
    private readonly T[][] _caches; // [direction][k × cacheWidth]
    private readonly T[] _dState;

    protected RecurrentLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps, int cacheWidth)
        : base(spec, inputWidth, parameterOffset,
            checked(spec.Directions * (int)spec.ParametersPerDirection(inputWidth)), stateOffset, maxSteps)
    {
        H = spec.Size;
        G = spec.GateCount;
        I = inputWidth;
        _stateWidth = spec.StateWidthPerDirection;
        _cacheWidth = cacheWidth;
        _directionParameters = (int)spec.ParametersPerDirection(inputWidth);
        _states = new T[spec.Directions][];
        _caches = new T[spec.Directions][];
        for (int d = 0; d < spec.Directions; d++)
        {
            _states[d] = new T[(maxSteps + 1) * _stateWidth];
            _caches[d] = new T[Math.Max(1, maxSteps * cacheWidth)];
        }
        _dState = new T[_stateWidth];
    }

    protected ReadOnlySpan<T> WeightIh(ReadOnlySpan<T> p) => p[..(G * H * I)];
    protected ReadOnlySpan<T> WeightHh(ReadOnlySpan<T> p) => p.Slice(G * H * I, G * H * H);
    protected ReadOnlySpan<T> BiasIh(ReadOnlySpan<T> p) => p.Slice(G * H * (I + H), G * H);
    protected ReadOnlySpan<T> BiasHh(ReadOnlySpan<T> p) => p.Slice(G * H * (I + H + 1), G * H);
    protected Span<T> WeightIh(Span<T> g) => g[..(G * H * I)];
    protected Span<T> WeightHh(Span<T> g) => g.Slice(G * H * I, G * H * H);
    protected Span<T> BiasIh(Span<T> g) => g.Slice(G * H * (I + H), G * H);
    protected Span<T> BiasHh(Span<T> g) => g.Slice(G * H * (I + H + 1), G * H);
    protected ReadOnlySpan<T> WeightSkip(ReadOnlySpan<T> p) => p.Slice(G * H * (I + H + 2), H * H);
    protected Span<T> WeightSkip(Span<T> g) => g.Slice(G * H * (I + H + 2), H * H);
    private int LeakOffset => G * H * (I + H + 2) + (Spec.SkipDelay > 0 ? H * H : 0);
    protected ReadOnlySpan<T> LeakLogits(ReadOnlySpan<T> p) => p.Slice(LeakOffset, H);
    protected Span<T> LeakLogits(Span<T> g) => g.Slice(LeakOffset, H);

    /// <summary>One step: from <paramref name="previous"/> state and input <paramref name="x"/>, writes
    /// <paramref name="next"/> state (h first) and whatever backward needs into <paramref name="cache"/>.</summary>
    protected abstract void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> cache);

    /// <summary>One step back. <paramref name="dState"/> holds dLoss/d next state on entry (h part already
    /// includes the output gradient) and dLoss/d previous state on return; <paramref name="dx"/> is accumulated.</summary>
    protected abstract void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx);

    public override void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p, Span<T> state)
    {
        for (int d = 0; d < Spec.Directions; d++)
        {
            ReadOnlySpan<T> pd = p.Slice(d * _directionParameters, _directionParameters);
            Span<T> states = _states[d];
            Span<T> directionState = state.Slice(d * _stateWidth, _stateWidth);
            directionState.CopyTo(states[.._stateWidth]);
            for (int k = 0; k < steps; k++)
            {
                int t = d == 0 ? k : steps - 1 - k;
                Span<T> next = states.Slice((k + 1) * _stateWidth, _stateWidth);
                StepForward(pd, input.Slice(t * I, I), states.Slice(k * _stateWidth, _stateWidth), next,
                    _caches[d].AsSpan(k * _cacheWidth, _cacheWidth));
                next[..H].CopyTo(Output.AsSpan(t * OutputWidth + d * H, H));
            }
            states.Slice(steps * _stateWidth, _stateWidth).CopyTo(directionState);
        }
    }

    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p,
        Span<T> g, ReadOnlySpan<T> dOut, Span<T> dIn, Span<T> dStateOut)
    {
        dIn[..(steps * I)].Clear();
        for (int d = 0; d < Spec.Directions; d++)
        {
            ReadOnlySpan<T> pd = p.Slice(d * _directionParameters, _directionParameters);
            Span<T> gd = g.Slice(d * _directionParameters, _directionParameters);
            ReadOnlySpan<T> states = _states[d];
            Span<T> dState = _dState;
            dState.Clear();
            for (int k = steps - 1; k >= 0; k--)
            {
                int t = d == 0 ? k : steps - 1 - k;
                // dh(t) = dOut(t) + dh from step t+1 (in this direction's order)
                LinearAlgebra<T>.Add(dOut.Slice(t * OutputWidth + d * H, H), dState[..H]);
                StepBackward(pd, gd, input.Slice(t * I, I), states.Slice(k * _stateWidth, _stateWidth),
                    states.Slice((k + 1) * _stateWidth, _stateWidth), _caches[d].AsSpan(k * _cacheWidth, _cacheWidth),
                    dState, dIn.Slice(t * I, I));
            }
            dState.CopyTo(dStateOut.Slice(d * _stateWidth, _stateWidth));
        }
    }
}

/// <summary>
/// Elman RNN: h' = act(W_ih·x + b_ih + W_hh·h + b_hh), act = tanh or ReLU; with leaky units (α = Leak &gt; 0)
/// h' = α·h + (1 − α)·v, v = act(…), and v is recorded for the backward pass.
/// </summary>
internal sealed class ElmanLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _da;
    private readonly T _leak;
    private readonly bool _leaky;
    private readonly int _skip;   // delay d of the skip connection, 0 without
    private readonly T[] _alpha;   // α per unit for this step: Leak, or σ(λ) when learned

    public ElmanLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: spec.Leak != 0f ? spec.Size : 0)
    {
        _da = new T[spec.Size];
        _alpha = new T[spec.Size];
        _leaky = spec.Leak != 0f;
        _leak = T.CreateChecked(spec.Leak);
        _skip = spec.SkipDelay;
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
        LinearAlgebra<T>.MultiplyAdd(WeightHh(p), H, H, h, a);
        if (_skip > 0) LinearAlgebra<T>.MultiplyAdd(WeightSkip(p), H, H, previous.Slice((_skip - 1) * H, H), a);
        for (int j = 0; j < H; j++) a[j] = LinearAlgebra<T>.Activate(Spec.Activation, a[j]);
        if (_leaky)
        {
            ReadOnlySpan<T> alpha = Alpha(p);
            for (int j = 0; j < H; j++) next[j] = alpha[j] * h[j] + (T.One - alpha[j]) * a[j];
        }
        // the delay line moves on: next = [h(t), h(t−1), …, h(t−d+1)]
        if (_skip > 0) previous[..((_skip - 1) * H)].CopyTo(next[H..]);
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
        LinearAlgebra<T>.OuterAdd(WeightHh(g), da, h);
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
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightHh(p), H, H, da, dState[..H]);
    }
}

/// <summary>
/// LSTM (PyTorch): z = W_ih·x + b_ih + W_hh·h + b_hh (4H rows, gates i,f,g,o);
/// i,f,o = σ(·), g = tanh(·); c' = f⊙c + i⊙g; h' = o⊙tanh(c'). State per direction: [h, c].
/// </summary>
internal sealed class LstmLayer<T> : RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _dz;

    // cache per step: i, f, g, o (activated), tanh(c')  → 5H
    public LstmLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, stateOffset, maxSteps, cacheWidth: 5 * spec.Size) => _dz = new T[4 * spec.Size];

    protected override void StepForward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> cache)
    {
        ReadOnlySpan<T> h = previous[..H], c = previous.Slice(H, H);
        Span<T> z = cache[..(4 * H)];
        BiasIh(p).CopyTo(z);
        LinearAlgebra<T>.Add(BiasHh(p), z);
        LinearAlgebra<T>.MultiplyAdd(WeightIh(p), 4 * H, I, x, z);
        LinearAlgebra<T>.MultiplyAdd(WeightHh(p), 4 * H, H, h, z);
        for (int j = 0; j < H; j++)
        {
            T i = LinearAlgebra<T>.Sigmoid(z[j]);
            T f = LinearAlgebra<T>.Sigmoid(z[H + j]);
            T gg = T.Tanh(z[2 * H + j]);
            T o = LinearAlgebra<T>.Sigmoid(z[3 * H + j]);
            T cNext = f * c[j] + i * gg;
            T tc = T.Tanh(cNext);
            cache[j] = i; cache[H + j] = f; cache[2 * H + j] = gg; cache[3 * H + j] = o; cache[4 * H + j] = tc;
            next[j] = o * tc;
            next[H + j] = cNext;
        }
    }

    protected override void StepBackward(ReadOnlySpan<T> p, Span<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> previous,
        ReadOnlySpan<T> next, ReadOnlySpan<T> cache, Span<T> dState, Span<T> dx)
    {
        ReadOnlySpan<T> h = previous[..H], c = previous.Slice(H, H);
        Span<T> dz = _dz;
        for (int j = 0; j < H; j++)
        {
            T i = cache[j], f = cache[H + j], gg = cache[2 * H + j], o = cache[3 * H + j], tc = cache[4 * H + j];
            T dh = dState[j];
            // dc = dc' + dh'⊙o⊙(1 − tanh²(c'))
            T dc = dState[H + j] + dh * o * (T.One - tc * tc);
            dz[j] = dc * gg * i * (T.One - i);               // i
            dz[H + j] = dc * c[j] * f * (T.One - f);         // f
            dz[2 * H + j] = dc * i * (T.One - gg * gg);      // g
            dz[3 * H + j] = dh * tc * o * (T.One - o);       // o
            dState[H + j] = dc * f;                          // dc for the previous step
        }
        LinearAlgebra<T>.OuterAdd(WeightIh(g), dz, x);
        LinearAlgebra<T>.OuterAdd(WeightHh(g), dz, h);
        LinearAlgebra<T>.Add(dz, BiasIh(g));
        LinearAlgebra<T>.Add(dz, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), 4 * H, I, dz, dx);
        Span<T> dhPrevious = dState[..H];
        dhPrevious.Clear();
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightHh(p), 4 * H, H, dz, dhPrevious);
    }
}

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
        LinearAlgebra<T>.MultiplyAdd(WeightHh(p), 3 * H, H, h, gh);
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
        LinearAlgebra<T>.OuterAdd(WeightHh(g), dgh, h);
        LinearAlgebra<T>.Add(dgi, BiasIh(g));
        LinearAlgebra<T>.Add(dgh, BiasHh(g));
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightIh(p), 3 * H, I, dgi, dx);
        LinearAlgebra<T>.TransposeMultiplyAdd(WeightHh(p), 3 * H, H, dgh, dState);
    }
}
