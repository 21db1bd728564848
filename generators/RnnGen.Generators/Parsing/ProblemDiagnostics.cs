using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generators.Model;
using RnnGen.Geometry;

namespace RnnGen.Generators.Parsing;

/// <summary>
/// Turns the shared rules' <see cref="NetworkProblem"/>s into the generator's RNNG diagnostics, worded for the
/// attributes (<c>[Lstm] hidden size</c>, <c>layer 2 of 3, [Dense(4)]</c>) and located on the offending attribute,
/// or on [RnnModel] for the network's own properties.
/// </summary>
internal sealed class ProblemDiagnostics
{
    private readonly string _className;
    private readonly LocationInfo? _modelLocation;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly IReadOnlyList<LayerModel> _layers;

    /// <param name="className">The model class (for RNNG000).</param>
    /// <param name="modelLocation">The [RnnModel] attribute.</param>
    /// <param name="diagnostics">Where the diagnostics go.</param>
    /// <param name="layers">The layers read so far (the last one names the final layer in RNNG005).</param>
    public ProblemDiagnostics(string className, LocationInfo? modelLocation, List<DiagnosticInfo> diagnostics, IReadOnlyList<LayerModel> layers)
    {
        _className = className;
        _modelLocation = modelLocation;
        _diagnostics = diagnostics;
        _layers = layers;
    }

    /// <summary>A layer attribute: its model, its position text (<c>layer 1 of 2, [Dense(3)]</c>) and location.</summary>
    public sealed record LayerSite(LayerModel Layer, string Position, LocationInfo? Location)
    {
        /// <summary>The attribute as the messages name it: <c>[Lstm]</c>, <c>[Reservoir]</c>.</summary>
        public string Label => Layer.Reservoir ? "[Reservoir]" : "[" + Layer.Kind + "]";
    }

    /// <summary>Adds a diagnostic for each problem (in order) and empties the list.</summary>
    public void Report(List<NetworkProblem> problems, LayerSite? layer)
    {
        foreach (NetworkProblem problem in problems) _diagnostics.Add(ToDiagnostic(problem, layer));
        problems.Clear();
    }

