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
        bool isReservoir = false, float spectralRadius = 0f, float density = 0f, float inputScaling = 0f,
        float dropout = 0f, float recurrentDropout = 0f)
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
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
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
    /// <summary>Inverted dropout of the layer's outputs while training, p ∈ [0, 1); 0: none.</summary>
    public float Dropout { get; }
    /// <summary>Recurrent layers: variational dropout of h(t−1) in the recurrent product while training, p ∈ [0, 1); 0: none.</summary>
    public float RecurrentDropout { get; }

    /// <summary>True for Rnn, LSTM and GRU.</summary>
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);

    /// <summary>1 or 2 (bidirectional).</summary>
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);

    /// <summary>Floats this layer emits per step (2·Size when bidirectional).</summary>
    public int OutputWidth => Size * Directions;

    /// <summary>The layer as it is declared on a model class, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>,
    /// <c>[Gru(6, Bidirectional = true)]</c>, <c>[Reservoir(30)]</c>.</summary>
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
        return $"[{Kind}({arguments})]";
    }
}
