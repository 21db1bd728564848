namespace RnnGen.Geometry;

/// <summary>
/// One declared layer as plain values, the common ground of the runtime's <see cref="LayerSpec"/> and the
/// generator's layer model: <see cref="LayerGeometry"/> sizes it, <see cref="NetworkRules"/> checks it and
/// <see cref="Declaration"/> writes it as its attribute.
/// </summary>
internal sealed class LayerDescription
{
    public LayerDescription(LayerKind kind, int size, Activation activation, bool bidirectional = false, int vocabulary = 0,
        float leak = 0f, bool learnLeak = false, int skipDelay = 0,
        bool isReservoir = false, float spectralRadius = 0f, float density = 0f, float inputScaling = 0f, bool peepholes = false,
        bool learnInitialState = false)
    {
        Kind = kind;
        Size = size;
        Activation = activation;
        Bidirectional = bidirectional;
        Vocabulary = vocabulary;
        Leak = leak;
        LearnLeak = learnLeak;
        SkipDelay = skipDelay;
        IsReservoir = isReservoir;
        SpectralRadius = spectralRadius;
        Density = density;
        InputScaling = inputScaling;
        Peepholes = peepholes;
        LearnInitialState = learnInitialState;
    }

    public LayerKind Kind { get; }
    /// <summary>Hidden units per direction (recurrent), output units (Dense) or vector width (Embedding).</summary>
    public int Size { get; }
    public Activation Activation { get; }
    public bool Bidirectional { get; }
    public int Vocabulary { get; }
    public float Leak { get; }
    public bool LearnLeak { get; }
    public int SkipDelay { get; }
    public bool IsReservoir { get; }
    public float SpectralRadius { get; }
    public float Density { get; }
    public float InputScaling { get; }
    /// <summary>LSTM with diagonal peephole weights (tensor <c>weight_peephole</c> [3, H], rows i, o, f).</summary>
    public bool Peepholes { get; }
    /// <summary>The initial state of each direction is a parameter (<c>initial_h</c> [H], and <c>initial_c</c> [H] for LSTM).</summary>
    public bool LearnInitialState { get; }

    /// <summary>True for Rnn, LSTM and GRU.</summary>
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);

    /// <summary>1 or 2 (bidirectional).</summary>
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);

    /// <summary>Floats this layer emits per step (2·Size when bidirectional).</summary>
    public int OutputWidth => Size * Directions;

    /// <summary>The layer as it is declared on a model class, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>,
    /// <c>[Gru(6, Bidirectional = true)]</c>, <c>[Lstm(8, Peepholes = true)]</c>, <c>[Reservoir(30)]</c>.</summary>
    public string Declaration()
    {
        if (IsReservoir) return $"[Reservoir({Size})]";
        string arguments = Kind switch
        {
            LayerKind.Embedding => $"{Vocabulary}, {Size}",
            LayerKind.Dense => Activation == Activation.Identity ? $"{Size}" : $"{Size}, Activation.{Activation}",
            LayerKind.Rnn when Activation != Activation.Tanh => $"{Size}, Activation = Activation.{Activation}",
            _ => $"{Size}",
        };
        if (Bidirectional) arguments += ", Bidirectional = true";
        if (Peepholes) arguments += ", Peepholes = true";
        if (LearnInitialState) arguments += ", LearnInitialState = true";
        return $"[{Kind}({arguments})]";
    }
}
