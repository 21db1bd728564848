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
        int[]? clockPeriods = null, bool replaceUnitDelay = false, float dropout = 0f, float recurrentDropout = 0f, int projectionSize = 0, bool learnInitialState = false, bool resetAfter = true)
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
        ClockPeriods = clockPeriods;
        ReplaceUnitDelay = replaceUnitDelay;
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
        ProjectionSize = projectionSize;
        LearnInitialState = learnInitialState;
        ResetAfter = resetAfter;
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
    /// <summary>LSTM with a projection of this width p (0: none): h = W_hr·(o ⊙ tanh(c)), tensor <c>weight_hr</c> [p, H].</summary>
    public int ProjectionSize { get; }

    /// <summary>The width of h per direction: <see cref="ProjectionSize"/> for a projected LSTM, else <see cref="Size"/>.</summary>
    public int HiddenWidth => LayerGeometry.HiddenWidthOf(Kind, Size, ProjectionSize);

    /// <summary>Clockwork Rnn: the period of each unit group, in declared order; null for an ordinary layer.</summary>
    public int[]? ClockPeriods { get; }
    /// <summary>Rnn with a skip connection that reads only h(t − d): no W_hh·h(t−1) term.</summary>
    public bool ReplaceUnitDelay { get; }

    /// <summary>A clockwork Rnn layer (<see cref="ClockPeriods"/> set).</summary>
    public bool IsClockwork => Kind == LayerKind.Rnn && ClockPeriods is not null;

    /// <summary>An Rnn layer whose unit delay W_hh·h(t−1) is replaced by its skip connection.</summary>
    public bool HasNoUnitDelay => Kind == LayerKind.Rnn && ReplaceUnitDelay && SkipDelay > 0;

    /// <summary>Units per clockwork group: H / (number of periods); 0 for an ordinary layer.</summary>
    public int ClockGroupSize => ClockPeriods is { Length: > 0 } periods ? Size / periods.Length : 0;

    /// <summary>The clockwork cycle, the least common multiple of the periods (the step counter in the state counts
    /// modulo it), or <see cref="long.MaxValue"/> once it passes <see cref="Limits.MaxClockCycle"/> or a period is
    /// not positive; 0 for an ordinary layer.</summary>
    public long ClockCycle
    {
        get
        {
            if (ClockPeriods is not { } periods) return 0;
            long cycle = 1;
            foreach (int period in periods)
            {
                if (period < 1) return long.MaxValue;
                long a = cycle, b = period;
                while (b != 0) (a, b) = (b, a % b);
                cycle = cycle / a * period;
                if (cycle > Limits.MaxClockCycle) return long.MaxValue;
            }
            return cycle;
        }
    }

    /// <summary>Inverted dropout of the layer's outputs while training, p ∈ [0, 1); 0: none.</summary>
    public float Dropout { get; }
    /// <summary>Recurrent layers: variational dropout of h(t−1) in the recurrent product while training, p ∈ [0, 1); 0: none.</summary>
    public float RecurrentDropout { get; }

    /// <summary>The initial state of each direction is a parameter (<c>initial_h</c> [H], and <c>initial_c</c> [H] for LSTM).</summary>
    public bool LearnInitialState { get; }

    /// <summary>GRU: the reset gate multiplies W_hn·h + b_hn (true, PyTorch's form), or h before W_hn reads it (false, ONNX's
    /// <c>linear_before_reset = 0</c>, Keras' <c>reset_after = False</c>). Always true for the other kinds but in a bad spec.</summary>
    public bool ResetAfter { get; }

    /// <summary>A GRU whose reset gate applies before the recurrent product: n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn).</summary>
    public bool IsResetBefore => Kind == LayerKind.Gru && !ResetAfter;

    /// <summary>True for Rnn, LSTM and GRU.</summary>
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);

    /// <summary>1 or 2 (bidirectional).</summary>
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);

    /// <summary>Floats this layer emits per step (2·Size when bidirectional; a projected LSTM emits its projection).</summary>
    public int OutputWidth => HiddenWidth * Directions;

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
        if (ProjectionSize != 0) arguments += $", ProjectionSize = {ProjectionSize}";
        if (LearnInitialState) arguments += ", LearnInitialState = true";
        if (!ResetAfter) arguments += ", ResetAfter = false";
        return $"[{Kind}({arguments})]";
    }
}
