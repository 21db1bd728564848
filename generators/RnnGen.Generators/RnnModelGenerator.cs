using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generators.Model;

namespace RnnGen.Generators;

/// <summary>
/// Generates a fixed-size network for every <c>[RnnModel]</c> partial class: constants for every size, SIMD
/// forward and BPTT code, a fixed-size <c>State</c> struct, and no allocation after construction.
/// Pipeline: [RnnModel] class → <see cref="ParseResult"/> (Parser) → diagnostics, and → <see cref="ModelSpec"/> → source (Emitter).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnModelGenerator : IIncrementalGenerator
{
    internal const string RnnModelAttributeName = "RnnGen.RnnModelAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                RnnModelAttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) => context.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValuesProvider<ModelSpec> models = results
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (context, model) =>
        {
            string source;
            try
            {
                source = Emitter.Emit(model);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.ClassName, e.Message));
                return;
            }
            context.AddSource(model.HintName, source);
        });
    }
}
