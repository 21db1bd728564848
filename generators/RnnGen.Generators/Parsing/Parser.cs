using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Geometry;

namespace RnnGen.Generators.Parsing;

/// <summary>Turns an [RnnModel] declaration into a <see cref="ModelSpec"/> or diagnostics. Never throws
/// (except for cancellation): anything unexpected becomes RNNG000 on the [RnnModel] attribute. The rules are the
/// runtime's own (<see cref="NetworkRules"/>, linked in), run as each part is read; <see cref="ProblemDiagnostics"/>
/// turns each problem into its located RNNG diagnostic.</summary>
internal static class Parser
{
    /// <summary>The [RnnModel] attribute's metadata name.</summary>
    public const string RnnModelAttributeName = "RnnGen.RnnModelAttribute";

    private const string ReservoirAttributeName = "RnnGen.ReservoirAttribute";

    private static readonly Dictionary<string, LayerKind> LayerAttributes = new()
    {
        ["RnnGen.EmbeddingAttribute"] = LayerKind.Embedding,
        ["RnnGen.RnnAttribute"] = LayerKind.Rnn,
        [ReservoirAttributeName] = LayerKind.Rnn,
        ["RnnGen.LstmAttribute"] = LayerKind.Lstm,
        ["RnnGen.GruAttribute"] = LayerKind.Gru,
        ["RnnGen.DenseAttribute"] = LayerKind.Dense,
    };

    /// <summary>The layer attributes' metadata names.</summary>
    public static readonly string[] LayerAttributeNames = LayerAttributes.Keys.ToArray();