    private DiagnosticInfo ToDiagnostic(NetworkProblem p, LayerSite? site)
    {
        LocationInfo? at = site?.Location ?? _modelLocation;
        string label = site?.Label ?? "";
        switch (p.Kind)
        {
            case ProblemKind.LayerCount:
                return p.Value < 1
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, _modelLocation, _className)
                    : DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, _modelLocation, "the number of layers", p.Value, 1, Limits.MaxLayers);
            case ProblemKind.UndefinedEnum when p.EnumType is not null && (site is null || p.Property.EndsWith(".Activation", System.StringComparison.Ordinal)):
                string names = string.Join(", ", System.Enum.GetNames(p.EnumType).Select(n => p.EnumType.Name + "." + n));
                return DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, at, site is null ? p.Property : label + " Activation", p.Value, p.EnumType.Name, names);
            case ProblemKind.MaxSteps:
                return p.Value < 1
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.MaxStepsMissing, _modelLocation, p.Value)
                    : DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, _modelLocation, "MaxSteps", p.Value, 1, Limits.MaxSequenceLength);
            case ProblemKind.InputSize:
                return p.Value < 1
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.InputSizeMissing, _modelLocation, p.Value)
                    : DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, _modelLocation, "InputSize", p.Value, 1, Limits.MaxWidth);
            case ProblemKind.InputSizeWithEmbedding:
                return DiagnosticInfo.Create(DiagnosticDescriptors.InputSizeWithEmbedding, _modelLocation, p.Value);
            case ProblemKind.Size when site is not null:
                string sizeName = site.Layer.Reservoir ? label + " size" : site.Layer.Kind switch
                {
                    LayerKind.Embedding => label + " width",
                    LayerKind.Dense => label + " units",
                    _ => label + " hidden size",
                };
                return DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, at, sizeName, p.Value, 1, Limits.MaxWidth);
            case ProblemKind.Vocabulary when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, at, label + " vocabulary", p.Value, 1, Limits.MaxVocabulary);
            case ProblemKind.EmbeddingNotFirst when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingNotFirst, at, site.Position);
            case ProblemKind.Leak when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.LeakOutOfRange, at, label, Text(p.Number));
            case ProblemKind.LearnLeakNeedsStart when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.LearnLeakNeedsStart, at, Text(p.Number));
            case ProblemKind.SkipDelay when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.SkipDelayOutOfRange, at, p.Value);
            case ProblemKind.ProjectionSize when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionArgument, at, site.Layer.Size, p.Value,
                    $"a projection must be smaller than the hidden size {site.Layer.Size} (PyTorch's proj_size < hidden_size) and not negative; use a value in 1…{site.Layer.Size - 1}, or 0 for none");
            case ProblemKind.ProjectionWithPeepholes when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionArgument, at, site.Layer.Size, p.Value,
                    "the layer also has Peepholes = true, and an LSTM may have peepholes or a projection, not both; remove Peepholes = true or ProjectionSize");
            case ProblemKind.ProjectionWithRecurrentDropout when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ProjectionArgument, at, site.Layer.Size, p.Value,
                    "the layer also has RecurrentDropout, which is not implemented on a projected h; remove RecurrentDropout or ProjectionSize (Dropout on the outputs is fine)");
            case ProblemKind.ClockPeriods when site is not null && NetworkRules.ClockworkProblem(site.Layer.Description) is { } clockwork:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ClockPeriodsInvalid, at, string.Join(", ", site.Layer.ClockPeriods), clockwork);
            case ProblemKind.ReplaceUnitDelay when site is not null && NetworkRules.ReplaceUnitDelayProblem(site.Layer.Description) is { } replace:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ReplaceUnitDelayInvalid, at, replace);
            case ProblemKind.Dropout when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.DropoutOutOfRange, at, label, PropertyName(p.Property), Text(p.Number),
                    "is outside the valid range [0, 1): p is the probability of dropping each value (0: no dropout; 1 would drop everything); choose 0 ≤ p < 1, e.g. 0.2f");
            case ProblemKind.DropoutOnFinalLayer when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.DropoutOutOfRange, at, label, "Dropout", Text(p.Number),
                    "is on the final layer, whose outputs are the prediction the loss scores; put Dropout (0 ≤ p < 1) on a layer before it, or remove it");
            case ProblemKind.LearnInitialState when site is not null:
                // The attributes reach this rule only through SkipDelay ([Reservoir] has no LearnInitialState).
                return DiagnosticInfo.Create(DiagnosticDescriptors.LearnInitialStateConflict, at, label, p.Value > 0
                    ? $"with SkipDelay = {p.Value} the state is the last {p.Value} hidden states, which one learned h(0) does not define; remove SkipDelay or LearnInitialState"
                    : p.Message);
            case ProblemKind.SpectralRadius when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, at, "SpectralRadius", Text(p.Number), "a finite number > 0 (typically just below 1)");
            case ProblemKind.Density when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, at, "Density", Text(p.Number), "in (0, 1] (the fraction of non-zero recurrent weights)");
            case ProblemKind.InputScaling when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, at, "InputScaling", Text(p.Number), "a finite number > 0");
            case ProblemKind.Activation when site is { Layer.Kind: LayerKind.Rnn }:
                return DiagnosticInfo.Create(DiagnosticDescriptors.RnnActivation, at, (Activation)p.Value);
            case ProblemKind.SoftmaxNotFinal when site is not null:
                return DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotFinal, at, site.Position);
            case ProblemKind.LossNeedsFinalDense when _layers.Count > 0:
                var loss = (LossKind)p.Value;
                string allowed = loss == LossKind.CrossEntropy ? "Identity (logits) or Softmax" : "Identity (logits) or Sigmoid";
                return DiagnosticInfo.Create(DiagnosticDescriptors.LossNeedsFinalDense, _modelLocation, loss, allowed, $"layer {_layers.Count}, {_layers[_layers.Count - 1].Declaration}");
            case ProblemKind.ParameterCount:
                return DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, _modelLocation, "the parameter count", p.Value, 0, Limits.MaxParameterCount);
            case ProblemKind.CacheSize:
                return DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, _modelLocation, "MaxSteps × the layer widths (BPTT cache floats)", p.Value, 1, Limits.MaxCacheFloats);
            default:
                // The attributes cannot express the other rules' properties (a Bidirectional Dense layer, a reservoir
                // with a skip delay, …): reaching one means the parser built a layer the attributes cannot declare.
                return DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, at, _className, "unexpected rule " + p.Kind + ": " + p.Message);
        }
    }

    /// <summary>The property of a rule's field, e.g. <c>RecurrentDropout</c> of <c>Layers[1].RecurrentDropout</c>.</summary>
    private static string PropertyName(string property) => property.Substring(property.LastIndexOf('.') + 1);

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
