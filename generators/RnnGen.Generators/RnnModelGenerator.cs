using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generators.Emitting;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Parsing;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators;

/// <summary>
/// Generates a fixed-size network for every <c>[RnnModel]</c> partial class: constants for every size, SIMD
/// forward and BPTT code, a fixed-size <c>State</c> struct, and no allocation after construction.
/// Pipeline: [RnnModel] class → <see cref="ParseResult"/> (Parsing) → diagnostics, and → <see cref="ModelSpec"/>
/// → + its weights file (Weights) → <see cref="BakedModel"/> → source (Emitter). Each step's value holds no symbol,
/// syntax or location, so an edit that does not change the model (a comment above the class) re-emits nothing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnModelGenerator : IIncrementalGenerator
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

        // The model without its location: equal after edits elsewhere in the file.
        IncrementalValuesProvider<ModelSpec> models = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);

        // [RnnModel(Weights = …)]: the file, relative to the project directory (build_property.ProjectDir) unless rooted.
        // The compiler refuses binary AdditionalFiles (CS2015), so the generator reads the file itself; nothing tells
        // the driver when it changes, so its directory entry is looked at for every compilation (Build): a new length or
        // write time re-reads and re-bakes it, so a long-lived driver (IDE, compiler server) picks up a retrained file,
        // and an unchanged one is neither read nor re-emitted.
        IncrementalValueProvider<string?> projectDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.ProjectDir", out string? directory) ? directory : null)
            .WithTrackingName(TrackingNames.WeightFiles);
        IncrementalValueProvider<BuildStamp> build = context.CompilationProvider
            .Select(static (_, _) => new BuildStamp())
            .WithTrackingName(TrackingNames.Build);

        IncrementalValuesProvider<(ModelSpec Model, WeightsStamp? Stamp)> withWeights = models
            .Combine(projectDirectory)
            .Combine(build)
            .Select(static (item, _) =>
            {
                var ((model, directory), _) = item;
                return (model, model.Weights is null ? (WeightsStamp?)null : WeightsStamp.Of(directory, model.Weights));
            })
            .WithTrackingName(TrackingNames.ModelsWithWeights);

        // Read and baked only when the model or the file's stamp changed; the bytes are not kept.
        IncrementalValuesProvider<BakedModel> baked = withWeights
            .Select(static (item, _) => BakedModel.Bake(item.Model, item.Stamp is { } stamp ? WeightsFile.Read(stamp) : null))
            .WithTrackingName(TrackingNames.Baked);

        context.RegisterSourceOutput(baked, static (context, item) =>
        {
            if (item.Problems.Count > 0) return;   // reported below, on the model's attribute
            ModelSpec model = item.Model;
            string source;
            try
            {
                source = Emitter.Emit(model, item.Parameters);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.ClassName, e.Message));
                return;
            }
            context.AddSource(model.HintName, source);
        });

        // RNNG018 / RNNG019 on the [RnnModel] attribute: the location joins here, after the source is written.
        IncrementalValueProvider<ImmutableArray<(string HintName, EquatableArray<DiagnosticInfo> Problems)>> weightProblems = baked
            .Where(static item => item.Problems.Count > 0)
            .Select(static (item, _) => (item.Model.HintName, item.Problems))
            .Collect();
        IncrementalValuesProvider<DiagnosticInfo> weightDiagnostics = results
            .Where(static result => result.Model?.Weights is not null)
            .Combine(weightProblems)
            .SelectMany(static (pair, _) =>
            {
                var (result, problems) = pair;
                return problems
                    .Where(p => p.HintName == result.Model!.HintName)
                    .SelectMany(p => p.Problems)
                    .Select(d => d with { Location = result.Location })
                    .ToImmutableArray();
            })
            .WithTrackingName(TrackingNames.WeightsDiagnostics);
        context.RegisterSourceOutput(weightDiagnostics, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }

    /// <summary>A value new with every compilation (reference equality), so the steps that read the weights file re-run.</summary>
    private sealed class BuildStamp;
}
