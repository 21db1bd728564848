using RnnGen.Generators.Helpers;

namespace RnnGen.Generators.Model;

// Mirrors of the runtime enums (same names and values); the generator cannot reference the runtime assembly.
internal enum Activation { Identity = 0, Tanh = 1, Sigmoid = 2, Relu = 3, Softmax = 4 }
internal enum LossKind { None = 0, MeanSquaredError = 1, CrossEntropy = 2, BinaryCrossEntropy = 3 }
internal enum Reduction { Mean = 0, Sum = 1 }
internal enum OutputMode { EveryStep = 0, LastStep = 1 }
internal enum LayerKind { Embedding = 0, Rnn = 1, Lstm = 2, Gru = 3, Dense = 4 }

/// <summary>One declared layer, as plain values.</summary>
internal sealed record LayerModel(LayerKind Kind, int Size, Activation Activation, bool Bidirectional, int Vocabulary, float Leak = 0f,
    bool Reservoir = false, float SpectralRadius = 0f, float Density = 0f, float InputScaling = 0f, int SkipDelay = 0, bool LearnLeak = false)
{
    /// <summary>Rnn whose leak is learned per unit: α = σ(λ), λ a parameter vector.</summary>
    public bool HasLearnedLeak => Kind == LayerKind.Rnn && LearnLeak;
    /// <summary>Rnn with a skip connection through time: W_skip·h(t − d) joins the pre-activation.</summary>
    public bool HasSkip => Kind == LayerKind.Rnn && SkipDelay > 0;
    /// <summary>Rnn with leaky units: h' = α·h + (1 − α)·act(…), α = <see cref="Leak"/>.</summary>
    public bool IsLeaky => Kind == LayerKind.Rnn && (Leak != 0f || LearnLeak);
    public bool IsRecurrent => Kind is LayerKind.Rnn or LayerKind.Lstm or LayerKind.Gru;
    public int Directions => IsRecurrent && Bidirectional ? 2 : 1;
    public int OutputWidth => Size * Directions;
    public int GateCount => Kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, LayerKind.Rnn => 1, _ => 0 };
    public int StateWidthPerDirection => Kind == LayerKind.Lstm ? 2 * Size : HasSkip ? SkipDelay * Size : IsRecurrent ? Size : 0;

    /// <summary>The layer as declared, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>, <c>[Gru(6, Bidirectional = true)]</c>.</summary>
    public string Declaration
    {
        get
        {
            if (Reservoir) return $"[Reservoir({Size})]";
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
}

/// <summary>Everything the emitter needs about one [RnnModel] class; no symbols, syntax or compilation.</summary>
internal sealed record ModelSpec(
    string? Namespace,
    string ClassName,
    string Accessibility,
    int InputSize,
    int MaxSteps,
    LossKind Loss,
    Reduction Reduction,
    OutputMode Output,
    EquatableArray<LayerModel> Layers,
    string? Weights = null,
    LocationInfo? Location = null)
{
    public string HintName => (Namespace is null ? "" : Namespace + ".") + ClassName + ".g.cs";
    public bool UsesTokens => Layers[0].Kind == LayerKind.Embedding;
    public int OutputSize => Layers[Layers.Count - 1].OutputWidth;
}

/// <summary>What the parser produced: a model when the declaration is valid, and diagnostics either way.</summary>
internal sealed record ParseResult(ModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
