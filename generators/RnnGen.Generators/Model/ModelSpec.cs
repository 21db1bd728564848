using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Geometry;

namespace RnnGen.Generators.Model;

/// <summary>
/// Everything the emitter needs about one [RnnModel] class; no symbols, syntax, compilation or location, so that an
/// edit elsewhere in the file (a comment or a using above the class) leaves it equal and nothing is re-emitted.
/// The location travels beside it, in <see cref="ParseResult"/>.
/// </summary>
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
    string? Weights = null)
{
    public string HintName => (Namespace is null ? "" : Namespace + ".") + ClassName + ".g.cs";
    public bool UsesTokens => Layers[0].Kind == LayerKind.Embedding;
    public int OutputSize => Layers[Layers.Count - 1].OutputWidth;

    /// <summary>The shared geometry: every layer's sizes, parameter and state offsets, and every tensor.</summary>
    public NetworkGeometry Geometry => NetworkGeometry.Of(InputSize, Layers.Select(l => l.Description).ToArray());
}
