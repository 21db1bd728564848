using System.Numerics;
using RnnGen.Geometry;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (src/RnnGen/Generated/LstmCell.cs, GruCell.cs and ElmanCell.cs, called by the code the generator's
// Emitting/ files write); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>
/// A recurrent layer (Elman, LSTM or GRU), one or two directions. Direction 0 runs t = 0…T−1, direction 1
/// (reverse) runs t = T−1…0; the output at step t is h_fwd(t) ‖ h_rev(t), like PyTorch.
/// Per-direction parameters: W_ih [G·H × I], W_hh [G·H × R], b_ih [G·H], b_hh [G·H], with R the width of h (H, or the
/// projection p of a projected LSTM, which also has W_hr [p × H]). The output at each step is R wide per direction.
/// </summary>
internal abstract class RecurrentLayer<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected readonly int H, G, I, R;
    private readonly int _stateWidth, _cacheWidth, _directionParameters;
    // Offsets of one direction's tensors inside its block, from the shared geometry (-1: the layer has no such tensor).
    private readonly int _weightIh, _weightHh, _biasIh, _biasHh, _weightSkip, _leak, _peephole, _projection, _initialH, _initialC;
    private readonly T[][] _states; // [direction][(k) × stateWidth], k = 0 … steps (k = 0 is the initial state)
    private readonly T[][] _caches; // [direction][k × cacheWidth]
    private readonly T[] _dState;
    private readonly T[][] _recurrentMasks;   // [direction][H]: RecurrentDropout's mask on h(t−1) (empty without)
    private readonly T[] _maskedH, _maskedDh;   // scratch [H]: m ⊙ h(t−1), and W_hhᵀ·dz before the mask
    private readonly float[] _maskScratch;
    private int _direction;   // the direction being walked

    protected RecurrentLayer(LayerSpec spec, int inputWidth, int parameterOffset, int stateOffset, int maxSteps, int cacheWidth)
        : base(spec, inputWidth, parameterOffset,
            checked(spec.Directions * (int)spec.ParametersPerDirection(inputWidth)), stateOffset, maxSteps)
    {
        H = spec.Size;
        G = spec.GateCount;
        I = inputWidth;
        R = LayerGeometry.HiddenWidthOf(spec.Kind, spec.Size, spec.ProjectionSize);
        _stateWidth = spec.StateWidthPerDirection;
        _cacheWidth = cacheWidth;
        LayerGeometry geometry = LayerGeometry.Of(spec.Description, inputWidth);
        _directionParameters = (int)geometry.ParametersPerDirection;
        _weightIh = geometry[TensorRole.WeightIh].Offset;
        _weightHh = geometry.Has(TensorRole.WeightHh) ? geometry[TensorRole.WeightHh].Offset : -1;
        _biasIh = geometry[TensorRole.BiasIh].Offset;
        _biasHh = geometry[TensorRole.BiasHh].Offset;
        _weightSkip = geometry.Has(TensorRole.WeightSkip) ? geometry[TensorRole.WeightSkip].Offset : -1;
        _leak = geometry.Has(TensorRole.Leak) ? geometry[TensorRole.Leak].Offset : -1;
        _peephole = geometry.Has(TensorRole.Peephole) ? geometry[TensorRole.Peephole].Offset : -1;
        _projection = geometry.Has(TensorRole.Projection) ? geometry[TensorRole.Projection].Offset : -1;
        _initialH = geometry.Has(TensorRole.InitialH) ? geometry[TensorRole.InitialH].Offset : -1;
        _initialC = geometry.Has(TensorRole.InitialC) ? geometry[TensorRole.InitialC].Offset : -1;
        _states = new T[spec.Directions][];
        _caches = new T[spec.Directions][];
        for (int d = 0; d < spec.Directions; d++)
        {
            _states[d] = new T[(maxSteps + 1) * _stateWidth];
            _caches[d] = new T[Math.Max(1, maxSteps * cacheWidth)];
        }
        _dState = new T[_stateWidth];
        bool recurrentDropout = spec.RecurrentDropout != 0f;
        _recurrentMasks = new T[recurrentDropout ? spec.Directions : 0][];
        for (int d = 0; d < _recurrentMasks.Length; d++) _recurrentMasks[d] = new T[H];
        _maskedH = new T[recurrentDropout ? H : 0];
        _maskedDh = new T[recurrentDropout ? H : 0];
        _maskScratch = new float[recurrentDropout ? H : 0];
    }

    /// <summary>The recurrent product reads m ⊙ h(t−1) (RecurrentDropout while training), recorded for the backward pass.</summary>
    public bool RecurrentMasked { get; set; }

    /// <summary>Draws one RecurrentDropout mask per direction (forward, then reverse).</summary>
    public void DrawRecurrentMasks(ref DeterministicRandom random)
    {
        foreach (T[] mask in _recurrentMasks)
        {
            Generated.GeneratedModelSupport.DrawDropoutMask(ref random, Spec.RecurrentDropout, _maskScratch);
            for (int j = 0; j < H; j++) mask[j] = T.CreateChecked(_maskScratch[j]);
        }
    }

    /// <summary>h(t−1) as the recurrent product W_hh·h reads it: m ⊙ h(t−1) under recurrent dropout, else h itself.</summary>
    protected ReadOnlySpan<T> RecurrentInput(ReadOnlySpan<T> h)
    {
        if (!RecurrentMasked) return h;
        T[] mask = _recurrentMasks[_direction];
        for (int j = 0; j < H; j++) _maskedH[j] = h[j] * mask[j];
        return _maskedH;
    }

    /// <summary>dh(t−1) += d(W·RecurrentInput(h))/dh, i.e. Wᵀ·dz, times the mask under recurrent dropout; W is [rows × H].</summary>
    protected void AddRecurrentGradient(ReadOnlySpan<T> w, int rows, ReadOnlySpan<T> dz, Span<T> dh)
    {
        if (!RecurrentMasked)
        {
            LinearAlgebra<T>.TransposeMultiplyAdd(w, rows, R, dz, dh);   // R = H but for a projected LSTM (never masked)
            return;
        }
        Span<T> product = _maskedDh;
        product.Clear();
        LinearAlgebra<T>.TransposeMultiplyAdd(w, rows, H, dz, product);
        T[] mask = _recurrentMasks[_direction];
        for (int j = 0; j < H; j++) dh[j] += mask[j] * product[j];
    }

    /// <summary>dh(t−1) += <paramref name="dInput"/>, a gradient with respect to <see cref="RecurrentInput"/>(h), times the
    /// mask under recurrent dropout.</summary>
    protected void AddThroughRecurrentInput(ReadOnlySpan<T> dInput, Span<T> dh)
    {
        if (!RecurrentMasked)
        {
            LinearAlgebra<T>.Add(dInput[..H], dh);
            return;
        }
        T[] mask = _recurrentMasks[_direction];
        for (int j = 0; j < H; j++) dh[j] += mask[j] * dInput[j];
    }

    protected ReadOnlySpan<T> WeightIh(ReadOnlySpan<T> p) => p.Slice(_weightIh, G * H * I);
    protected ReadOnlySpan<T> WeightHh(ReadOnlySpan<T> p) => p.Slice(_weightHh, G * H * R);
    protected ReadOnlySpan<T> BiasIh(ReadOnlySpan<T> p) => p.Slice(_biasIh, G * H);
    protected ReadOnlySpan<T> BiasHh(ReadOnlySpan<T> p) => p.Slice(_biasHh, G * H);
    protected Span<T> WeightIh(Span<T> g) => g.Slice(_weightIh, G * H * I);
    protected Span<T> WeightHh(Span<T> g) => g.Slice(_weightHh, G * H * R);
    protected Span<T> BiasIh(Span<T> g) => g.Slice(_biasIh, G * H);
    protected Span<T> BiasHh(Span<T> g) => g.Slice(_biasHh, G * H);
    protected ReadOnlySpan<T> WeightSkip(ReadOnlySpan<T> p) => p.Slice(_weightSkip, H * H);
    protected Span<T> WeightSkip(Span<T> g) => g.Slice(_weightSkip, H * H);
    protected ReadOnlySpan<T> LeakLogits(ReadOnlySpan<T> p) => p.Slice(_leak, H);
    protected Span<T> LeakLogits(Span<T> g) => g.Slice(_leak, H);
    protected ReadOnlySpan<T> Peephole(ReadOnlySpan<T> p) => p.Slice(_peephole, 3 * H);
    protected Span<T> Peephole(Span<T> g) => g.Slice(_peephole, 3 * H);
    protected ReadOnlySpan<T> Projection(ReadOnlySpan<T> p) => p.Slice(_projection, R * H);
    protected Span<T> Projection(Span<T> g) => g.Slice(_projection, R * H);

    /// <summary>Writes the learned initial state of each direction (h, then c for an LSTM) into <paramref name="state"/>
    /// (this layer's slice); leaves it alone when the layer does not learn its initial state.</summary>
    public void LoadInitialState(ReadOnlySpan<T> p, Span<T> state)
    {
        if (_initialH < 0) return;
        for (int d = 0; d < Spec.Directions; d++)
        {
            ReadOnlySpan<T> pd = p.Slice(d * _directionParameters, _directionParameters);
            Span<T> directionState = state.Slice(d * _stateWidth, _stateWidth);
            pd.Slice(_initialH, H).CopyTo(directionState[..H]);
            if (_initialC >= 0) pd.Slice(_initialC, H).CopyTo(directionState.Slice(H, H));
        }
    }

    /// <summary>Adds dLoss/d(initial state) <paramref name="dState"/> (this layer's slice) to the gradients of the learned
    /// initial state; nothing when the layer does not learn it.</summary>
    public void AddInitialStateGradient(Span<T> g, ReadOnlySpan<T> dState)
    {
        if (_initialH < 0) return;
        for (int d = 0; d < Spec.Directions; d++)
        {
            Span<T> gd = g.Slice(d * _directionParameters, _directionParameters);
            ReadOnlySpan<T> directionGradient = dState.Slice(d * _stateWidth, _stateWidth);
            LinearAlgebra<T>.Add(directionGradient[..H], gd.Slice(_initialH, H));
            if (_initialC >= 0) LinearAlgebra<T>.Add(directionGradient.Slice(H, H), gd.Slice(_initialC, H));
        }
    }

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
            _direction = d;
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
                next[..R].CopyTo(Output.AsSpan(t * OutputWidth + d * R, R));
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
            _direction = d;
            ReadOnlySpan<T> pd = p.Slice(d * _directionParameters, _directionParameters);
            Span<T> gd = g.Slice(d * _directionParameters, _directionParameters);
            ReadOnlySpan<T> states = _states[d];
            Span<T> dState = _dState;
            dState.Clear();
            for (int k = steps - 1; k >= 0; k--)
            {
                int t = d == 0 ? k : steps - 1 - k;
                // dh(t) = dOut(t) + dh from step t+1 (in this direction's order)
                LinearAlgebra<T>.Add(dOut.Slice(t * OutputWidth + d * R, R), dState[..R]);
                StepBackward(pd, gd, input.Slice(t * I, I), states.Slice(k * _stateWidth, _stateWidth),
                    states.Slice((k + 1) * _stateWidth, _stateWidth), _caches[d].AsSpan(k * _cacheWidth, _cacheWidth),
                    dState, dIn.Slice(t * I, I));
            }
            dState.CopyTo(dStateOut.Slice(d * _stateWidth, _stateWidth));
        }
    }
}
