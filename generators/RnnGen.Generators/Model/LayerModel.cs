using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Geometry;

namespace RnnGen.Generators.Model;

/// <summary>One declared layer, as plain values.</summary>
internal sealed record LayerModel(LayerKind Kind, int Size, Activation Activation, bool Bidirectional, int Vocabulary, float Leak = 0f,
    bool Reservoir = false, float SpectralRadius = 0f, float Density = 0f, float InputScaling = 0f, int SkipDelay = 0, bool LearnLeak = false, bool Peepholes = false,
    bool ReplaceUnitDelay = false, EquatableArray<int> ClockPeriods = default, bool ClockDeclared = false,
    float Dropout = 0f, float RecurrentDropout = 0f, int ProjectionSize = 0, bool LearnInitialState = false, bool ResetAfter = true)
{
    /// <summary>Clockwork Rnn: groups of <see cref="ClockGroupSize"/> units updating every T_g steps (ClockPeriods,
    /// declared when <see cref="ClockDeclared"/>, even empty: the rules then say so).</summary>
    public bool IsClockwork => Kind == LayerKind.Rnn && ClockDeclared;
    /// <summary>Rnn whose skip connection replaces the unit delay: no W_hh·h(t−1), no weight_hh.</summary>
    public bool HasNoUnitDelay => HasSkip && ReplaceUnitDelay;
    /// <summary>Units per clockwork group.</summary>
    public int ClockGroupSize => IsClockwork && ClockPeriods.Count > 0 ? Size / ClockPeriods.Count : 0;
    /// <summary>The clockwork step counter's modulus, the least common multiple of the periods.</summary>
    public long ClockCycle => Description.ClockCycle;
    /// <summary>Inverted dropout of the layer's outputs while training (p = <see cref="Dropout"/>).</summary>
    public bool HasDropout => Dropout != 0f;
    /// <summary>Variational dropout of h(t−1) in the recurrent product while training (p = <see cref="RecurrentDropout"/>).</summary>
    public bool HasRecurrentDropout => IsRecurrent && RecurrentDropout != 0f;
    /// <summary>Rnn whose leak is learned per unit: α = σ(λ), λ a parameter vector.</summary>
    public bool HasLearnedLeak => Kind == LayerKind.Rnn && LearnLeak;
    /// <summary>LSTM with diagonal peepholes: p_i, p_f read c(t−1), p_o reads c(t) (tensor <c>weight_peephole</c> [3, H]).</summary>
    public bool HasPeepholes => Kind == LayerKind.Lstm && Peepholes;
    /// <summary>LSTM with a projection: h = W_hr·(o ⊙ tanh(c)) is <see cref="ProjectionSize"/> wide (tensor <c>weight_hr</c> [p, H]).</summary>
    public bool HasProjection => Kind == LayerKind.Lstm && ProjectionSize > 0;
    /// <summary>R, the width of h per direction: the projection p of a projected LSTM, else <see cref="Size"/>.</summary>
    public int HiddenWidth => LayerGeometry.HiddenWidthOf(Kind, Size, ProjectionSize);
    /// <summary>Rnn, LSTM or GRU whose initial state is a parameter (tensors <c>initial_h</c>, and <c>initial_c</c> for LSTM).</summary>
    public bool HasLearnedInitialState => IsRecurrent && !Reservoir && LearnInitialState;
    /// <summary>GRU whose reset gate applies before the recurrent product: n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn).</summary>
    public bool HasResetBefore => Kind == LayerKind.Gru && !ResetAfter;
    /// <summary>Rnn with a skip connection through time: W_skip·h(t − d) joins the pre-activation.</summary>
    public bool HasSkip => Kind == LayerKind.Rnn && SkipDelay > 0;
    /// <summary>Rnn with leaky units: h' = α·h + (1 − α)·act(…), α = <see cref="Leak"/>.</summary>
    public bool IsLeaky => Kind == LayerKind.Rnn && (Leak != 0f || LearnLeak);
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);
    public int OutputWidth => HiddenWidth * Directions;
    public int GateCount => LayerGeometry.GateCountOf(Kind);
    public int StateWidthPerDirection => LayerGeometry.StateWidthOf(Kind, Size, SkipDelay, IsClockwork, ProjectionSize);

    /// <summary>The layer as the shared geometry and rules read it.</summary>
    public LayerDescription Description =>
        new(Kind, Size, Activation, Bidirectional, Vocabulary, Leak, LearnLeak, SkipDelay, Reservoir, SpectralRadius, Density, InputScaling, Peepholes,
            ClockDeclared ? ClockPeriods.ToArray() : null, ReplaceUnitDelay, Dropout, RecurrentDropout, ProjectionSize, LearnInitialState, ResetAfter);

    /// <summary>The layer's geometry when fed <paramref name="inputWidth"/> floats per step.</summary>
    public LayerGeometry Geometry(int inputWidth) => LayerGeometry.Of(Description, inputWidth);

    /// <summary>The layer as declared, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>, <c>[Gru(6, Bidirectional = true)]</c>.</summary>
    public string Declaration => Description.Declaration();
}
