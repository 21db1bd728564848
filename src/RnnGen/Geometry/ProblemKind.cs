namespace RnnGen.Geometry;

/// <summary>Which rule a <see cref="NetworkProblem"/> breaks. The generator maps each to its RNNG diagnostic; the
/// kinds marked "runtime only" cannot arise from attributes (the attributes have no such property).</summary>
internal enum ProblemKind
{
    /// <summary>Layer count outside 1..<see cref="Limits.MaxLayers"/> (<see cref="NetworkProblem.Value"/>).</summary>
    LayerCount,
    /// <summary>An enum value that is not defined (<see cref="NetworkProblem.Value"/>, <see cref="NetworkProblem.EnumType"/>).</summary>
    UndefinedEnum,
    /// <summary>MaxSteps outside 1..<see cref="Limits.MaxSequenceLength"/>.</summary>
    MaxSteps,
    /// <summary>InputSize outside 1..<see cref="Limits.MaxWidth"/> (no Embedding first).</summary>
    InputSize,
    /// <summary>InputSize set although the first layer is an Embedding.</summary>
    InputSizeWithEmbedding,
    /// <summary>Runtime only: a null layer.</summary>
    NullLayer,
    /// <summary>A layer's size outside 1..<see cref="Limits.MaxWidth"/>.</summary>
    Size,
    /// <summary>Runtime only: Bidirectional on a layer without directions.</summary>
    BidirectionalNotRecurrent,
    /// <summary>Runtime only: a leak on a layer other than Rnn.</summary>
    LeakNotRnn,
    /// <summary>An Rnn leak outside [0, 1) (<see cref="NetworkProblem.Number"/>).</summary>
    Leak,
    /// <summary>Runtime only: LearnLeak on a layer other than a non-reservoir Rnn.</summary>
    LearnLeakNotRnn,
    /// <summary>LearnLeak without a starting leak in (0, 1) (<see cref="NetworkProblem.Number"/>).</summary>
    LearnLeakNeedsStart,
    /// <summary>Runtime only: a skip delay on a layer other than Rnn.</summary>
    SkipDelayNotRnn,
    /// <summary>An Rnn skip delay that is neither 0 nor 2..<see cref="Limits.MaxSkipDelay"/> (<see cref="NetworkProblem.Value"/>).</summary>
    SkipDelay,
    /// <summary>Clock periods that break a clockwork rule (<see cref="NetworkRules.ClockworkProblem"/> says which).</summary>
    ClockPeriods,
    /// <summary>ReplaceUnitDelay without a skip connection (<see cref="NetworkRules.ReplaceUnitDelayProblem"/>).</summary>
    ReplaceUnitDelay,
    /// <summary>Runtime only: a reservoir with a skip delay.</summary>
    ReservoirSkip,
    /// <summary>Runtime only: a reservoir that is not a one-direction Tanh Rnn.</summary>
    ReservoirShape,
    /// <summary>A reservoir's spectral radius is not a finite number &gt; 0 (<see cref="NetworkProblem.Number"/>).</summary>
    SpectralRadius,
    /// <summary>A reservoir's density is outside (0, 1] (<see cref="NetworkProblem.Number"/>).</summary>
    Density,
    /// <summary>A reservoir's input scaling is not a finite number &gt; 0 (<see cref="NetworkProblem.Number"/>).</summary>
    InputScaling,
    /// <summary>Runtime only: reservoir settings on a layer that is not a reservoir.</summary>
    NotAReservoir,
    /// <summary>Runtime only: peepholes on a layer other than LSTM.</summary>
    PeepholesNotLstm,
    /// <summary>Runtime only: ResetAfter = false on a layer other than GRU.</summary>
    ResetAfterNotGru,
    /// <summary>Runtime only: a projection on a layer other than LSTM.</summary>
    ProjectionNotLstm,
    /// <summary>An LSTM projection outside 1 … H − 1 (<see cref="NetworkProblem.Value"/>; 0 is none).</summary>
    ProjectionSize,
    /// <summary>An LSTM with both peepholes and a projection (<see cref="NetworkProblem.Value"/> is the projection).</summary>
    ProjectionWithPeepholes,
    /// <summary>An LSTM with both recurrent dropout and a projection (<see cref="NetworkProblem.Value"/> is the projection).</summary>
    ProjectionWithRecurrentDropout,
    /// <summary>A learned initial state on a layer without a learnable state (not Rnn/Lstm/Gru, a reservoir, or a skip delay).</summary>
    LearnInitialState,
    /// <summary>Runtime only: a vocabulary on a layer other than Embedding.</summary>
    VocabularyNotEmbedding,
    /// <summary>An Embedding that is not the first layer.</summary>
    EmbeddingNotFirst,
    /// <summary>An Embedding vocabulary outside 1..<see cref="Limits.MaxVocabulary"/> (<see cref="NetworkProblem.Value"/>).</summary>
    Vocabulary,
    /// <summary>An activation the layer kind does not allow (<see cref="NetworkProblem.Value"/> is the Activation).</summary>
    Activation,
    /// <summary>Softmax on a layer that is not the last.</summary>
    SoftmaxNotFinal,
    /// <summary>A cross-entropy loss without a suitable final Dense layer (<see cref="NetworkProblem.Value"/> is the LossKind).</summary>
    LossNeedsFinalDense,
    /// <summary>More than <see cref="Limits.MaxParameterCount"/> parameters (<see cref="NetworkProblem.Value"/>).</summary>
    ParameterCount,
    /// <summary>A Dropout or RecurrentDropout probability outside [0, 1), or NaN (<see cref="NetworkProblem.Number"/>).</summary>
    Dropout,
    /// <summary>Dropout on the final layer, whose outputs are the network's prediction.</summary>
    DropoutOnFinalLayer,
    /// <summary>Runtime only: RecurrentDropout on a layer that is not recurrent.</summary>
    RecurrentDropoutNotRecurrent,
    /// <summary>A BPTT cache of more than <see cref="Limits.MaxCacheFloats"/> floats (<see cref="NetworkProblem.Value"/>).</summary>
    CacheSize,
}
