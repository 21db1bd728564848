using Microsoft.CodeAnalysis;

namespace RnnGen.Generators;

/// <summary>Every diagnostic RnnGen reports. Ids are tracked in AnalyzerReleases.Shipped.md / Unshipped.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";
    // Each id has a heading of its own on this page; GitHub's anchor for the heading "RNNG001" is "#rnng001".
    private const string HelpLink = "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor InternalError = Error("RNNG000",
        "RnnGen could not generate this model",
        "RnnGen could not generate '{0}': {1}. Please report this with the declaration.");

    public static readonly DiagnosticDescriptor ClassNotPartial = Error("RNNG001",
        "An RnnGen model must be partial",
        "The class '{0}' must be declared 'partial' so RnnGen can add the generated network to it; add the 'partial' modifier");

    public static readonly DiagnosticDescriptor UnsupportedClass = Error("RNNG002",
        "An RnnGen model must be a top-level, non-generic, non-static class",
        "'{0}' cannot be an RnnGen model because it is {1}; declare it as a non-generic, non-static class directly in a namespace");

    public static readonly DiagnosticDescriptor SizeOutOfRange = Error("RNNG003",
        "A size is out of range",
        "{0} = {1} is outside the allowed range {2}..{3}; choose a value in that range");

    public static readonly DiagnosticDescriptor SoftmaxNotFinal = Error("RNNG004",
        "Softmax is only allowed on the final layer",
        "Activation.Softmax is only allowed on the final layer, but this is {0}; use Identity, Tanh, Sigmoid or Relu here, or make this Dense the last layer");

    public static readonly DiagnosticDescriptor LossNeedsFinalDense = Error("RNNG005",
        "The loss needs a final Dense layer",
        "Loss = {0} needs a final [Dense] layer with Activation {1}, but the final layer, {2}, is not; add for example [Dense(n)] as the last layer");

    public static readonly DiagnosticDescriptor EmbeddingNotFirst = Error("RNNG006",
        "Embedding must be the first layer",
        "[Embedding] reads token ids, so it must be the first layer, but it is {0}; move it above the other layer attributes");

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Error("RNNG007",
        "Layer attributes are spread over several partial declarations",
        "The layer attributes of '{0}' appear on more than one partial declaration, so their order is ambiguous; put all of them on the declaration that carries [RnnModel]");

    public static readonly DiagnosticDescriptor MaxStepsMissing = Error("RNNG008",
        "MaxSteps is missing or not positive",
        "[RnnModel] needs MaxSteps ≥ 1 (the longest sequence Forward accepts; BPTT buffers are sized for it), but it is {0}; add for example MaxSteps = 64");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("RNNG009",
        "An enum value is not defined",
        "{0} = {1} is not a defined {2} value; use one of {3}");

    public static readonly DiagnosticDescriptor NoLayers = Error("RNNG010",
        "The model declares no layers",
        "'{0}' declares no layers; add layer attributes after [RnnModel], for example [Lstm(32)] and [Dense(1)]");

    public static readonly DiagnosticDescriptor InputSizeMissing = Error("RNNG011",
        "InputSize is missing",
        "[RnnModel] needs InputSize ≥ 1 (floats per step) because the first layer is not an [Embedding], but it is {0}; add for example InputSize = 4");

    public static readonly DiagnosticDescriptor InputSizeWithEmbedding = Error("RNNG012",
        "InputSize must be omitted with an Embedding",
        "The first layer is an [Embedding], which reads one token id per step, so InputSize must be omitted, but it is {0}; remove InputSize");

    public static readonly DiagnosticDescriptor RnnActivation = Error("RNNG013",
        "Rnn supports Tanh or Relu",
        "[Rnn] supports Activation = Activation.Tanh or Activation.Relu, not {0}; use one of those, or a [Dense] layer for other activations");

    public static readonly DiagnosticDescriptor LeakOutOfRange = Error("RNNG014",
        "Leak must be in [0, 1)",
        "{0} Leak = {1}, but the leak α must be in [0, 1): h(t) = α·h(t−1) + (1 − α)·act(…), so 0 updates the state fully and 1 would never update it; use for example Leak = 0.9f");

    public static readonly DiagnosticDescriptor ReservoirArgument = Error("RNNG015",
        "Reservoir argument out of range",
        "[Reservoir] {0} = {1}, but it must be {2}; use for example SpectralRadius = 0.9f, Density = 0.1f, InputScaling = 1f");

    public static readonly DiagnosticDescriptor SkipDelayOutOfRange = Error("RNNG016",
        "SkipDelay must be 0 or 2…1024",
        "[Rnn] SkipDelay = {0}, but a skip connection through time reads h(t − d) with d = 0 (none) or 2…1024 (d = 1 is W_hh itself); use for example SkipDelay = 4");

    public static readonly DiagnosticDescriptor LearnLeakNeedsStart = Error("RNNG017",
        "LearnLeak needs a starting Leak in (0, 1)",
        "[Rnn] LearnLeak = true learns α = σ(λ) per unit starting from Leak, which must then be in (0, 1), but it is {0}; add for example Leak = 0.5f");

    public static readonly DiagnosticDescriptor WeightsFileNotGiven = Error("RNNG018",
        "Weights file not found",
        "Weights = \"{0}\", but there is no file at {1}; a relative path starts at the project directory");

    public static readonly DiagnosticDescriptor WeightsMismatch = Error("RNNG019",
        "Weights file does not fit the model",
        "Weights file {0}: {1}; save the weights from this model (SaveSafetensors) or fix the declaration");

    public static readonly DiagnosticDescriptor LayerWithoutModel = Error("RNNG020",
        "A layer attribute needs [RnnModel] on its class",
        "{0} on '{1}' does nothing: '{1}' has no [RnnModel]; add [RnnModel(InputSize = …, MaxSteps = …)] to the partial class, or remove the layer attributes");

    public static readonly DiagnosticDescriptor ProjectionArgument = Error("RNNG021",
        "Invalid LSTM ProjectionSize",
        "[Lstm({0})] ProjectionSize = {1}, but {2}");
    public static readonly DiagnosticDescriptor ClockPeriodsInvalid = Error("RNNG022",
        "ClockPeriods do not form clockwork groups",
        "[Rnn] ClockPeriods = new[] {{ {0} }}: {1}");

    public static readonly DiagnosticDescriptor ReplaceUnitDelayInvalid = Error("RNNG023",
        "ReplaceUnitDelay needs a skip connection",
        "[Rnn] ReplaceUnitDelay = true: {0}");

    public static readonly DiagnosticDescriptor DropoutOutOfRange = Error("RNNG026",
        "A dropout probability must be in [0, 1), and not on the final layer",
        "{0} {1} = {2} {3}");
    public static readonly DiagnosticDescriptor LearnInitialStateConflict = Error("RNNG025",
        "LearnInitialState does not fit this layer",
        "{0} LearnInitialState = true cannot work here: {1}");
}