    /// <summary>RNNG020 for each layer attribute on a type that has no [RnnModel] (on any of its declarations).</summary>
    public static EquatableArray<DiagnosticInfo> StrayLayers(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == RnnModelAttributeName))
            return EquatableArray<DiagnosticInfo>.Empty;
        var diagnostics = new List<DiagnosticInfo>();
        foreach (AttributeData attribute in context.Attributes)
        {
            string name = attribute.AttributeClass?.Name ?? "the layer attribute";
            if (name.EndsWith("Attribute", StringComparison.Ordinal)) name = name.Substring(0, name.Length - "Attribute".Length);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerWithoutModel,
                LocationOf(attribute, cancellationToken) ?? LocationInfo.From(context.TargetNode), "[" + name + "]", context.TargetSymbol.Name));
        }
        return diagnostics.ToEquatableArray();
    }

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        AttributeData modelAttribute = context.Attributes[0];
        LocationInfo? modelLocation = LocationOf(modelAttribute, cancellationToken) ?? LocationInfo.From(context.TargetNode);
        string className = context.TargetSymbol.Name;
        try
        {
            ModelSpec? model = ParseCore(context, modelAttribute, modelLocation, diagnostics, cancellationToken);
            return new ParseResult(diagnostics.Count == 0 ? model : null, modelLocation, diagnostics.ToEquatableArray());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, modelLocation, className, e.GetType().Name + ": " + e.Message));
            return new ParseResult(null, modelLocation, diagnostics.ToEquatableArray());
        }
    }

    private static ModelSpec? ParseCore(GeneratorAttributeSyntaxContext context, AttributeData modelAttribute, LocationInfo? modelLocation,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        if (context.TargetNode is not ClassDeclarationSyntax classSyntax)
        {
            string what = context.TargetNode is RecordDeclarationSyntax record
                ? (record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "a record struct" : "a record")
                : context.TargetNode is StructDeclarationSyntax ? "a struct" : "not a class";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, modelLocation, symbol.Name, what));
            return null;
        }

        // The class itself.
        if (!classSyntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, modelLocation, symbol.Name));
        if (symbol.ContainingType is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, modelLocation, symbol.Name, $"nested in '{symbol.ContainingType.Name}'"));
        if (symbol.IsGenericType)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, modelLocation, symbol.Name, "generic"));
        if (symbol.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, modelLocation, symbol.Name, "static"));

        var layers = new List<LayerModel>();
        var model = new ProblemDiagnostics(symbol.Name, modelLocation, diagnostics, layers);
        var problems = new List<NetworkProblem>();

        // [RnnModel] arguments.
        int inputSize = 0, maxSteps = 0;
        LossKind loss = LossKind.MeanSquaredError;
        Reduction reduction = Reduction.Mean;
        OutputMode output = OutputMode.EveryStep;
        string? weights = null;
        foreach (KeyValuePair<string, TypedConstant> argument in modelAttribute.NamedArguments)
        {
            object? value = argument.Value.Kind == TypedConstantKind.Error ? null : argument.Value.Value;
            if (argument.Key == "Weights" && value is string w) weights = w;
            if (value is not int number) continue; // the compiler reports malformed arguments itself
            switch (argument.Key)
            {
                case "InputSize": inputSize = number; break;
                case "MaxSteps": maxSteps = number; break;
                case "Loss": loss = (LossKind)number; NetworkRules.CheckDefined(loss, "Loss", -1, problems); break;
                case "Reduction": reduction = (Reduction)number; NetworkRules.CheckDefined(reduction, "Reduction", -1, problems); break;
                case "Output": output = (OutputMode)number; NetworkRules.CheckDefined(output, "Output", -1, problems); break;
            }
        }
        NetworkRules.CheckMaxSteps(maxSteps, problems);
        model.Report(problems, null);

        // Layer attributes, in source order; all on the declaration that carries [RnnModel].
        SyntaxNode? modelDeclaration = modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<ClassDeclarationSyntax>();
        var layerAttributes = new List<(AttributeData Data, LayerKind Kind, SyntaxNode? Syntax)>();
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            string? name = attribute.AttributeClass?.ToDisplayString();
            if (name is null || !LayerAttributes.TryGetValue(name, out LayerKind kind)) continue;
            layerAttributes.Add((attribute, kind, attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)));
        }
        if (layerAttributes.Any(a => a.Syntax?.FirstAncestorOrSelf<ClassDeclarationSyntax>() != modelDeclaration))
        {
            var stray = layerAttributes.First(a => a.Syntax?.FirstAncestorOrSelf<ClassDeclarationSyntax>() != modelDeclaration);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, LocationInfo.From(stray.Syntax) ?? modelLocation, symbol.Name));
            return null;
        }
        layerAttributes.Sort((a, b) => (a.Syntax?.SpanStart ?? 0).CompareTo(b.Syntax?.SpanStart ?? 0));
        if (layerAttributes.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, modelLocation, symbol.Name));
            return null;
        }
        NetworkRules.CheckLayerCount(layerAttributes.Count, problems);
        model.Report(problems, null);

        for (int i = 0; i < layerAttributes.Count; i++)
        {
            var (data, kind, syntax) = layerAttributes[i];
            bool reservoir = data.AttributeClass?.ToDisplayString() == ReservoirAttributeName;
            LayerModel? layer = reservoir ? ReadReservoir(data) : ReadLayer(data, kind);
            if (layer is null) return null; // malformed arguments: the compiler reports those
            NetworkRules.CheckLayer(layer.Description, i, layerAttributes.Count, problems);
            model.Report(problems, new ProblemDiagnostics.LayerSite(layer, $"layer {i + 1} of {layerAttributes.Count}, [{syntax}]", LocationInfo.From(syntax) ?? modelLocation));
            layers.Add(layer);
        }

        // Whole-network rules.
        LayerDescription[] descriptions = layers.Select(l => l.Description).ToArray();
        NetworkRules.CheckInputSize(inputSize, descriptions[0], problems);
        NetworkRules.CheckLoss(loss, descriptions[descriptions.Length - 1], descriptions.Length, problems);
        NetworkRules.CheckSizes(inputSize, descriptions, maxSteps, cacheHoldsState: true, problems);   // the generated cache records states too
        model.Report(problems, null);

        if (diagnostics.Count > 0) return null;
        string? ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        string accessibility = symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
        return new ModelSpec(ns, symbol.Name, accessibility, inputSize, maxSteps, loss, reduction, output, layers.ToEquatableArray(),
            string.IsNullOrWhiteSpace(weights) ? null : weights);
    }

    /// <summary>[Embedding(vocabulary, width)], [Rnn(hidden, …)], [Lstm(hidden, …)], [Gru(hidden, …)], [Dense(units, activation)]
    /// as values; null when the arguments are malformed (the compiler reports those).</summary>
    private static LayerModel? ReadLayer(AttributeData data, LayerKind kind)
    {
        ImmutableArray<TypedConstant> args = data.ConstructorArguments;
        if (args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null)) return null;
        int Arg(int i) => (int)args[i].Value!;
        int size, vocabulary = 0;
        var activation = kind is LayerKind.Dense or LayerKind.Embedding ? Activation.Identity : Activation.Tanh;
        bool bidirectional = false;
        float leak = 0f;
        int skipDelay = 0, projectionSize = 0;
        bool learnLeak = false, peepholes = false, replaceUnitDelay = false, learnInitialState = false, resetAfter = true;
        int[]? clockPeriods = null;
        float dropout = 0f, recurrentDropout = 0f;
        switch (kind)
        {
            case LayerKind.Embedding:
                if (args.Length != 2) return null;
                vocabulary = Arg(0);
                size = Arg(1);
                break;
            case LayerKind.Dense:
                if (args.Length is < 1 or > 2) return null;
                size = Arg(0);
                if (args.Length == 2) activation = (Activation)Arg(1);
                break;
            default:
                if (args.Length != 1) return null;
                size = Arg(0);
                break;
        }
        foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error) return null;
            if (named.Key == "Bidirectional" && named.Value.Value is bool b) bidirectional = b;
            else if (named.Key == "Activation" && named.Value.Value is int a) activation = (Activation)a;
            else if (named.Key == "Leak" && named.Value.Value is float l) leak = l;
            else if (named.Key == "SkipDelay" && named.Value.Value is int d) skipDelay = d;
            else if (named.Key == "LearnLeak" && named.Value.Value is bool learn) learnLeak = learn;
            else if (named.Key == "Peepholes" && named.Value.Value is bool peep) peepholes = peep;
            else if (named.Key == "ProjectionSize" && named.Value.Value is int projection) projectionSize = projection;
            else if (named.Key == "ReplaceUnitDelay" && named.Value.Value is bool replace) replaceUnitDelay = replace;
            else if (named.Key == "ClockPeriods")
            {
                // new[] { 1, 2, 4, 8 }; null (ClockPeriods = null) is an ordinary layer
                if (named.Value.IsNull) continue;
                if (named.Value.Kind != TypedConstantKind.Array || named.Value.Values.Any(v => v.Value is not int)) return null;
                clockPeriods = named.Value.Values.Select(v => (int)v.Value!).ToArray();
            }
            else if (named.Key == "Dropout" && named.Value.Value is float p) dropout = p;
            else if (named.Key == "RecurrentDropout" && named.Value.Value is float r) recurrentDropout = r;
            else if (named.Key == "LearnInitialState" && named.Value.Value is bool learnState) learnInitialState = learnState;
            else if (named.Key == "ResetAfter" && named.Value.Value is bool after) resetAfter = after;
        }
        bool rnn = kind == LayerKind.Rnn;
        return new LayerModel(kind, size, activation, bidirectional, vocabulary, rnn ? leak : 0f,
            SkipDelay: rnn ? skipDelay : 0, LearnLeak: rnn && learnLeak, ReplaceUnitDelay: rnn && replaceUnitDelay, Peepholes: kind == LayerKind.Lstm && peepholes,
            ClockPeriods: rnn && clockPeriods is not null ? clockPeriods.ToEquatableArray() : default, ClockDeclared: rnn && clockPeriods is not null,
            Dropout: dropout, RecurrentDropout: LayerGeometry.IsRecurrentKind(kind) ? recurrentDropout : 0f,
            ProjectionSize: kind == LayerKind.Lstm ? projectionSize : 0, LearnInitialState: LayerGeometry.IsRecurrentKind(kind) && learnInitialState,
            ResetAfter: kind != LayerKind.Gru || resetAfter);
    }

    /// <summary>[Reservoir(size, SpectralRadius, Density, InputScaling, Leak)]: a fixed, tanh, one-direction Elman layer.</summary>
    private static LayerModel? ReadReservoir(AttributeData data)
    {
        ImmutableArray<TypedConstant> args = data.ConstructorArguments;
        if (args.Length != 1 || args[0].Kind == TypedConstantKind.Error || args[0].Value is not int size) return null;
        float radius = 0.9f, density = 0.1f, scaling = 1f, leak = 0f;
        foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error) return null;
            if (named.Value.Value is not float value) continue;
            switch (named.Key)
            {
                case "SpectralRadius": radius = value; break;
                case "Density": density = value; break;
                case "InputScaling": scaling = value; break;
                case "Leak": leak = value; break;
            }
        }
        return new LayerModel(LayerKind.Rnn, size, Activation.Tanh, false, 0, leak, Reservoir: true, radius, density, scaling);
    }

    private static LocationInfo? LocationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
}
