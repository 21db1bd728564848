using System.Collections.Generic;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;

namespace RnnGen.Generators.Weights;

/// <summary>
/// A model with the parameters its weights file bakes in (null without <c>Weights</c>), or the problems that
/// stop it from being emitted, as diagnostics without a location (<see cref="ParseResult.Location"/> supplies it).
/// Equal when the model and the file's content are, so the parameters are not compared float by float.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Parameters">The parameters in the model's layout; null when the model names no weights file, or it did not fit.</param>
/// <param name="ContentHash">The weights file's content hash (stands for <paramref name="Parameters"/> in the equality).</param>
/// <param name="Problems">RNNG018 / RNNG019 to report on the model's [RnnModel] attribute; the model is not emitted when there are any.</param>
internal sealed record BakedModel(ModelSpec Model, float[]? Parameters, string? ContentHash, EquatableArray<DiagnosticInfo> Problems)
{
    /// <summary>Reads <paramref name="file"/> (the one <paramref name="model"/> names, or null) into the model's layout.</summary>
    public static BakedModel Bake(ModelSpec model, WeightsFile? file)
    {
        if (model.Weights is null) return new BakedModel(model, null, null, EquatableArray<DiagnosticInfo>.Empty);
        if (file is null || !file.Exists)
            return Failed(model, file, DiagnosticInfo.Create(DiagnosticDescriptors.WeightsFileNotGiven, null, model.Weights, file?.Path ?? model.Weights));
        if (file.Bytes is null)
            return Failed(model, file, DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, null, file.Path, "cannot be read: " + file.ReadError));
        var (tensors, parameterCount) = BakedWeights.ExpectedTensors(model);
        var problems = new List<string>();
        float[]? parameters = BakedWeights.Read(file.Bytes, tensors, parameterCount, problems);
        var diagnostics = new List<DiagnosticInfo>();
        foreach (string problem in problems)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, null, System.IO.Path.GetFileName(file.Path), problem));
        return new BakedModel(model, parameters, file.Hash, diagnostics.ToEquatableArray());
    }

    private static BakedModel Failed(ModelSpec model, WeightsFile? file, DiagnosticInfo problem) =>
        new(model, null, file?.Hash, new[] { problem }.ToEquatableArray());

    /// <summary>Equal models with equal file content have equal parameters: the floats are not compared.</summary>
    public bool Equals(BakedModel? other) =>
        other is not null && Model.Equals(other.Model) && ContentHash == other.ContentHash && Problems.Equals(other.Problems);

    /// <inheritdoc/>
    public override int GetHashCode() => Model.GetHashCode() * 31 + (ContentHash?.GetHashCode() ?? 0);
}
