using RnnGen.Geometry;

namespace RnnGen.Generators.Model;

/// <summary>One declared layer, as plain values.</summary>
internal sealed record LayerModel(LayerKind Kind, int Size, Activation Activation, bool Bidirectional, int Vocabulary, float Leak = 0f,
    bool Reservoir = false, float SpectralRadius = 0f, float Density = 0f, float InputScaling = 0f, int SkipDelay = 0, bool LearnLeak = false, bool Peepholes = false,
    bool LearnInitialState = false)
{
    /// <summary>Rnn whose leak is learned per unit: α = σ(λ), λ a parameter vector.</summary>
    public bool HasLearnedLeak => Kind == LayerKind.Rnn && LearnLeak;
    /// <summary>LSTM with diagonal peepholes: p_i, p_f read c(t−1), p_o reads c(t) (tensor <c>weight_peephole</c> [3, H]).</summary>
    public bool HasPeepholes => Kind == LayerKind.Lstm && Peepholes;
    /// <summary>Rnn, LSTM or GRU whose initial state is a parameter (tensors <c>initial_h</c>, and <c>initial_c</c> for LSTM).</summary>
    public bool HasLearnedInitialState => IsRecurrent && !Reservoir && LearnInitialState;
    /// <summary>Rnn with a skip connection through time: W_skip·h(t − d) joins the pre-activation.</summary>
    public bool HasSkip => Kind == LayerKind.Rnn && SkipDelay > 0;
    /// <summary>Rnn with leaky units: h' = α·h + (1 − α)·act(…), α = <see cref="Leak"/>.</summary>
    public bool IsLeaky => Kind == LayerKind.Rnn && (Leak != 0f || LearnLeak);
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);
    public int OutputWidth => Size * Directions;
    public int GateCount => LayerGeometry.GateCountOf(Kind);
    public int StateWidthPerDirection => LayerGeometry.StateWidthOf(Kind, Size, SkipDelay);

    /// <summary>The layer as the shared geometry and rules read it.</summary>
    public LayerDescription Description =>
        new(Kind, Size, Activation, Bidirectional, Vocabulary, Leak, LearnLeak, SkipDelay, Reservoir, SpectralRadius, Density, InputScaling, Peepholes, LearnInitialState);

    /// <summary>The layer's geometry when fed <paramref name="inputWidth"/> floats per step.</summary>
    public LayerGeometry Geometry(int inputWidth) => LayerGeometry.Of(Description, inputWidth);

    /// <summary>The layer as declared, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>, <c>[Gru(6, Bidirectional = true)]</c>.</summary>
    public string Declaration => Description.Declaration();
}
