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

namespace RnnGen.Generators;

public sealed partial class RnnModelGenerator
{
    /// <summary>Turns an [RnnModel] declaration into a <see cref="ModelSpec"/> or diagnostics. Never throws
    /// (except for cancellation): anything unexpected becomes RNNG000 on the [RnnModel] attribute.</summary>
    internal static class Parser
    {
        // The same limits as RnnGen.NetworkSpec.
        public const int MaxWidth = 8192;
        public const int MaxVocabulary = 1 << 22;
        public const int MaxLayers = 16;
        public const int MaxSequenceLength = 1 << 20;
        public const long MaxParameterCount = int.MaxValue / 2;
        public const int MaxSkipDelay = 1024;

        private static readonly Dictionary<string, LayerKind> LayerAttributes = new()
        {
            ["RnnGen.EmbeddingAttribute"] = LayerKind.Embedding,
            ["RnnGen.RnnAttribute"] = LayerKind.Rnn,
            ["RnnGen.ReservoirAttribute"] = LayerKind.Rnn,
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
                return new ParseResult(diagnostics.Count == 0 ? model : null, diagnostics.ToEquatableArray());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, modelLocation, className, e.GetType().Name + ": " + e.Message));
                return new ParseResult(null, diagnostics.ToEquatableArray());
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
                    case "Loss": loss = (LossKind)number; CheckEnum(loss, "Loss", modelLocation, diagnostics); break;
                    case "Reduction": reduction = (Reduction)number; CheckEnum(reduction, "Reduction", modelLocation, diagnostics); break;
                    case "Output": output = (OutputMode)number; CheckEnum(output, "Output", modelLocation, diagnostics); break;
                }
            }
            if (maxSteps < 1)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MaxStepsMissing, modelLocation, maxSteps));
            else if (maxSteps > MaxSequenceLength)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, modelLocation, "MaxSteps", maxSteps, 1, MaxSequenceLength));

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
            if (layerAttributes.Count > MaxLayers)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, modelLocation, "the number of layers", layerAttributes.Count, 1, MaxLayers));

            var layers = new List<LayerModel>();
            for (int i = 0; i < layerAttributes.Count; i++)
            {
                var (data, kind, syntax) = layerAttributes[i];
                LocationInfo? location = LocationInfo.From(syntax) ?? modelLocation;
                LayerModel? layer = data.AttributeClass?.ToDisplayString() == "RnnGen.ReservoirAttribute"
                    ? ParseReservoir(data, location, diagnostics)
                    : ParseLayer(data, kind, i, layerAttributes.Count, $"layer {i + 1} of {layerAttributes.Count}, [{syntax}]", location, diagnostics);
                if (layer is null) return null; // malformed arguments: the compiler reports those
                layers.Add(layer);
            }

            // Whole-network rules.
            if (layers[0].Kind == LayerKind.Embedding)
            {
                if (inputSize != 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputSizeWithEmbedding, modelLocation, inputSize));
            }
            else if (inputSize < 1)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputSizeMissing, modelLocation, inputSize));
            else if (inputSize > MaxWidth)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, modelLocation, "InputSize", inputSize, 1, MaxWidth));

            LayerModel last = layers[layers.Count - 1];
            if (loss == LossKind.CrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Softmax)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossNeedsFinalDense, modelLocation, "CrossEntropy", "Identity (logits) or Softmax", $"layer {layers.Count}, {last.Declaration}"));
            if (loss == LossKind.BinaryCrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Sigmoid)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossNeedsFinalDense, modelLocation, "BinaryCrossEntropy", "Identity (logits) or Sigmoid", $"layer {layers.Count}, {last.Declaration}"));

            long parameters = CountParameters(inputSize, layers);
            if (parameters > MaxParameterCount)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, modelLocation, "the parameter count", parameters, 0, MaxParameterCount));
            long cache = (long)maxSteps * layers.Sum(l => (long)l.OutputWidth * 8 + (long)l.StateWidthPerDirection * l.Directions);
            if (maxSteps >= 1 && cache > int.MaxValue)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, modelLocation, "MaxSteps × the layer widths (BPTT cache floats)", cache, 1, int.MaxValue));

            if (diagnostics.Count > 0) return null;
            string? ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            string accessibility = symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            return new ModelSpec(ns, symbol.Name, accessibility, inputSize, maxSteps, loss, reduction, output, layers.ToEquatableArray(),
                string.IsNullOrWhiteSpace(weights) ? null : weights, modelLocation);
        }

        private static LayerModel? ParseLayer(AttributeData data, LayerKind kind, int index, int count, string position, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            ImmutableArray<TypedConstant> args = data.ConstructorArguments;
            if (args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null)) return null;
            int Arg(int i) => (int)args[i].Value!;
            int size, vocabulary = 0;
            var activation = kind == LayerKind.Dense ? Activation.Identity : kind == LayerKind.Embedding ? Activation.Identity : Activation.Tanh;
            bool bidirectional = false;
            float leak = 0f;
            int skipDelay = 0;
            bool learnLeak = false;
            string label = AttributeLabel(kind);
            switch (kind)
            {
                case LayerKind.Embedding:
                    if (args.Length != 2) return null;
                    vocabulary = Arg(0);
                    size = Arg(1);
                    if (vocabulary is < 1 or > MaxVocabulary)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, location, label + " vocabulary", vocabulary, 1, MaxVocabulary));
                    if (index != 0)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingNotFirst, location, position));
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
            }
            if (kind == LayerKind.Rnn && learnLeak && leak == 0f)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LearnLeakNeedsStart, location, Text(leak)));
            if (kind == LayerKind.Rnn && skipDelay is 1 or < 0 or > MaxSkipDelay)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SkipDelayOutOfRange, location, skipDelay));
            if (kind == LayerKind.Rnn && !(leak >= 0f && leak < 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LeakOutOfRange, location, label, Text(leak)));

            string sizeName = kind switch { LayerKind.Embedding => label + " width", LayerKind.Dense => label + " units", _ => label + " hidden size" };
            if (size is < 1 or > MaxWidth)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, location, sizeName, size, 1, MaxWidth));
            if (CheckEnum(activation, label + " Activation", location, diagnostics))
            {
                if (kind == LayerKind.Rnn && activation is not (Activation.Tanh or Activation.Relu))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RnnActivation, location, activation));
                if (kind == LayerKind.Dense && activation == Activation.Softmax && index != count - 1)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotFinal, location, position));
            }
            return new LayerModel(kind, size, activation, bidirectional, vocabulary, kind == LayerKind.Rnn ? leak : 0f,
                SkipDelay: kind == LayerKind.Rnn ? skipDelay : 0, LearnLeak: kind == LayerKind.Rnn && learnLeak);
        }

        /// <summary>[Reservoir(size, SpectralRadius, Density, InputScaling, Leak)]: a fixed, tanh, one-direction Elman layer.</summary>
        private static LayerModel? ParseReservoir(AttributeData data, LocationInfo? location, List<DiagnosticInfo> diagnostics)
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
            if (size is < 1 or > MaxWidth)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOutOfRange, location, "[Reservoir] size", size, 1, MaxWidth));
            if (!(radius > 0f && !float.IsInfinity(radius)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, location, "SpectralRadius", Text(radius), "a finite number > 0 (typically just below 1)"));
            if (!(density > 0f && density <= 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, location, "Density", Text(density), "in (0, 1] (the fraction of non-zero recurrent weights)"));
            if (!(scaling > 0f && !float.IsInfinity(scaling)))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReservoirArgument, location, "InputScaling", Text(scaling), "a finite number > 0"));
            if (!(leak >= 0f && leak < 1f))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LeakOutOfRange, location, "[Reservoir]", Text(leak)));
            return new LayerModel(LayerKind.Rnn, size, Activation.Tanh, false, 0, leak, Reservoir: true, radius, density, scaling);
        }

        private static string Text(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        private static bool CheckEnum<TEnum>(TEnum value, string field, LocationInfo? location, List<DiagnosticInfo> diagnostics) where TEnum : struct, Enum
        {
            if (Enum.IsDefined(typeof(TEnum), value)) return true;
            string names = string.Join(", ", Enum.GetNames(typeof(TEnum)).Select(n => typeof(TEnum).Name + "." + n));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, location, field, Convert.ToInt32(value), typeof(TEnum).Name, names));
            return false;
        }

        private static string AttributeLabel(LayerKind kind) => "[" + kind + "]";

        private static long CountParameters(int inputSize, List<LayerModel> layers)
        {
            long total = 0, width = inputSize;
            foreach (LayerModel l in layers)
            {
                total += l.Kind switch
                {
                    LayerKind.Embedding => (long)l.Vocabulary * l.Size,
                    LayerKind.Dense => (long)l.Size * width + l.Size,
                    _ => l.Directions * ((long)l.GateCount * l.Size * (width + l.Size + 2) + (l.HasSkip ? (long)l.Size * l.Size : 0) + (l.HasLearnedLeak ? l.Size : 0)),
                };
                width = l.OutputWidth;
            }
            return total;
        }

        private static LocationInfo? LocationOf(AttributeData attribute, CancellationToken cancellationToken) =>
            LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
    }
}
