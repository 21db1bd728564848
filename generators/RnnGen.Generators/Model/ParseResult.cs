using RnnGen.Generators.Helpers;

namespace RnnGen.Generators.Model;

/// <summary>What the parser produced: a model when the declaration is valid, where its [RnnModel] attribute is
/// (for the diagnostics about its weights file), and diagnostics either way.</summary>
internal sealed record ParseResult(ModelSpec? Model, LocationInfo? Location, EquatableArray<DiagnosticInfo> Diagnostics);
