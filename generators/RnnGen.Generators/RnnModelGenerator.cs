using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generators.Model;
using RnnGen.Generators.Parsing;

namespace RnnGen.Generators;

/// <summary>
/// Generates a fixed-size network for every <c>[RnnModel]</c> partial class: constants for every size, SIMD
/// forward and BPTT code, a fixed-size <c>State</c> struct, and no allocation after construction.
/// Pipeline: [RnnModel] class → <see cref="ParseResult"/> (Parser) → diagnostics, and → <see cref="ModelSpec"/> → source (Emitter).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnModelGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.RnnModelAttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,   // records and structs get RNNG002
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));

        // Layer attributes on a type without [RnnModel] would do nothing: RNNG020 on each of them.
        foreach (string layerAttribute in Parser.LayerAttributeNames)
        {
            IncrementalValuesProvider<DiagnosticInfo> stray = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    layerAttribute,
                    predicate: static (node, _) => node is TypeDeclarationSyntax,
                    transform: static (context, cancellationToken) => Parser.StrayLayers(context, cancellationToken))
                .SelectMany(static (diagnostics, _) => diagnostics)
                .WithTrackingName(TrackingNames.StrayLayers);
            context.RegisterSourceOutput(stray, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));
        }

        IncrementalValuesProvider<(ModelSpec Model, LocationInfo? Location)> models = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => (result.Model!, result.Location))
            .WithTrackingName(TrackingNames.Models);
        // [RnnModel(Weights = …)]: the file, relative to the project directory (build_property.ProjectDir) unless rooted,
        // with its length and write time as the cache key, so that a changed file re-runs the models that use it.
        // (The compiler refuses binary AdditionalFiles — CS2015 — so the generator reads the file itself.)
        IncrementalValueProvider<string?> projectDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.ProjectDir", out string? directory) ? directory : null)
            .WithTrackingName(TrackingNames.WeightFiles);

        IncrementalValuesProvider<((ModelSpec Model, LocationInfo? Location) Model, WeightsFileInfo? File)> withWeights = models
            .Combine(projectDirectory)
            .Select(static (pair, _) => (pair.Left, pair.Left.Model.Weights is null ? null : Locate(pair.Right, pair.Left.Model.Weights)))
            .WithTrackingName(TrackingNames.ModelsWithWeights);

        context.RegisterSourceOutput(withWeights, static (context, item) =>
        {
            var ((model, modelLocation), file) = item;
            float[]? baked = null;
            if (model.Weights is not null)
            {
                if (file is null || !file.Exists)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WeightsFileNotGiven, modelLocation?.ToLocation(), model.Weights, file?.Path ?? model.Weights));
                    return;
                }
                baked = ReadWeights(context, model, modelLocation, file);
                if (baked is null) return;
            }
            string source;
            try
            {
                source = Emitter.Emit(model, baked);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.ClassName, e.Message));
                return;
            }
            context.AddSource(model.HintName, source);
        });
    }

    /// <summary>The weights file's full path, whether it exists, and its length and write time (the cache key).</summary>
    private static WeightsFileInfo? Locate(string? projectDirectory, string weights)
    {
        try
        {
            string path = System.IO.Path.IsPathRooted(weights) || string.IsNullOrEmpty(projectDirectory)
                ? weights
                : System.IO.Path.Combine(projectDirectory, weights);
            path = System.IO.Path.GetFullPath(path);
#pragma warning disable RS1035 // File IO: the weights are a binary file the compiler cannot pass in (see Initialize).
            var info = new System.IO.FileInfo(path);
            return info.Exists ? new WeightsFileInfo(path, true, info.Length, info.LastWriteTimeUtc.Ticks) : new WeightsFileInfo(path, false, 0, 0);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or System.IO.IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null;
        }
    }

    /// <summary>Reads the weights file's bytes (the compiler has no way to hand a binary file to a generator).</summary>
    private static float[]? ReadWeights(SourceProductionContext context, ModelSpec model, LocationInfo? modelLocation, WeightsFileInfo file)
    {
        Location? location = modelLocation?.ToLocation();
        byte[] bytes;
        try
        {
#pragma warning disable RS1035 // File IO: AdditionalText has no binary API; see the summary.
            bytes = System.IO.File.ReadAllBytes(file.Path);
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WeightsMismatch, location, file.Path, "cannot be read: " + e.Message));
            return null;
        }
        var (tensors, parameterCount) = Emitter.ExpectedTensors(model);
        var problems = new System.Collections.Generic.List<string>();
        float[]? parameters = BakedWeights.Read(bytes, tensors, parameterCount, problems);
        foreach (string problem in problems)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.WeightsMismatch, location, System.IO.Path.GetFileName(file.Path), problem));
        return parameters;
    }
}

/// <summary>A weights file: its full path, whether it exists, and its length and write time (the cache key).</summary>
internal sealed record WeightsFileInfo(string Path, bool Exists, long Length, long WriteTicks);
