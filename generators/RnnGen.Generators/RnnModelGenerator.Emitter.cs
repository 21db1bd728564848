using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Weights;

namespace RnnGen.Generators;

public sealed partial class RnnModelGenerator
{
    /// <summary>Writes the generated partial class from a <see cref="ModelSpec"/> alone.</summary>
    internal static class Emitter
    {
        private const string K = "global::RnnGen.Kernels.VectorKernels";
        private const string Act = "global::RnnGen.Kernels.Activations";
        private const string FM = "global::RnnGen.Kernels.FastMath";
        private const string Span = "global::System.Span<float>";
        private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
        private const string ReadOnlySpanInt = "global::System.ReadOnlySpan<int>";
        private const string MethodImpl = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";
        private const string NoInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]";

        /// <summary>Largest per-call scratch (floats) a streaming step puts on the stack; beyond it, thread-local arrays.</summary>
        private const int MaxStackFloats = 16 * 1024;

        /// <summary>Sizes and offsets of one layer, all known at generation time.</summary>
        private sealed class Plan
        {
            public int Index;
            public LayerModel Layer = null!;
            public int In, Out, H, Directions;
            public int ParamOffset, DirectionParams;     // parameters of one direction (recurrent) or of the layer
            public int StateOffset, StateWidth;          // state floats per direction
            public int CacheWidth;                       // recorded floats per step and direction
            public int ScratchWidth;                     // backward scratch floats
            public int PackedOffset, PackedPerDirection; // forward weights in the packed (transposed) layout
            public bool InlineCell;                      // Step calls this layer's only cell once: inline it there
            public bool Streaming;                       // the model has a streaming Step (no bidirectional layer)
            public string Name => $"Layer{Index}";
            public string Title => Layer.Kind switch
            {
                LayerKind.Embedding => $"Embedding({Layer.Vocabulary} ids → {Layer.Size})",
                LayerKind.Dense => $"Dense({In} → {Layer.Size}, {Layer.Activation})",
                LayerKind.Rnn when Layer.Reservoir => $"Reservoir({In} → {H}, tanh, ρ = {Float(Layer.SpectralRadius)}, density {Float(Layer.Density)}, input scaling {Float(Layer.InputScaling)}{(Layer.IsLeaky ? ", leaky α = " + Float(Layer.Leak) : "")}; fixed weights)",
                LayerKind.Rnn => $"Elman RNN({In} → {H}, {Layer.Activation}{(Layer.IsLeaky ? (Layer.HasLearnedLeak ? ", leak learned per unit from α = " : ", leaky α = ") + Float(Layer.Leak) : "")}{(Layer.HasSkip ? ", skip d = " + Layer.SkipDelay : "")}{(Directions == 2 ? ", bidirectional" : "")})",
                _ => $"{Layer.Kind.ToString().ToUpperInvariant()}({In} → {H}{(Directions == 2 ? ", bidirectional" : "")})",
            };
            // Offsets inside one direction's parameters: W_ih [G·H × I], W_hh [G·H × H], b_ih [G·H], b_hh [G·H].
            public int GH => Layer.GateCount * H;
            public int Wih => 0;
            public int Whh => GH * In;
            public int Bih => GH * (In + H);
            public int Bhh => GH * (In + H) + GH;
            // Offsets inside one direction's packed weights: W_ihᵀ [I × G·H], W_hhᵀ [H × G·H], then the bias:
            // b_ih + b_hh [G·H] (RNN, LSTM), or b_ih [3H] and b_hh [3H] (GRU keeps b_hn inside the reset product).
            public int PackIh => 0;
            public int PackHh => In * GH;
            public int PackBias => (In + H) * GH;
            // Skip connection through time (Rnn): W_skip [H × H] after the four PyTorch tensors; packed after the bias.
            public int Skip => Layer.HasSkip ? Layer.SkipDelay : 0;
            public int Wskip => GH * (In + H + 2);
            public int PackSkip => (In + H + 1) * GH;
            // Learned leak (Rnn): λ [H] after W_skip; α = σ(λ) is packed after W_skipᵀ (and kept in _packedBack at λ's offset).
            public bool LearnedLeak => Layer.HasLearnedLeak;
            public int LeakParam => GH * (In + H + 2) + (Skip > 0 ? H * H : 0);
            public int PackLeak => PackSkip + (Skip > 0 ? H * H : 0);
        }

        private static string F(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>Any float as a C# expression that gives back exactly its bits.</summary>
        private static string FloatLiteral(float value) =>
            float.IsNaN(value) ? "float.NaN" : float.IsPositiveInfinity(value) ? "float.PositiveInfinity" : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
            : value == 0 && 1 / value < 0 ? "-0f" : Float(value);

        /// <summary>A float as a C# literal that round-trips (e.g. <c>0.9f</c>).</summary>
        private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

        private static List<Plan> MakePlans(ModelSpec model)
        {
            var plans = new List<Plan>();
            int width = model.InputSize, parameters = 0, state = 0, packed = 0;
            for (int i = 0; i < model.Layers.Count; i++)
            {
                LayerModel l = model.Layers[i];
                var p = new Plan { Index = i, Layer = l, In = width, Out = l.OutputWidth, H = l.Size, Directions = l.Directions, ParamOffset = parameters, StateOffset = state };
                switch (l.Kind)
                {
                    case LayerKind.Embedding:
                        p.DirectionParams = l.Vocabulary * l.Size;
                        break;
                    case LayerKind.Dense:
                        p.DirectionParams = l.Size * width + l.Size;
                        p.ScratchWidth = l.Size;
                        break;
                    default:
                        p.DirectionParams = l.GateCount * l.Size * (width + l.Size + 2) + (l.HasSkip ? l.Size * l.Size : 0) + (l.HasLearnedLeak ? l.Size : 0);
                        p.StateWidth = l.StateWidthPerDirection;
                        p.CacheWidth = l.Kind switch { LayerKind.Lstm => 5 * l.Size, LayerKind.Gru => 6 * l.Size, _ => l.Size };
                        p.ScratchWidth = l.Kind switch { LayerKind.Lstm => 4 * l.Size, LayerKind.Gru => 6 * l.Size, _ => l.HasLearnedLeak ? 2 * l.Size : l.Size };   // + dλ records
                        break;
                }
                p.PackedOffset = packed;
                p.PackedPerDirection = l.Kind switch
                {
                    LayerKind.Embedding => 0,
                    LayerKind.Dense => l.Size * width + l.Size,
                    LayerKind.Gru => l.GateCount * l.Size * (width + l.Size + 2),
                    _ => l.GateCount * l.Size * (width + l.Size + 1) + (l.HasSkip ? l.Size * l.Size : 0) + (l.HasLearnedLeak ? l.Size : 0),
                };
                packed += p.PackedPerDirection * p.Directions;
                parameters += p.DirectionParams * p.Directions;
                state += p.StateWidth * p.Directions;
                width = l.OutputWidth;
                plans.Add(p);
            }
            // One cell call in Step (one recurrent layer, one direction): inlined there it ran level to 10 % faster at
            // H ≤ 32; two inlined cells (the two-layer LSTM 16→32→32→4) ran level to 16 % slower than two calls.
            var cells = plans.Where(x => x.Layer.Kind is not (LayerKind.Embedding or LayerKind.Dense)).ToList();
            if (cells.Count == 1 && cells[0].Directions == 1) cells[0].InlineCell = true;
            // A bidirectional layer's output at step t depends on later inputs: such a model cannot be stepped.
            bool streaming = plans.All(x => x.Directions == 1);
            foreach (Plan x in plans) x.Streaming = streaming;
            return plans;
        }

        /// <summary>The tensors of the model's parameter layout (names, shapes, offsets), as RnnGen.ParameterLayout lists them.</summary>
        public static (List<BakedWeights.Expected> Tensors, int ParameterCount) ExpectedTensors(ModelSpec model)
        {
            List<Plan> plans = MakePlans(model);
            var tensors = new List<BakedWeights.Expected>();
            foreach (Plan p in plans)
            {
                string prefix = $"layers.{p.Index}.";
                switch (p.Layer.Kind)
                {
                    case LayerKind.Embedding:
                        tensors.Add(new(prefix + "weight", [p.Layer.Vocabulary, p.H], p.ParamOffset));
                        break;
                    case LayerKind.Dense:
                        tensors.Add(new(prefix + "weight", [p.H, p.In], p.ParamOffset));
                        tensors.Add(new(prefix + "bias", [p.H], p.ParamOffset + p.H * p.In));
                        break;
                    default:
                        for (int d = 0; d < p.Directions; d++)
                        {
                            string suffix = d == 0 ? "_l0" : "_l0_reverse";
                            int o = p.ParamOffset + d * p.DirectionParams;
                            tensors.Add(new(prefix + "weight_ih" + suffix, [p.GH, p.In], o + p.Wih));
                            tensors.Add(new(prefix + "weight_hh" + suffix, [p.GH, p.H], o + p.Whh));
                            tensors.Add(new(prefix + "bias_ih" + suffix, [p.GH], o + p.Bih));
                            tensors.Add(new(prefix + "bias_hh" + suffix, [p.GH], o + p.Bhh));
                            if (p.Skip > 0) tensors.Add(new(prefix + "weight_skip" + suffix, [p.H, p.H], o + p.Wskip));
                            if (p.LearnedLeak) tensors.Add(new(prefix + "leak" + suffix, [p.H], o + p.LeakParam));
                        }
                        break;
                }
            }
            return (tensors, plans.Sum(p => p.DirectionParams * p.Directions));
        }

        public static string Emit(ModelSpec model, float[]? baked = null)
        {
            List<Plan> plans = MakePlans(model);
            Plan last = plans[plans.Count - 1];
            int parameterCount = plans.Sum(p => p.DirectionParams * p.Directions);
            int stateSize = plans.Sum(p => p.StateWidth * p.Directions);
            bool fusedLogits = model.Loss is LossKind.CrossEntropy or LossKind.BinaryCrossEntropy;
            int maxWidth = Math.Max(1, plans.Max(p => p.Out));
            int maxCache = Math.Max(1, plans.Max(p => Math.Max(p.CacheWidth, p.Layer.Kind == LayerKind.Dense ? p.Layer.Size : 0)));
            bool stackScratch = 2 * maxWidth + maxCache <= MaxStackFloats;

            var w = new IndentedTextWriter();
            w.WriteLine("// <auto-generated/>");
            w.WriteLine("// Generated by RnnGen from the [RnnModel] declaration of " + model.ClassName + ". Do not edit.");
            w.WriteLine("#nullable enable");
            w.WriteLine("#pragma warning disable CS1591 // members are documented on RnnGen.IRecurrentNetwork");
            w.WriteLine();
            IDisposable? ns = model.Namespace is null ? null : w.WriteBlock("namespace " + model.Namespace);
            WriteClassDocs(w, model, plans, parameterCount);
            using (w.WriteBlock($"partial class {model.ClassName} : global::RnnGen.IBatchedNetwork"))
            {
                WriteConstants(w, model, plans, parameterCount, stateSize);
                WriteStateStruct(w, plans, stateSize);
                WriteFields(w, model, plans, parameterCount, stateSize, stackScratch, maxWidth, maxCache, baked);
                WriteBasics(w, model);
                WriteStreaming(w, model, plans, stackScratch, maxWidth, maxCache);
                WriteSequences(w, model, plans);
                WriteBackward(w, model, plans, fusedLogits);
                foreach (Plan p in plans) WriteLayerForward(w, model, plans, p);
                foreach (Plan p in plans) WriteLayerBackward(w, model, plans, p, fusedLogits && p == last);
                foreach (Plan p in plans) WriteCells(w, p, fusedLogits && p == last);
                WritePacking(w, plans);
                WriteHelpers(w, model);
            }
            ns?.Dispose();
            return w.ToString();
        }

        private static void WriteClassDocs(IndentedTextWriter w, ModelSpec model, List<Plan> plans, int parameterCount)
        {
            w.WriteLine("/// <summary>");
            w.WriteLine($"/// RnnGen network: {(model.UsesTokens ? "token ids" : "input " + F(model.InputSize))} → "
                + string.Join(" → ", plans.Select(p => p.Title)) + $"; {F(parameterCount)} parameters.");
            w.WriteLine($"/// Loss {model.Loss} ({model.Reduction}), outputs at {(model.Output == OutputMode.LastStep ? "the last step" : "every step")}, at most {F(model.MaxSteps)} steps.");
            w.WriteLine("/// Every size is a constant; nothing is allocated after construction. One instance is not thread-safe,");
            w.WriteLine("/// but <c>Step(ref State, …)</c> only reads the parameters: many streams may step concurrently on one instance");
            w.WriteLine("/// while nobody writes <c>Parameters</c>.");
            w.WriteLine("/// </summary>");
        }

        private static void WriteConstants(IndentedTextWriter w, ModelSpec model, List<Plan> plans, int parameterCount, int stateSize)
        {
            w.WriteLine($"/// <summary>Floats per input step{(model.UsesTokens ? " (0: this model reads one token id per step)" : "")}.</summary>");
            w.WriteLine($"public const int InputSize = {F(model.InputSize)};");
            w.WriteLine("/// <summary>Floats per output step.</summary>");
            w.WriteLine($"public const int OutputSize = {F(model.OutputSize)};");
            w.WriteLine("/// <summary>The longest sequence <c>Forward</c> accepts.</summary>");
            w.WriteLine($"public const int MaxSteps = {F(model.MaxSteps)};");
            w.WriteLine("/// <summary>Floats in <see cref=\"Parameters\"/>.</summary>");
            w.WriteLine($"public const int ParameterCount = {F(parameterCount)};");
            w.WriteLine("/// <summary>Floats of recurrent state (per recurrent layer, per direction: h, then c for LSTM).</summary>");
            w.WriteLine($"public const int StateSize = {F(stateSize)};");
            w.WriteLine("/// <summary>The most sequences <c>ForwardBatch</c> runs in lockstep (each weight block loaded once per step for all).</summary>");
            w.WriteLine($"public const int BatchTile = {F(Tile(model, plans))};");
            w.WriteLine();
            w.WriteLine("/// <summary>The same network as a <see cref=\"global::RnnGen.NetworkSpec\"/>: <c>new global::RnnGen.ReferenceNetwork(Spec)</c> is its twin, with the identical parameter layout.</summary>");
            w.WriteLine("public static global::RnnGen.NetworkSpec Spec { get; } = new global::RnnGen.NetworkSpec(");
            w.WriteLine($"    {F(model.InputSize)},");
            w.WriteLine("    new global::RnnGen.LayerSpec[]");
            w.WriteLine("    {");
            foreach (Plan p in plans)
            {
                LayerModel l = p.Layer;
                string text = l.Kind switch
                {
                    LayerKind.Embedding => $"global::RnnGen.LayerSpec.Embedding({F(l.Vocabulary)}, {F(l.Size)})",
                    LayerKind.Dense => $"global::RnnGen.LayerSpec.Dense({F(l.Size)}, global::RnnGen.Activation.{l.Activation})",
                    LayerKind.Rnn when l.Reservoir => $"global::RnnGen.LayerSpec.Reservoir({F(l.Size)}, {Float(l.SpectralRadius)}, {Float(l.Density)}, {Float(l.InputScaling)}, {Float(l.Leak)})",
                    LayerKind.Rnn => $"global::RnnGen.LayerSpec.Rnn({F(l.Size)}, global::RnnGen.Activation.{l.Activation}, {(l.Bidirectional ? "true" : "false")}{(l.IsLeaky || l.HasSkip ? ", " + Float(l.Leak) : "")}{(l.HasSkip || l.HasLearnedLeak ? ", " + F(l.SkipDelay) : "")}{(l.HasLearnedLeak ? ", true" : "")})",
                    _ => $"global::RnnGen.LayerSpec.{l.Kind}({F(l.Size)}, {(l.Bidirectional ? "true" : "false")})",
                };
                w.WriteLine($"        {text},");
            }
            w.WriteLine("    },");
            w.WriteLine($"    {F(model.MaxSteps)},");
            w.WriteLine($"    global::RnnGen.OutputMode.{model.Output},");
            w.WriteLine($"    global::RnnGen.LossKind.{model.Loss},");
            w.WriteLine($"    global::RnnGen.Reduction.{model.Reduction});");
            w.WriteLine();
        }

        private static void WriteStateStruct(IndentedTextWriter w, List<Plan> plans, int stateSize)
        {
            w.WriteLine("/// <summary>");
            w.WriteLine($"/// The recurrent state of one stream: {F(stateSize)} floats in a fixed-size value (no heap).");
            foreach (Plan p in plans.Where(p => p.Layer.IsRecurrent))
                for (int d = 0; d < p.Directions; d++)
                    w.WriteLine($"/// [{F(p.StateOffset + d * p.StateWidth)}, {F(p.StateOffset + (d + 1) * p.StateWidth)}): layer {F(p.Index)} {(d == 0 ? "forward" : "reverse")} " +
                        (p.Layer.Kind == LayerKind.Lstm ? $"h [{F(p.H)}], c [{F(p.H)}]" : $"h [{F(p.H)}]"));
            w.WriteLine("/// A default value is the zero state. View it as a span with <c>Span&lt;float&gt; s = state;</c>.");
            w.WriteLine("/// </summary>");
            w.WriteLine($"[global::System.Runtime.CompilerServices.InlineArray({F(Math.Max(1, stateSize))})]");
            using (w.WriteBlock("public struct State"))
                w.WriteLine("private float _element0;");
            w.WriteLine();
        }

        /// <summary>Sequence slots: how many sequences the batched methods run in lockstep (each weight block is loaded
        /// once per step for all of them). Up to 8, fewer when one slot's buffers are large (at most ~16 MB in all).</summary>
        private static int Tile(ModelSpec model, List<Plan> plans)
        {
            long perSlot = model.UsesTokens ? model.MaxSteps : 2L * model.MaxSteps * model.InputSize;
            foreach (Plan p in plans)
            {
                perSlot += 2L * model.MaxSteps * p.Out;
                if (p.Layer.Kind == LayerKind.Dense) perSlot += 2L * model.MaxSteps * p.H;
                if (p.Layer.IsRecurrent)
                    perSlot += p.StateWidth * (1L + p.Directions) + (long)p.Directions * ((model.MaxSteps + 1L) * p.StateWidth + (long)model.MaxSteps * (p.CacheWidth + p.ScratchWidth));
            }
            return (int)Math.Max(1, Math.Min(8, 4_000_000 / Math.Max(1, perSlot)));
        }

        // Per-slot strides of the sequence buffers.
        private static int InStride(ModelSpec model) => model.MaxSteps * Math.Max(1, model.InputSize);
        private static int OutStride(ModelSpec model, Plan p) => model.MaxSteps * p.Out;
        private static int PreStride(ModelSpec model, Plan p) => model.MaxSteps * p.H;
        private static int StatesStride(ModelSpec model, Plan p) => (model.MaxSteps + 1) * p.StateWidth;
        private static int CacheStride(ModelSpec model, Plan p) => model.MaxSteps * p.CacheWidth;
        private static int DzStride(ModelSpec model, Plan p) => model.MaxSteps * p.ScratchWidth;

        private static void WriteFields(IndentedTextWriter w, ModelSpec model, List<Plan> plans, int parameterCount, int stateSize, bool stackScratch, int maxWidth, int maxCache, float[]? baked)
        {
            int tile = Tile(model, plans);
            if (baked is null)
                w.WriteLine($"private readonly float[] _parameters = new float[{F(parameterCount)}];");
            else
            {
                w.WriteLine($"private readonly float[] _parameters = BakedParameters.ToArray();   // from {model.Weights}, baked in at compile time");
                w.WriteLine();
                w.WriteLine($"/// <summary>The parameters of {model.Weights}, in this model's layout: constant data in the assembly (no file I/O at start-up).</summary>");
                w.WriteLine($"private static {ReadOnlySpan} BakedParameters => new float[]");
                w.WriteLine("{");
                for (int i = 0; i < baked.Length; i += 8)
                {
                    var line = new System.Text.StringBuilder("    ");
                    for (int j = i; j < Math.Min(i + 8, baked.Length); j++)
                        line.Append(FloatLiteral(baked[j])).Append(", ");
                    w.WriteLine(line.ToString().TrimEnd());
                }
                w.WriteLine("};");
                w.WriteLine();
            }
            w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _gradients = new({F(parameterCount)});   // 64-byte aligned: the weight-gradient products stream its rows");
            int packedCount = Math.Max(1, plans.Sum(p => p.PackedPerDirection * p.Directions));
            w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _packed = new({F(packedCount)});   // forward weights, transposed (see EnsurePacked); 64-byte aligned");
            w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _packedBack = new({F(parameterCount)});   // backward: each weight matrix's transpose, packed at its parameter offset (see EnsurePacked)");
            w.WriteLine("private readonly object _packLock = new();");
            w.WriteLine("private volatile bool _packedValid;");
            w.WriteLine($"private readonly float[] _initialStateGradients = new float[{F(stateSize)}];");
            w.WriteLine("private State _state;");
            w.WriteLine("private int _recordedSteps, _recordedBatch;");
            w.WriteLine($"// Sequence buffers hold BatchTile = {F(tile)} slots (one sequence each); the single-sequence methods use slot 0.");
            w.WriteLine($"private readonly float[] _batchStates = new float[{F(tile * stateSize)}];   // [BatchTile × StateSize] states in and out of a pass");
            if (model.UsesTokens)
                w.WriteLine($"private readonly int[] _tokens = new int[{F(tile * model.MaxSteps)}];");
            else
            {
                w.WriteLine($"private readonly float[] _inputs = new float[{F(tile * InStride(model))}];              // [BatchTile × MaxSteps × {F(model.InputSize)}]");
                w.WriteLine($"private readonly float[] _inputGradients = new float[{F(tile * InStride(model))}];      // dLoss/dInputs");
            }
            foreach (Plan p in plans)
            {
                w.WriteLine($"// {p.Name}: {p.Title}");
                w.WriteLine($"private readonly float[] _{Lower(p.Name)}Out = new float[{F(tile * OutStride(model, p))}];            // [BatchTile × MaxSteps × {F(p.Out)}] outputs");
                w.WriteLine($"private readonly float[] _{Lower(p.Name)}OutGradient = new float[{F(tile * OutStride(model, p))}];    // dLoss/d outputs");
                if (p.Layer.Kind == LayerKind.Dense)
                {
                    w.WriteLine($"private readonly float[] _{Lower(p.Name)}Pre = new float[{F(tile * PreStride(model, p))}];            // [BatchTile × MaxSteps × {F(p.H)}] W·x + b");
                    w.WriteLine($"private readonly float[] _{Lower(p.Name)}Dz = new float[{F(tile * PreStride(model, p))}];             // [BatchTile × MaxSteps × {F(p.H)}] dL/d(W·x + b)");
                }
                if (p.Layer.IsRecurrent)
                {
                    for (int d = 0; d < p.Directions; d++)
                    {
                        w.WriteLine($"private readonly float[] _{Lower(p.Name)}States{d} = new float[{F(tile * StatesStride(model, p))}];   // [BatchTile × (MaxSteps + 1) × {F(p.StateWidth)}] state after each step ({(d == 0 ? "forward" : "reverse")})");
                        w.WriteLine($"private readonly float[] _{Lower(p.Name)}Cache{d} = new float[{F(tile * CacheStride(model, p))}];    // [BatchTile × MaxSteps × {F(p.CacheWidth)}] gates");
                        w.WriteLine($"private readonly float[] _{Lower(p.Name)}Dz{d} = new float[{F(tile * DzStride(model, p))}];   // [BatchTile × MaxSteps × {F(p.ScratchWidth)}] dL/d(pre-activations), for the weight gradients");
                    }
                    w.WriteLine($"private readonly float[] _{Lower(p.Name)}StateGradient = new float[{F(tile * p.StateWidth)}];   // [BatchTile × {F(p.StateWidth)}]");
                }
            }
            if (!stackScratch && plans[0].Streaming)
            {
                w.WriteLine("// Streaming scratch is too large for the stack: one set per thread, allocated on that thread's first step.");
                w.WriteLine("[global::System.ThreadStatic] private static float[]? t_stepScratch;");
            }
            w.WriteLine();
        }

        private static string Lower(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

        private static void WriteBasics(IndentedTextWriter w, ModelSpec model)
        {
            w.WriteLines($$"""
                global::RnnGen.NetworkSpec global::RnnGen.IRecurrentNetwork.Spec => Spec;
                int global::RnnGen.IRecurrentNetwork.InputSize => InputSize;
                int global::RnnGen.IRecurrentNetwork.OutputSize => OutputSize;
                int global::RnnGen.IRecurrentNetwork.MaxSteps => MaxSteps;
                int global::RnnGen.IRecurrentNetwork.ParameterCount => ParameterCount;
                int global::RnnGen.IBatchedNetwork.BatchTile => BatchTile;
                int global::RnnGen.IRecurrentNetwork.StateSize => StateSize;

                /// <summary>The flat parameter buffer; layout in <c>Spec.ParameterLayout</c> (PyTorch names and order).
                /// Each access marks the forward kernels' transposed copy stale; it is rebuilt before the next forward
                /// pass. Write parameters through a fresh access (not through a span kept across Step or Forward calls).</summary>
                public {{Span}} Parameters
                {
                    get
                    {
                        _packedValid = false;
                        return _parameters;
                    }
                }

                /// <summary>dLoss/dParameters, accumulated by <c>Backward</c> until <see cref="ZeroGradients"/>.</summary>
                public {{Span}} Gradients => _gradients.Span;

                /// <summary>The state the instance <c>Step</c>, <c>Forward</c> and <c>ForwardContinue</c> carry.</summary>
                public {{Span}} CurrentState => Values(ref _state);

                /// <summary>dLoss/dInputs of the last <c>Backward</c>: [steps × InputSize]{{(model.UsesTokens ? " (empty: token ids have no gradient)" : "")}}.</summary>
                public {{ReadOnlySpan}} InputGradients => {{(model.UsesTokens ? ReadOnlySpan + ".Empty" : "new " + ReadOnlySpan + "(_inputGradients, 0, _recordedSteps * InputSize)")}};

                /// <summary>dLoss/d(initial state) of the last <c>Backward</c>.</summary>
                public {{ReadOnlySpan}} InitialStateGradients => _initialStateGradients;

                /// <summary>PyTorch's default initialisation from <paramref name="seed"/> (identical to the reference runtime's).</summary>
                public void InitializeParameters(int seed)
                {
                    global::RnnGen.ParameterInitializer.Initialize(Spec, _parameters, seed);
                    _packedValid = false;
                }

                /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
                public void ZeroGradients() => _gradients.Span.Clear();

                /// <summary>Sets <see cref="CurrentState"/> to zero.</summary>
                public void ResetState() => _state = default;

                /// <summary>Loads parameters saved with PyTorch's names (all-or-nothing).</summary>
                public void LoadSafetensors(string path) => LoadSafetensors(path, s_noMap, false, false);

                /// <summary>Loads parameters, reading for each of our names the file tensor <paramref name="nameMap"/> gives.</summary>
                public void LoadSafetensors(string path, global::System.Collections.Generic.IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors = false, bool ignoreSpecMismatch = false)
                {
                    global::RnnGen.Safetensors.ParameterIO.Load(path, Spec, nameMap, ignoreUnusedTensors, ignoreSpecMismatch, _parameters);
                    _packedValid = false;
                }

                /// <summary>Saves parameters with PyTorch's names (temporary file, then rename).</summary>
                public void SaveSafetensors(string path) => global::RnnGen.Safetensors.ParameterIO.Save(path, Spec, _parameters);

                private static readonly global::System.Collections.Generic.IReadOnlyDictionary<string, string> s_noMap =
                    new global::System.Collections.Generic.Dictionary<string, string>();

                /// <summary>The floats of <paramref name="state"/> as a span.</summary>
                public static {{Span}} Values(ref State state) =>
                    global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.As<State, float>(ref state), StateSize);

                """);
        }

        private static void WriteStreaming(IndentedTextWriter w, ModelSpec model, List<Plan> plans, bool stackScratch, int maxWidth, int maxCache)
        {
            bool tokens = model.UsesTokens;
            string inputParameter = tokens ? "int token" : ReadOnlySpan + " input";
            string inputArgument = tokens ? "token" : "input";
            if (!plans[0].Streaming)
            {
                Plan both = plans.First(x => x.Directions == 2);
                string reason = $"This model has a bidirectional layer (layer {both.Index + 1}, {both.Layer.Declaration}): its output at each step depends on the steps after it, " +
                    "so it cannot be stepped one input at a time. Run whole sequences with Forward (or ForwardBatch).";
                w.WriteLine("// No streaming Step: a bidirectional layer's output at step t depends on the inputs after t.");
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step({ReadOnlySpan} input, {Span} output) => throw {(tokens ? "FloatInputs()" : "NotStreaming()")};");
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step(int token, {Span} output) => throw {(tokens ? "NotStreaming()" : "TokenInputs()")};");
                w.WriteLine();
                w.WriteLine($"private static global::System.NotSupportedException NotStreaming() => new(\"{reason}\");");
                w.WriteLine();
                return;
            }
            w.WriteLine("/// <summary>Advances <paramref name=\"state\"/> by one step and writes that step's output (OutputSize floats).");
            w.WriteLine("/// Reads only the parameters, so any number of states may be stepped concurrently. Records nothing for <c>Backward</c>.</summary>");
            using (w.WriteBlock($"public void Step(ref State state, {inputParameter}, {Span} output)"))
            {
                if (tokens)
                    w.WriteLine($"if ((uint)token >= {F(model.Layers[0].Vocabulary)}u) ThrowToken(token, 0);");
                else
                    w.WriteLine($"if (input.Length != {F(model.InputSize)}) ThrowLength(nameof(input), input.Length, {F(model.InputSize)}, \"InputSize\");");
                w.WriteLine($"if (output.Length != {F(model.OutputSize)}) ThrowLength(nameof(output), output.Length, {F(model.OutputSize)}, \"OutputSize\");");
                w.WriteLine("if (!_packedValid) EnsurePacked();   // the check inline, the packing out of line");
                w.WriteLine($"{ReadOnlySpan} p = _parameters, k = _packed.Span;");
                w.WriteLine($"{Span} s = Values(ref state);");
                // A layer writes its output to buffer0 or buffer1 (alternating) when it is an embedding, a Dense layer
                // other than the last (the last writes straight into output), or a bidirectional layer (h of both
                // directions side by side); only the buffers some layer writes are declared (stackalloc zeroes them).
                bool WritesBuffer(int i) => plans[i].Layer.Kind switch
                {
                    LayerKind.Embedding => true,
                    LayerKind.Dense => i != plans.Count - 1,
                    _ => plans[i].Directions == 2,
                };
                bool[] used = new bool[2];
                for (int i = 0; i < plans.Count; i++)
                    if (WritesBuffer(i)) used[i % 2] = true;
                if (stackScratch)
                {
                    w.WriteLine($"{Span} gates = stackalloc float[{F(maxCache)}];");
                    for (int b = 0; b < 2; b++)
                        if (used[b]) w.WriteLine($"{Span} buffer{b} = stackalloc float[{F(maxWidth)}];");
                }
                else
                {
                    w.WriteLine($"float[] scratch = t_stepScratch ??= new float[{F(maxCache + 2 * maxWidth)}];");
                    w.WriteLine($"{Span} gates = scratch.AsSpan(0, {F(maxCache)});");
                    for (int b = 0; b < 2; b++)
                        if (used[b]) w.WriteLine($"{Span} buffer{b} = scratch.AsSpan({F(maxCache + b * maxWidth)}, {F(maxWidth)});");
                }
                string x = tokens ? "" : "input";
                for (int i = 0; i < plans.Count; i++)
                {
                    Plan p = plans[i];
                    string buffer = i % 2 == 0 ? "buffer0" : "buffer1";
                    w.WriteLine();
                    w.WriteLine($"// {p.Name}: {p.Title}");
                    switch (p.Layer.Kind)
                    {
                        case LayerKind.Embedding:
                            w.WriteLine($"// y = W[token]");
                            w.WriteLine($"p.Slice({F(p.ParamOffset)} + token * {F(p.H)}, {F(p.H)}).CopyTo({buffer});");
                            x = buffer + ".Slice(0, " + F(p.Out) + ")";
                            break;
                        case LayerKind.Dense:
                            string y = WritesBuffer(i) ? $"{buffer}.Slice(0, {F(p.H)})" : "output";
                            w.WriteLine($"{p.Name}Dense(k.Slice({F(p.PackedOffset)}, {F(p.PackedPerDirection)}), {x}, gates.Slice(0, {F(p.H)}), {y});");
                            x = WritesBuffer(i) ? buffer + ".Slice(0, " + F(p.Out) + ")" : "output";
                            break;
                        default:
                            for (int d = 0; d < p.Directions; d++)
                            {
                                string slice = $"s.Slice({F(p.StateOffset + d * p.StateWidth)}, {F(p.StateWidth)})";
                                w.WriteLine($"{p.Name}Cell(k.Slice({F(p.PackedOffset + d * p.PackedPerDirection)}, {F(p.PackedPerDirection)}), {x}, {slice}, {slice}, gates.Slice(0, {F(p.CacheWidth)}));"
                                    + (p.Directions == 2 ? (d == 0 ? "   // forward" : "   // reverse: carries its own state forward in time") : ""));
                            }
                            if (p.Directions == 1)
                                x = $"s.Slice({F(p.StateOffset)}, {F(p.H)})";
                            else
                            {
                                w.WriteLine($"s.Slice({F(p.StateOffset)}, {F(p.H)}).CopyTo({buffer});");
                                w.WriteLine($"s.Slice({F(p.StateOffset + p.StateWidth)}, {F(p.H)}).CopyTo({buffer}.Slice({F(p.H)}));");
                                x = buffer + ".Slice(0, " + F(p.Out) + ")";
                            }
                            break;
                    }
                }
                if (x != "output") w.WriteLine($"{x}.CopyTo(output);");
            }
            w.WriteLine();
            w.WriteLine("/// <summary>Advances <see cref=\"CurrentState\"/> by one step and writes that step's output. Records nothing for <c>Backward</c>:");
            w.WriteLine("/// after it, <c>Backward</c> throws until the next <c>Forward</c>, <c>ForwardContinue</c> or <c>ForwardBatch</c>.</summary>");
            using (w.WriteBlock($"public void Step({inputParameter}, {Span} output)"))
            {
                w.WriteLine($"Step(ref _state, {inputArgument}, output);");
                w.WriteLine("_recordedBatch = 0;   // what the last forward pass recorded no longer matches CurrentState");
            }
            w.WriteLine();
            if (tokens)
            {
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step({ReadOnlySpan} input, {Span} output) => throw FloatInputs();");
            }
            else
            {
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step(int token, {Span} output) => throw TokenInputs();");
            }
            w.WriteLine();
        }

        private static void WriteSequences(IndentedTextWriter w, ModelSpec model, List<Plan> plans)
        {
            bool tokens = model.UsesTokens;
            int tile = Tile(model, plans);
            string outputsNote = model.Output == OutputMode.LastStep ? "[1 × OutputSize] (last step only)" : "[steps × OutputSize]";
            string outSteps = model.Output == OutputMode.LastStep ? "1" : "steps";
            string input = tokens ? "tokens" : "inputs";
            string inputType = tokens ? ReadOnlySpanInt : ReadOnlySpan;
            string width = tokens ? "" : $" * {F(model.InputSize)}";
            string perStep = tokens ? "one token id per step" : "steps × InputSize";

            w.WriteLine($"/// <summary>Runs a new {(tokens ? "token " : "")}sequence from the zero state: {(tokens ? "tokens [steps]" : "inputs [steps × InputSize]")} → outputs {outputsNote}; records what <c>Backward</c> needs.</summary>");
            using (w.WriteBlock($"public void Forward({inputType} {input}, int steps, {Span} outputs)"))
            {
                w.WriteLine("_state = default;");
                w.WriteLine($"ForwardContinue({input}, steps, outputs);");
            }
            w.WriteLine();
            w.WriteLine("/// <summary>Runs a chunk from <see cref=\"CurrentState\"/> (truncated BPTT: the gradient stops at the chunk's first step).</summary>");
            using (w.WriteBlock($"public void ForwardContinue({inputType} {input}, int steps, {Span} outputs)"))
            {
                w.WriteLine("CheckSteps(steps);");
                w.WriteLine($"if ({input}.Length != steps{width}) ThrowLength(nameof({input}), {input}.Length, steps{width}, \"{perStep}\");");
                w.WriteLine("CheckOutputs(outputs.Length, steps);");
                if (tokens)
                {
                    using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                        w.WriteLine($"if ((uint)tokens[t] >= {F(model.Layers[0].Vocabulary)}u) ThrowToken(tokens[t], t);");
                    w.WriteLine("tokens.CopyTo(_tokens);");
                }
                else
                    w.WriteLine("inputs.CopyTo(_inputs);");
                w.WriteLine("Values(ref _state).CopyTo(_batchStates);   // slot 0");
                w.WriteLine("Run(1, steps);");
                w.WriteLine($"new {ReadOnlySpan}(_batchStates, 0, StateSize).CopyTo(Values(ref _state));");
                w.WriteLine("CopyOutputs(0, steps, outputs);");
            }
            w.WriteLine();
            if (tokens)
            {
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Forward({ReadOnlySpan} inputs, int steps, {Span} outputs) => throw FloatInputs();");
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.ForwardContinue({ReadOnlySpan} inputs, int steps, {Span} outputs) => throw FloatInputs();");
                w.WriteLine($"void global::RnnGen.IBatchedNetwork.ForwardBatch({ReadOnlySpan} inputs, int batch, int steps, {Span} outputs, {ReadOnlySpan} initialStates, {Span} finalStates) => throw FloatInputs();");
            }
            else
            {
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Forward({ReadOnlySpanInt} tokens, int steps, {Span} outputs) => throw TokenInputs();");
                w.WriteLine($"void global::RnnGen.IRecurrentNetwork.ForwardContinue({ReadOnlySpanInt} tokens, int steps, {Span} outputs) => throw TokenInputs();");
                w.WriteLine($"void global::RnnGen.IBatchedNetwork.ForwardBatch({ReadOnlySpanInt} tokens, int batch, int steps, {Span} outputs, {ReadOnlySpan} initialStates, {Span} finalStates) => throw TokenInputs();");
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>");
            w.WriteLine($"/// Runs <paramref name=\"batch\"/> (1 … BatchTile = {F(tile)}) sequences of <paramref name=\"steps\"/> steps in lockstep, so that each weight");
            w.WriteLine($"/// block is loaded once per step for all of them: {(tokens ? "tokens [batch × steps]" : "inputs [batch × steps × InputSize]")} → outputs [batch × {(model.Output == OutputMode.LastStep ? "1" : "steps")} × OutputSize].");
            w.WriteLine("/// Each sequence starts from its row of <paramref name=\"initialStates\"/> [batch × StateSize] (zeros when empty) and its final state");
            w.WriteLine("/// goes to <paramref name=\"finalStates\"/> (when not empty); <see cref=\"CurrentState\"/> is not used. Records what <c>BackwardBatch</c> needs.");
            w.WriteLine("/// The results are bit-identical to running the sequences one at a time.");
            w.WriteLine($"/// </summary>");
            using (w.WriteBlock($"public void ForwardBatch({inputType} {input}, int batch, int steps, {Span} outputs, {ReadOnlySpan} initialStates = default, {Span} finalStates = default)"))
            {
                w.WriteLine($"if (batch < 1 || batch > BatchTile) throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, \"batch = \" + batch + \"; expected 1..{F(tile)} (BatchTile).\");");
                w.WriteLine("CheckSteps(steps);");
                w.WriteLine($"if ({input}.Length != batch * steps{width}) ThrowLength(nameof({input}), {input}.Length, batch * steps{width}, \"batch × {(tokens ? "steps" : "steps × InputSize")}\");");
                w.WriteLine($"if (outputs.Length != batch * {outSteps} * OutputSize) ThrowLength(nameof(outputs), outputs.Length, batch * {outSteps} * OutputSize, \"batch × {(model.Output == OutputMode.LastStep ? "1" : "steps")} × OutputSize\");");
                w.WriteLine("if (!initialStates.IsEmpty && initialStates.Length != batch * StateSize) ThrowLength(nameof(initialStates), initialStates.Length, batch * StateSize, \"batch × StateSize, or empty for zeros\");");
                w.WriteLine("if (!finalStates.IsEmpty && finalStates.Length != batch * StateSize) ThrowLength(nameof(finalStates), finalStates.Length, batch * StateSize, \"batch × StateSize, or empty\");");
                if (tokens)
                    using (w.WriteBlock("for (int i = 0; i < tokens.Length; i++)"))
                        w.WriteLine($"if ((uint)tokens[i] >= {F(model.Layers[0].Vocabulary)}u) ThrowToken(tokens[i], i);");
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                {
                    if (tokens)
                        w.WriteLine($"tokens.Slice(b * steps, steps).CopyTo(new global::System.Span<int>(_tokens, b * {F(model.MaxSteps)}, steps));");
                    else
                        w.WriteLine($"inputs.Slice(b * steps * {F(model.InputSize)}, steps * {F(model.InputSize)}).CopyTo(new {Span}(_inputs, b * {F(InStride(model))}, steps * {F(model.InputSize)}));");
                }
                w.WriteLine($"if (initialStates.IsEmpty) new {Span}(_batchStates, 0, batch * StateSize).Clear(); else initialStates.CopyTo(_batchStates);");
                w.WriteLine("Run(batch, steps);");
                w.WriteLine($"if (!finalStates.IsEmpty) new {ReadOnlySpan}(_batchStates, 0, batch * StateSize).CopyTo(finalStates);");
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    w.WriteLine($"CopyOutputs(b, steps, outputs.Slice(b * {outSteps} * OutputSize, {outSteps} * OutputSize));");
            }
            w.WriteLine();
            Plan last = plans[plans.Count - 1];
            using (w.WriteBlock("private void Run(int batch, int steps)"))
            {
                w.WriteLine("EnsurePacked();");
                foreach (Plan p in plans) w.WriteLine($"{p.Name}Forward(batch, steps);");
                w.WriteLine("_recordedSteps = steps;");
                w.WriteLine("_recordedBatch = batch;");
            }
            w.WriteLine();
            using (w.WriteBlock($"private void CopyOutputs(int slot, int steps, {Span} outputs)"))
            {
                if (model.Output == OutputMode.LastStep)
                    w.WriteLine($"new {ReadOnlySpan}(_{Lower(last.Name)}Out, slot * {F(OutStride(model, last))} + (steps - 1) * {F(last.Out)}, {F(last.Out)}).CopyTo(outputs);");
                else
                    w.WriteLine($"new {ReadOnlySpan}(_{Lower(last.Name)}Out, slot * {F(OutStride(model, last))}, steps * {F(last.Out)}).CopyTo(outputs);");
            }
            w.WriteLine();
        }

        private static void WritePublicBackward(IndentedTextWriter w, string parameter, string summary, string check, string loss)
        {
            w.WriteLine($"/// <summary>{summary}</summary>");
            using (w.WriteBlock($"public float Backward({parameter})"))
            {
                w.WriteLine("int steps = RequireRecorded(single: true);");
                w.WriteLine(check);
                w.WriteLine($"float loss = {loss};");
                w.WriteLine("BackPropagate(1, steps);");
                w.WriteLine("return loss;");
            }
            w.WriteLine();
        }

        private static void WritePublicBatchBackward(IndentedTextWriter w, string parameter, string summary, string check, string loss)
        {
            w.WriteLine($"/// <summary>{summary}</summary>");
            using (w.WriteBlock($"public float BackwardBatch({parameter})"))
            {
                w.WriteLine("int steps = RequireRecorded(single: false), batch = _recordedBatch;");
                w.WriteLine(check);
                w.WriteLine("float loss = 0f;");
                w.WriteLine($"for (int b = 0; b < batch; b++) loss += {loss};");
                w.WriteLine("BackPropagate(batch, steps);");
                w.WriteLine("return loss;");
            }
            w.WriteLine();
        }

        private static void WriteBackward(IndentedTextWriter w, ModelSpec model, List<Plan> plans, bool fusedLogits)
        {
            Plan last = plans[plans.Count - 1];
            string o = F(model.OutputSize);
            string outSteps = model.Output == OutputMode.LastStep ? "1" : "steps";
            string reduction = "global::RnnGen.Reduction." + model.Reduction;
            string output = $"_{Lower(last.Name)}Out", pre = $"_{Lower(last.Name)}Pre", dOut = $"_{Lower(last.Name)}OutGradient";
            string so = F(OutStride(model, last));
            bool classes = model.Loss == LossKind.CrossEntropy;

            // Only the overloads that fit the loss are public; the others implement the interfaces explicitly and throw.
            string targetsDoc = model.Loss == LossKind.None
                ? "With LossKind.None, <paramref name=\"targets\"/> is dLoss/dOutputs itself and the result is 0."
                : "<paramref name=\"targets\"/> has the outputs' shape.";
            if (classes)
            {
                w.WriteLine($"float global::RnnGen.IRecurrentNetwork.Backward({ReadOnlySpan} targets) => throw new global::System.InvalidOperationException(\"Loss = CrossEntropy takes class ids: call Backward(ReadOnlySpan<int>).\");");
                w.WriteLine($"float global::RnnGen.IBatchedNetwork.BackwardBatch({ReadOnlySpan} targets) => throw new global::System.InvalidOperationException(\"Loss = CrossEntropy takes class ids: call BackwardBatch(ReadOnlySpan<int>).\");");
                w.WriteLine();
                WritePublicBackward(w, $"{ReadOnlySpanInt} classIds", "BPTT for cross-entropy: one class id per output step.",
                    $"if (classIds.Length != {outSteps}) ThrowLength(nameof(classIds), classIds.Length, {outSteps}, \"one class id per output step\");", "SlotLoss(0, steps, classIds)");
                WritePublicBatchBackward(w, $"{ReadOnlySpanInt} classIds", "BPTT through the last <c>ForwardBatch</c> for cross-entropy: class ids [batch × output steps]; returns the sum of the losses.",
                    $"if (classIds.Length != batch * {outSteps}) ThrowLength(nameof(classIds), classIds.Length, batch * {outSteps}, \"batch × output steps\");",
                    $"SlotLoss(b, steps, classIds.Slice(b * {outSteps}, {outSteps}))");
            }
            else
            {
                string wrongKind = $"Class ids are targets for Loss = CrossEntropy; this model's loss is {model.Loss}";
                w.WriteLine($"float global::RnnGen.IRecurrentNetwork.Backward({ReadOnlySpanInt} classIds) => throw new global::System.InvalidOperationException(\"{wrongKind}: call Backward(ReadOnlySpan<float>).\");");
                w.WriteLine($"float global::RnnGen.IBatchedNetwork.BackwardBatch({ReadOnlySpanInt} classIds) => throw new global::System.InvalidOperationException(\"{wrongKind}: call BackwardBatch(ReadOnlySpan<float>).\");");
                w.WriteLine();
                WritePublicBackward(w, $"{ReadOnlySpan} targets", "BPTT through the last forward pass: returns the loss and accumulates dLoss/dθ into <see cref=\"Gradients\"/>. " + targetsDoc,
                    $"if (targets.Length != {outSteps} * {o}) ThrowLength(nameof(targets), targets.Length, {outSteps} * {o}, \"output steps × OutputSize\");", "SlotLoss(0, steps, targets)");
                WritePublicBatchBackward(w, $"{ReadOnlySpan} targets", "BPTT through the last <c>ForwardBatch</c>: targets [batch × output steps × OutputSize]; returns the sum of the " +
                    "sequences' losses and accumulates their gradients into <see cref=\"Gradients\"/> (bit-identical to one sequence at a time, in order).",
                    $"if (targets.Length != batch * {outSteps} * {o}) ThrowLength(nameof(targets), targets.Length, batch * {outSteps} * {o}, \"batch × output steps × OutputSize\");",
                    $"SlotLoss(b, steps, targets.Slice(b * {outSteps} * {o}, {outSteps} * {o}))");
            }
            w.WriteLine("/// <summary>The loss of slot <paramref name=\"slot\"/>; writes its dLoss/d(outputs) (or d(logits)).</summary>");
            using (w.WriteBlock($"private float SlotLoss(int slot, int steps, {(classes ? ReadOnlySpanInt + " classIds" : ReadOnlySpan + " targets")})"))
            {
                w.WriteLine($"int outputSteps = {outSteps};");
                w.WriteLine($"var dOut = new {Span}({dOut}, slot * {so}, steps * {o});");
                w.WriteLine("dOut.Clear();");
                w.WriteLine($"int scoredFrom = slot * {so} + (steps - outputSteps) * {o};");
                w.WriteLine($"var scored = dOut.Slice((steps - outputSteps) * {o}, outputSteps * {o});");
                switch (model.Loss)
                {
                    case LossKind.MeanSquaredError:
                        w.WriteLine($"// L = Σ (y − t)²{(model.Reduction == Reduction.Mean ? " / N" : "")};  dL/dy = 2(y − t){(model.Reduction == Reduction.Mean ? " / N" : "")}");
                        w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.MeanSquaredError(new {ReadOnlySpan}({output}, scoredFrom, outputSteps * {o}), targets, scored, {reduction});");
                        break;
                    case LossKind.BinaryCrossEntropy:
                        w.WriteLine($"// L = Σ max(z, 0) − z·t + log(1 + e^−|z|) from the logits z;  dL/dz = σ(z) − t");
                        w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.BinaryCrossEntropyWithLogits(new {ReadOnlySpan}({pre}, scoredFrom, outputSteps * {o}), targets, scored, {reduction});");
                        break;
                    case LossKind.CrossEntropy:
                        w.WriteLine("// L = Σ log Σ e^z − z_class from the logits z;  dL/dz = softmax(z) − onehot(class)");
                        w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.CrossEntropy(new {ReadOnlySpan}({pre}, scoredFrom, outputSteps * {o}), {o}, classIds, scored, {reduction});");
                        break;
                    default:
                        w.WriteLine("// LossKind.None: the targets are dLoss/dOutputs");
                        w.WriteLine("targets.CopyTo(scored);");
                        w.WriteLine("return 0f;");
                        break;
                }
            }
            w.WriteLine();
            using (w.WriteBlock("private void BackPropagate(int batch, int steps)"))
            {
                w.WriteLine("EnsurePacked();");
                for (int i = plans.Count - 1; i >= 0; i--) w.WriteLine($"{plans[i].Name}Backward(batch, steps);");
            }
            w.WriteLine();
        }

        private static (string Field, int Stride) InputOf(ModelSpec model, List<Plan> plans, Plan p) =>
            p.Index == 0 ? (model.UsesTokens ? "_tokens" : "_inputs", model.UsesTokens ? model.MaxSteps : InStride(model))
                : ($"_{Lower(plans[p.Index - 1].Name)}Out", OutStride(model, plans[p.Index - 1]));

        private static string InputGradientOf(ModelSpec model, List<Plan> plans, Plan p) =>
            p.Index == 0 ? (model.UsesTokens ? "" : "_inputGradients") : $"_{Lower(plans[p.Index - 1].Name)}OutGradient";

        private static void WriteLayerForward(IndentedTextWriter w, ModelSpec model, List<Plan> plans, Plan p)
        {
            string name = Lower(p.Name);
            string so = F(OutStride(model, p));
            w.WriteLine($"/// <summary>{p.Name} over whole sequences, slots 0 … batch − 1 in lockstep: {p.Title}.</summary>");
            using (w.WriteBlock($"private void {p.Name}Forward(int batch, int steps)"))
            {
                if (p.Layer.Kind == LayerKind.Embedding)
                {
                    w.WriteLine($"{ReadOnlySpan} p = _parameters;");
                    w.WriteLine($"{Span} output = _{name}Out;");
                    w.WriteLine("// y(t) = W[token(t)]");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                        w.WriteLine($"p.Slice({F(p.ParamOffset)} + _tokens[b * {F(model.MaxSteps)} + t] * {F(p.H)}, {F(p.H)}).CopyTo(output.Slice(b * {so} + t * {F(p.H)}, {F(p.H)}));");
                    return;
                }
                var (inputField, si) = InputOf(model, plans, p);
                w.WriteLine($"{ReadOnlySpan} k = _packed.Span;");
                w.WriteLine($"{ReadOnlySpan} input = {inputField};");
                w.WriteLine($"{Span} output = _{name}Out;");
                if (p.Layer.Kind == LayerKind.Dense)
                {
                    string sp = F(PreStride(model, p));
                    w.WriteLine($"{Span} pre = _{name}Pre;");
                    w.WriteLine($"{ReadOnlySpan} weights = k.Slice({F(p.PackedOffset)}, {F(p.H * p.In)}), bias = k.Slice({F(p.PackedOffset + p.H * p.In)}, {F(p.H)});");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    {
                        w.WriteLine($"// z(t) = W·x(t) + b for every step of the sequence at once (each weight block loaded once)");
                        w.WriteLine($"for (int t = 0; t < steps; t++) bias.CopyTo(pre.Slice(b * {sp} + t * {F(p.H)}, {F(p.H)}));");
                        w.WriteLine($"{K}.PackedMatMatAdd(weights, input, b * {F(si)}, {F(p.In)}, pre, b * {sp}, {F(p.H)}, steps, {F(p.H)}, {F(p.In)});   // Wᵀ [{F(p.In)} × {F(p.H)}]");
                        w.WriteLine($"for (int t = 0; t < steps; t++) {p.Name}Activation(pre.Slice(b * {sp} + t * {F(p.H)}, {F(p.H)}), output.Slice(b * {so} + t * {F(p.H)}, {F(p.H)}));");
                    }
                    return;
                }
                w.WriteLine($"{Span} batchStates = _batchStates;");
                int sw = p.StateWidth, cw = p.CacheWidth, gh = p.GH;
                string ss = F(StatesStride(model, p)), sc = F(CacheStride(model, p));
                bool gru = p.Layer.Kind == LayerKind.Gru;
                for (int d = 0; d < p.Directions; d++)
                {
                    int stateAt = p.StateOffset + d * sw;
                    w.WriteLine(d == 0 ? "// forward direction: t = 0 … steps − 1" : "// reverse direction: t = steps − 1 … 0; its output is the second half of each step");
                    using (w.WriteBlock())
                    {
                        w.WriteLine($"{Span} states = _{name}States{d};");
                        w.WriteLine($"{Span} cache = _{name}Cache{d};");
                        w.WriteLine($"{ReadOnlySpan} weights = k.Slice({F(p.PackedOffset + d * p.PackedPerDirection)}, {F(p.PackedPerDirection)});");
                        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                            w.WriteLine($"batchStates.Slice(b * StateSize + {F(stateAt)}, {F(sw)}).CopyTo(states.Slice(b * {ss}, {F(sw)}));");
                        // One sequence: its input side does not depend on the recurrence, so W_ih·x(t) + b for every step is one
                        // matrix-matrix product before the walk (W_ih read once, not once per step). Per element the chain is
                        // unchanged (bias, then x's columns, then h's), so it is bit-identical to forming it step by step, which
                        // batches keep doing: there the whole batch's pre-activations would leave L2 before the walk reads them.
                        int biases = gru ? 2 * gh : gh;
                        string firstX = d == 0 ? "0" : $"(steps - 1) * {F(p.In)}", strideX = d == 0 ? F(p.In) : "-" + F(p.In);
                        using (w.WriteBlock("if (batch == 1)"))
                        {
                            w.WriteLine($"// one sequence: {(gru ? "gi(t) = W_ih·x(t) + b_ih (and b_hh beside it)" : "W_ih·x(t) + b")} for every step at once");
                            w.WriteLine($"for (int s = 0; s < steps; s++) weights.Slice({F(p.PackBias)}, {F(biases)}).CopyTo(cache.Slice(s * {F(cw)}, {F(biases)}));");
                            w.WriteLine($"{K}.PackedMatMatAdd(weights.Slice({F(p.PackIh)}, {F(gh * p.In)}), input, {firstX}, {strideX}, cache, 0, {F(cw)}, steps, {F(gh)}, {F(p.In)});   // W_ihᵀ [{F(p.In)} × {F(gh)}]{(d == 1 ? ", x read from the last step back" : "")}");
                        }
                        using (w.WriteBlock("for (int s = 0; s < steps; s++)"))
                        {
                            w.WriteLine(d == 0 ? "int t = s;" : "int t = steps - 1 - s;");
                            w.WriteLine(gru
                                ? $"// gi = W_ih·x + b_ih;  gh = W_hh·h + b_hh   (3·{F(p.H)} rows each, every sequence of the batch per weight block)"
                                : $"// z = W·[x; h] + b   ({(p.Layer.Kind == LayerKind.Lstm ? "4·" : "")}{F(p.H)} rows{(p.Layer.Kind == LayerKind.Lstm ? ", gates i,f,g,o" : "")}; every sequence of the batch per weight block)");
                            using (w.WriteBlock("if (batch > 1)"))   // one sequence's input side was formed above for all steps
                            {
                                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                                    w.WriteLine($"weights.Slice({F(p.PackBias)}, {F(biases)}).CopyTo(cache.Slice(b * {sc} + s * {F(cw)}, {F(biases)}));   // {(gru ? "b_ih, b_hh" : "b_ih + b_hh")}");
                                w.WriteLine($"{K}.PackedMatMatAdd(weights.Slice({F(p.PackIh)}, {F(gh * p.In)}), input, t * {F(p.In)}, {F(si)}, cache, s * {F(cw)}, {sc}, batch, {F(gh)}, {F(p.In)});   // W_ihᵀ [{F(p.In)} × {F(gh)}]");
                            }
                            // GRU keeps W_hh·h apart (gh, after gi); the others add it onto the same pre-activations
                            w.WriteLine($"{K}.PackedMatMatAdd(weights.Slice({F(p.PackHh)}, {F(gh * p.H)}), states, s * {F(sw)}, {ss}, cache, s * {F(cw)}{(gru ? " + " + F(gh) : "")}, {sc}, batch, {F(gh)}, {F(p.H)});   // W_hhᵀ [{F(p.H)} × {F(gh)}]");
                            if (!gru && p.Skip > 0)
                                w.WriteLine($"{K}.PackedMatMatAdd(weights.Slice({F(p.PackSkip)}, {F(p.H * p.H)}), states, s * {F(sw)} + {F((p.Skip - 1) * p.H)}, {ss}, cache, s * {F(cw)}, {sc}, batch, {F(p.H)}, {F(p.H)});   // W_skipᵀ·h(t−{F(p.Skip)})");
                            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                            {
                                w.WriteLine($"{p.Name}Pointwise{(OutOfLinePointwise(p) ? "OutOfLine" : "")}(states.Slice(b * {ss} + s * {F(sw)}, {F(sw)}), states.Slice(b * {ss} + (s + 1) * {F(sw)}, {F(sw)}), cache.Slice(b * {sc} + s * {F(cw)}, {F(cw)}){(p.LearnedLeak ? $", weights.Slice({F(p.PackLeak)}, {F(p.H)})" : "")});");
                                if (p.Skip > 0)
                                    w.WriteLine($"states.Slice(b * {ss} + s * {F(sw)}, {F((p.Skip - 1) * p.H)}).CopyTo(states.Slice(b * {ss} + (s + 1) * {F(sw)} + {F(p.H)}, {F((p.Skip - 1) * p.H)}));   // the delay line moves on");
                                w.WriteLine($"states.Slice(b * {ss} + (s + 1) * {F(sw)}, {F(p.H)}).CopyTo(output.Slice(b * {so} + t * {F(p.Out)}{(d == 1 ? " + " + F(p.H) : "")}, {F(p.H)}));");
                            }
                        }
                        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                            w.WriteLine($"states.Slice(b * {ss} + steps * {F(sw)}, {F(sw)}).CopyTo(batchStates.Slice(b * StateSize + {F(stateAt)}, {F(sw)}));");
                    }
                }
            }
            w.WriteLine();
        }

        private static void WriteLayerBackward(IndentedTextWriter w, ModelSpec model, List<Plan> plans, Plan p, bool gradientIsPreActivation)
        {
            string name = Lower(p.Name);
            string so = F(OutStride(model, p));
            w.WriteLine($"/// <summary>BPTT through {p.Name} ({p.Title}) for slots 0 … batch − 1; gradients accumulate slot by slot, in order.</summary>");
            using (w.WriteBlock($"private void {p.Name}Backward(int batch, int steps)"))
            {
                w.WriteLine($"{Span} g = _gradients.Span;");
                w.WriteLine($"{ReadOnlySpan} dOut = _{name}OutGradient;");
                if (p.Layer.Kind == LayerKind.Embedding)
                {
                    w.WriteLine("// dW[token(t)] += dy(t)");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                        w.WriteLine($"{K}.Add(dOut.Slice(b * {so} + t * {F(p.H)}, {F(p.H)}), g.Slice({F(p.ParamOffset)} + _tokens[b * {F(model.MaxSteps)} + t] * {F(p.H)}, {F(p.H)}));");
                    return;
                }
                var (inputField, si) = InputOf(model, plans, p);
                w.WriteLine($"{ReadOnlySpan} kb = _packedBack.Span;");
                w.WriteLine($"{ReadOnlySpan} input = {inputField};");
                w.WriteLine($"{Span} dIn = {InputGradientOf(model, plans, p)};");
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    w.WriteLine($"dIn.Slice(b * {F(si)}, steps * {F(p.In)}).Clear();");
                if (p.Layer.Kind == LayerKind.Dense)
                {
                    string sp = F(PreStride(model, p));
                    w.WriteLine($"{Span} dz = _{name}Dz;");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                        w.WriteLine($"{p.Name}DenseDz(new {ReadOnlySpan}(_{name}Out, b * {so} + t * {F(p.H)}, {F(p.H)}), dOut.Slice(b * {so} + t * {F(p.H)}, {F(p.H)}), dz.Slice(b * {sp} + t * {F(p.H)}, {F(p.H)}));");
                    w.WriteLine("// dW += Σ_b Σ_t dz(t)·x(t)ᵀ;  db += Σ dz(t)   (every step of every sequence in one pass over the gradient)");
                    w.WriteLine($"{K}.AddOuterProducts(g.Slice({F(p.ParamOffset)}, {F(p.H * p.In)}), dz, 0, {F(p.H)}, input, 0, {F(p.In)}, steps, {F(p.H)}, {F(p.In)}, batch, {sp}, {F(si)});");
                    w.WriteLine($"{K}.AddStridedSum(g.Slice({F(p.ParamOffset + p.H * p.In)}, {F(p.H)}), dz, 0, {F(p.H)}, steps, batch, {sp});");
                    w.WriteLine("// dx(t) = Wᵀ·dz(t), every step of a sequence at once");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                        w.WriteLine($"{K}.PackedMatMatAdd(kb.Slice({F(p.ParamOffset)}, {F(p.H * p.In)}), dz, b * {sp}, {F(p.H)}, dIn, b * {F(si)}, {F(p.In)}, steps, {F(p.In)}, {F(p.H)});   // Wᵀ packed");
                    return;
                }
                int sw = p.StateWidth, cw = p.CacheWidth, gh = p.GH, record = p.ScratchWidth;
                string ss = F(StatesStride(model, p)), sc = F(CacheStride(model, p)), sd = F(DzStride(model, p));
                bool gru = p.Layer.Kind == LayerKind.Gru;
                int hh = gru ? gh : 0;
                w.WriteLine($"{Span} dState = _{name}StateGradient;   // [batch × {F(sw)}]");
                for (int d = 0; d < p.Directions; d++)
                {
                    int offset = p.ParamOffset + d * p.DirectionParams;
                    w.WriteLine(d == 0 ? "// forward direction, walked back from the last step" : "// reverse direction, walked back from t = 0");
                    using (w.WriteBlock())
                    {
                        w.WriteLine($"{ReadOnlySpan} states = _{name}States{d};");
                        w.WriteLine($"{ReadOnlySpan} cache = _{name}Cache{d};");
                        w.WriteLine($"{Span} dz = _{name}Dz{d};");
                        w.WriteLine($"{ReadOnlySpan} weightsT = kb.Slice({F(offset)}, {F(p.DirectionParams)});   // W_ihᵀ, W_hhᵀ packed");
                        w.WriteLine("dState.Slice(0, batch * " + F(sw) + ").Clear();");
                        using (w.WriteBlock("for (int k = steps - 1; k >= 0; k--)"))
                        {
                            w.WriteLine(d == 0 ? "int t = k;" : "int t = steps - 1 - k;");
                            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                            {
                                w.WriteLine("// dh(t) += dy(t)");
                                w.WriteLine($"{K}.Add(dOut.Slice(b * {so} + t * {F(p.Out)}{(d == 1 ? " + " + F(p.H) : "")}, {F(p.H)}), dState.Slice(b * {F(sw)}, {F(p.H)}));");
                                w.WriteLine($"{p.Name}PointwiseBackward(states.Slice(b * {ss} + k * {F(sw)}, {F(sw)}), states.Slice(b * {ss} + (k + 1) * {F(sw)}, {F(sw)}), cache.Slice(b * {sc} + k * {F(cw)}, {F(cw)}), dState.Slice(b * {F(sw)}, {F(sw)}), dz.Slice(b * {sd} + k * {F(record)}, {F(record)}){(p.LearnedLeak ? $", weightsT.Slice({F(p.LeakParam)}, {F(p.H)})" : "")});");
                                if (!gru && !p.Layer.IsLeaky) w.WriteLine($"dState.Slice(b * {F(sw)}, {F(p.H)}).Clear();");
                                if (p.Skip > 0)
                                {
                                    int lag = (p.Skip - 1) * p.H;
                                    w.WriteLine("// the delay line back one step: block k of dState is dL/dh(t−k); it moves one block towards the present");
                                    w.WriteLine($"{K}.Add(dState.Slice(b * {F(sw)} + {F(p.H)}, {F(p.H)}), dState.Slice(b * {F(sw)}, {F(p.H)}));");
                                    if (p.Skip > 2)
                                        w.WriteLine($"dState.Slice(b * {F(sw)} + {F(2 * p.H)}, {F(lag - p.H)}).CopyTo(dState.Slice(b * {F(sw)} + {F(p.H)}, {F(lag - p.H)}));");
                                    w.WriteLine($"dState.Slice(b * {F(sw)} + {F(lag)}, {F(p.H)}).Clear();");
                                }
                            }
                            w.WriteLine($"// dx += W_ihᵀ·dz;  dh {(gru ? "+= W_hhᵀ·dz_h (after the direct path z ⊙ dh')" : "= W_hhᵀ·dz")}   (each weight row once for the whole batch; one sequence's dx waits for the whole walk)");
                            w.WriteLine($"if (batch > 1) {K}.PackedMatMatAdd(weightsT.Slice({F(p.Wih)}, {F(gh * p.In)}), dz, k * {F(record)}, {sd}, dIn, t * {F(p.In)}, {F(si)}, batch, {F(p.In)}, {F(gh)});");
                            w.WriteLine($"{K}.PackedMatMatAdd(weightsT.Slice({F(p.Whh)}, {F(gh * p.H)}), dz, k * {F(record)} + {F(hh)}, {sd}, dState, 0, {F(sw)}, batch, {F(p.H)}, {F(gh)});");
                            if (p.Skip > 0)
                                w.WriteLine($"{K}.PackedMatMatAdd(weightsT.Slice({F(p.Wskip)}, {F(p.H * p.H)}), dz, k * {F(record)}, {sd}, dState, {F((p.Skip - 1) * p.H)}, {F(sw)}, batch, {F(p.H)}, {F(p.H)});   // dh(t−{F(p.Skip)}) += W_skipᵀ·dz");
                        }
                        string firstDx = d == 0 ? "0" : $"(steps - 1) * {F(p.In)}", strideDx = d == 0 ? F(p.In) : "-" + F(p.In);
                        w.WriteLine("// one sequence: dx(t) += W_ihᵀ·dz(t) for every step at once (nothing in the walk needs dx; W_ihᵀ read once)");
                        w.WriteLine($"if (batch == 1) {K}.PackedMatMatAdd(weightsT.Slice({F(p.Wih)}, {F(gh * p.In)}), dz, 0, {F(record)}, dIn, {firstDx}, {strideDx}, steps, {F(p.In)}, {F(gh)});");
                        w.WriteLine($"dState.Slice(0, {F(sw)}).CopyTo(new {Span}(_initialStateGradients, {F(p.StateOffset + d * sw)}, {F(sw)}));   // slot 0 (single-sequence API)");
                        string x = d == 0 ? $"0, {F(p.In)}" : $"(steps - 1) * {F(p.In)}, -{F(p.In)}";
                        if (p.Layer.Reservoir)
                        {
                            w.WriteLine("// a reservoir's weights are fixed: no weight gradients (its Gradients stay zero); dx and dh above still flow");
                            continue;
                        }
                        w.WriteLine($"// dW_ih += Σ_b Σ_t dz(t)·x(t)ᵀ;  dW_hh += Σ_b Σ_t dz{(gru ? "_h" : "")}(t)·h(t−1)ᵀ;  db_ih += Σ dz(t);  db_hh += Σ dz{(gru ? "_h" : "")}(t)");
                        w.WriteLine("// (every sequence of the batch at once, slot after slot: each gradient row is read and written once)");
                        w.WriteLine($"{K}.AddOuterProducts(g.Slice({F(offset + p.Wih)}, {F(gh * p.In)}), dz, 0, {F(record)}, input, {x}, steps, {F(gh)}, {F(p.In)}, batch, {sd}, {F(si)});");
                        w.WriteLine($"{K}.AddOuterProducts(g.Slice({F(offset + p.Whh)}, {F(gh * p.H)}), dz, {F(hh)}, {F(record)}, states, 0, {F(sw)}, steps, {F(gh)}, {F(p.H)}, batch, {sd}, {ss});");
                        w.WriteLine($"{K}.AddStridedSum(g.Slice({F(offset + p.Bih)}, {F(gh)}), dz, 0, {F(record)}, steps, batch, {sd});");
                        w.WriteLine($"{K}.AddStridedSum(g.Slice({F(offset + p.Bhh)}, {F(gh)}), dz, {F(hh)}, {F(record)}, steps, batch, {sd});");
                        if (p.LearnedLeak)
                            w.WriteLine($"{K}.AddStridedSum(g.Slice({F(offset + p.LeakParam)}, {F(p.H)}), dz, {F(p.H)}, {F(record)}, steps, batch, {sd});   // dλ += Σ dh' ⊙ (h − v) ⊙ α(1 − α)");
                        if (p.Skip > 0)
                            w.WriteLine($"{K}.AddOuterProducts(g.Slice({F(offset + p.Wskip)}, {F(p.H * p.H)}), dz, 0, {F(record)}, states, {F((p.Skip - 1) * p.H)}, {F(sw)}, steps, {F(p.H)}, {F(p.H)}, batch, {sd}, {ss});   // dW_skip += Σ dz(t)·h(t−{F(p.Skip)})ᵀ");
                    }
                }
            }
            w.WriteLine();
        }

        private static void WriteCells(IndentedTextWriter w, Plan p, bool gradientIsPreActivation)
        {
            switch (p.Layer.Kind)
            {
                case LayerKind.Dense: WriteDense(w, p, gradientIsPreActivation); break;
                case LayerKind.Rnn: WriteElman(w, p); break;
                case LayerKind.Lstm: WriteLstm(w, p); break;
                case LayerKind.Gru: WriteGru(w, p); break;
            }
        }

        /// <summary>The streaming cell: target = (b_ih + b_hh) + W_ih·x + W_hh·h from the packed weights, then the pointwise part.</summary>
        private static void WriteStreamingCell(IndentedTextWriter w, Plan p)
        {
            if (!p.Streaming) return;   // no Step to call it
            int gh = p.GH;
            bool gru = p.Layer.Kind == LayerKind.Gru;
            w.WriteLine($"/// <summary>{p.Name}: one step of one direction for streaming. <paramref name=\"previous\"/> and <paramref name=\"next\"/> may be the same state.");
            if (p.InlineCell)
            {
                w.WriteLine("/// Inlined into <c>Step</c>, its only caller (the model's one cell).</summary>");
                w.WriteLine(MethodImpl);
            }
            else
            {
                w.WriteLine("/// Called, not inlined: <c>Step</c> calls several cells, and inlining them all costs registers.</summary>");
                w.WriteLine(NoInlining);
            }
            using (w.WriteBlock($"private static void {p.Name}Cell({ReadOnlySpan} k, {ReadOnlySpan} x, {ReadOnlySpan} previous, {Span} next, {Span} cache)"))
            {
                w.WriteLine($"{ReadOnlySpan} h = previous.Slice(0, {F(p.H)});");
                if (gru)
                {
                    w.WriteLine($"// gi = W_ih·x + b_ih;  gh = W_hh·h + b_hh   (3·{F(p.H)} rows each, gates r,z,n)");
                    w.WriteLine($"k.Slice({F(p.PackBias)}, {F(2 * gh)}).CopyTo(cache);   // b_ih, b_hh");
                    w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({F(p.PackIh)}, {F(gh * p.In)}), x, cache.Slice(0, {F(gh)}), {F(gh)}, {F(p.In)});   // W_ihᵀ [{F(p.In)} × {F(gh)}]");
                    w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({F(p.PackHh)}, {F(gh * p.H)}), h, cache.Slice({F(gh)}, {F(gh)}), {F(gh)}, {F(p.H)});   // W_hhᵀ [{F(p.H)} × {F(gh)}]");
                }
                else
                {
                    w.WriteLine($"// z = W·[x; h] + b   ({(p.Layer.Kind == LayerKind.Lstm ? "4·" : "")}{F(p.H)} rows{(p.Layer.Kind == LayerKind.Lstm ? ", gates i,f,g,o" : "")})");
                    w.WriteLine($"{K}.PackedMatVec2Add(k.Slice({F(p.PackBias)}, {F(gh)}), k.Slice({F(p.PackIh)}, {F(gh * p.In)}), x, k.Slice({F(p.PackHh)}, {F(gh * p.H)}), h, cache.Slice(0, {F(gh)}), {F(gh)}, {F(p.In)}, {F(p.H)});   // b_ih + b_hh, W_ih [{F(gh)} × {F(p.In)}], W_hh [{F(gh)} × {F(p.H)}], one pass");
                }
                if (p.Skip > 0)
                {
                    int lag = (p.Skip - 1) * p.H;
                    w.WriteLine($"// a += W_skip·h(t−{F(p.Skip)})   (previous = [h(t−1), …, h(t−{F(p.Skip)})])");
                    w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({F(p.PackSkip)}, {F(p.H * p.H)}), previous.Slice({F(lag)}, {F(p.H)}), cache.Slice(0, {F(p.H)}), {F(p.H)}, {F(p.H)});   // W_skipᵀ [{F(p.H)} × {F(p.H)}]");
                    w.WriteLine($"// the delay line moves on before h' is written (previous and next may be the same span): next[H…] = previous[…(d−1)·H]");
                    w.WriteLine($"previous.Slice(0, {F(lag)}).CopyTo(next.Slice({F(p.H)}, {F(lag)}));");
                }
                w.WriteLine($"{p.Name}Pointwise(previous, next, cache{(p.LearnedLeak ? $", k.Slice({F(p.PackLeak)}, {F(p.H)})" : "")});");
            }
            w.WriteLine();
        }

        private const string Vec = "global::System.Numerics.Vector<float>";

        /// <summary>Emits a loop over j &lt; n: whole <c>Vector&lt;float&gt;</c> blocks first (the same operations in the same
        /// order as the scalar body, so the results are bit-identical), then the scalar body for the rest.</summary>
        private static void WriteVectorLoop(IndentedTextWriter w, int n, string[] vector, string[] scalar)
        {
            w.WriteLine("int j = 0;");
            using (w.WriteBlock($"for (; j <= {F(n)} - {Vec}.Count; j += {Vec}.Count)"))
            {
                w.WriteLine($"{Vec} one = {Vec}.One;");
                foreach (string line in vector) w.WriteLine(line);
            }
            using (w.WriteBlock($"for (; j < {F(n)}; j++)"))
                foreach (string line in scalar) w.WriteLine(line);
        }

        /// <summary>Whether the walks over whole sequences call the element-wise step through a method of its own.</summary>
        private static bool OutOfLinePointwise(Plan p) => p.Layer.Kind is LayerKind.Lstm or LayerKind.Gru;

        /// <summary>
        /// The LSTM/GRU element-wise step keeps a dozen σ/tanh constants and the gates in vector registers. Inlined into a
        /// layer's walk over a sequence (a large method), the JIT spills and reloads them around every transcendental:
        /// the LSTM(32) walk's element-wise part took 3× as long. The walks call this compiled-alone twin; the small
        /// streaming cell still inlines the step (there inlining measured ~6 % faster).
        /// </summary>
        private static void WriteOutOfLinePointwise(IndentedTextWriter w, Plan p)
        {
            w.WriteLine($"/// <summary>{p.Name}Pointwise compiled as a method of its own, for the walks over whole sequences (inlined there, its registers spill).</summary>");
            w.WriteLine(NoInlining);
            w.WriteLine($"private static void {p.Name}PointwiseOutOfLine({ReadOnlySpan} previous, {Span} next, {Span} cache) => {p.Name}Pointwise(previous, next, cache);");
            w.WriteLine();
        }

        private static string PointwiseSignature(Plan p) =>
            $"private static void {p.Name}Pointwise({ReadOnlySpan} previous, {Span} next, {Span} cache{(p.LearnedLeak ? $", {ReadOnlySpan} alpha" : "")})";

        private static string PointwiseBackwardSignature(Plan p) =>
            $"private static void {p.Name}PointwiseBackward({ReadOnlySpan} previous, {ReadOnlySpan} next, {ReadOnlySpan} cache, {Span} dState, {Span} dz{(p.LearnedLeak ? $", {ReadOnlySpan} alpha" : "")})";

        private static void WriteElman(IndentedTextWriter w, Plan p)
        {
            string h = F(p.H);
            bool relu = p.Layer.Activation == Activation.Relu;
            WriteStreamingCell(w, p);
            if (p.Layer.IsLeaky)
            {
                WriteLeakyElman(w, p, relu);
                return;
            }
            w.WriteLine($"/// <summary>{p.Name}: the Elman step after its products; cache holds a = W_ih·x + b_ih + W_hh·h + b_hh.</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseSignature(p)))
            {
                w.WriteLine(relu ? "// h' = max(0, a)" : "// h' = tanh(a)");
                w.WriteLine(relu ? $"{Act}.Relu(cache.Slice(0, {h}), next.Slice(0, {h}));" : $"{Act}.Tanh(cache.Slice(0, {h}), next.Slice(0, {h}));");
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>{p.Name}: one Elman step back, pointwise part: dz from dL/dh' (the caller then forms dh = W_hhᵀ·dz).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseBackwardSignature(p)))
            {
                w.WriteLine(relu ? "// dz = dh' ⊙ [h' > 0]" : "// dz = dh' ⊙ (1 − h'²)");
                WriteVectorLoop(w, p.H,
                    relu
                        ? [$"global::System.Numerics.Vector.ConditionalSelect(global::System.Numerics.Vector.GreaterThan(Load(next, j), {Vec}.Zero), Load(dState, j), {Vec}.Zero).CopyTo(dz.Slice(j));"]
                        : ["var n = Load(next, j);", "(Load(dState, j) * (one - n * n)).CopyTo(dz.Slice(j));"],
                    [relu ? "dz[j] = next[j] > 0f ? dState[j] : 0f;" : "dz[j] = dState[j] * (1f - next[j] * next[j]);"]);
            }
            w.WriteLine();
        }

        /// <summary>Leaky Elman units with α learned per unit (α = σ(λ), passed in as <c>alpha</c>).</summary>
        private static void WriteLearnedLeakElman(IndentedTextWriter w, Plan p, bool relu)
        {
            string h = F(p.H);
            w.WriteLine($"/// <summary>{p.Name}: the leaky Elman step after its products, α per unit (learned); cache holds a and becomes v = act(a).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseSignature(p)))
            {
                w.WriteLine(relu ? "// v = max(0, a)" : "// v = tanh(a)");
                w.WriteLine(relu ? $"{Act}.Relu(cache.Slice(0, {h}), cache.Slice(0, {h}));" : $"{Act}.Tanh(cache.Slice(0, {h}), cache.Slice(0, {h}));");
                w.WriteLine("// h' = α ⊙ h + (1 − α) ⊙ v,  α = σ(λ) per unit");
                WriteVectorLoop(w, p.H,
                    ["var a = Load(alpha, j);", "(a * Load(previous, j) + (one - a) * Load(cache, j)).CopyTo(next.Slice(j));"],
                    ["float a = alpha[j];", "next[j] = a * previous[j] + (1f - a) * cache[j];"]);
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>{p.Name}: one leaky Elman step back (α learned): dz = [dL/da | dL/dλ contribution]; dState becomes α ⊙ dL/dh' (the caller adds W_hhᵀ·dz).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseBackwardSignature(p)))
            {
                w.WriteLine(relu ? "// dz = dh' ⊙ (1 − α) ⊙ [v > 0];  dλ = dh' ⊙ (h − v) ⊙ α(1 − α);  dh = α ⊙ dh'" : "// dz = dh' ⊙ (1 − α) ⊙ (1 − v²);  dλ = dh' ⊙ (h − v) ⊙ α(1 − α);  dh = α ⊙ dh'");
                WriteVectorLoop(w, p.H,
                    [
                        "var dh = Load(dState, j); var v = Load(cache, j); var a = Load(alpha, j);",
                        relu
                            ? $"global::System.Numerics.Vector.ConditionalSelect(global::System.Numerics.Vector.GreaterThan(v, {Vec}.Zero), dh * (one - a), {Vec}.Zero).CopyTo(dz.Slice(j));"
                            : "(dh * (one - a) * (one - v * v)).CopyTo(dz.Slice(j));",
                        $"(dh * (Load(previous, j) - v) * a * (one - a)).CopyTo(dz.Slice({h} + j));",
                        "(dh * a).CopyTo(dState.Slice(j));",
                    ],
                    [
                        "float dh = dState[j], v = cache[j], a = alpha[j];",
                        relu ? "dz[j] = v > 0f ? dh * (1f - a) : 0f;" : "dz[j] = dh * (1f - a) * (1f - v * v);",
                        $"dz[{h} + j] = dh * (previous[j] - v) * a * (1f - a);",
                        "dState[j] = dh * a;",
                    ]);
            }
            w.WriteLine();
        }

        /// <summary>Leaky Elman units: v = act(a) is kept in the cache; h' = α·h + (1 − α)·v.</summary>
        private static void WriteLeakyElman(IndentedTextWriter w, Plan p, bool relu)
        {
            if (p.LearnedLeak)
            {
                WriteLearnedLeakElman(w, p, relu);
                return;
            }
            string h = F(p.H), alpha = Float(p.Layer.Leak);
            w.WriteLine($"/// <summary>{p.Name}: the leaky Elman step after its products; cache holds a = W_ih·x + b_ih + W_hh·h + b_hh and becomes v = act(a).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseSignature(p)))
            {
                w.WriteLine(relu ? "// v = max(0, a)" : "// v = tanh(a)");
                w.WriteLine(relu ? $"{Act}.Relu(cache.Slice(0, {h}), cache.Slice(0, {h}));" : $"{Act}.Tanh(cache.Slice(0, {h}), cache.Slice(0, {h}));");
                w.WriteLine($"// h' = α·h + (1 − α)·v,  α = {alpha}");
                w.WriteLine($"const float alpha = {alpha};");
                w.WriteLine("float keep = 1f - alpha;");
                WriteVectorLoop(w, p.H,
                    [$"(new {Vec}(alpha) * Load(previous, j) + new {Vec}(keep) * Load(cache, j)).CopyTo(next.Slice(j));"],
                    ["next[j] = alpha * previous[j] + keep * cache[j];"]);
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>{p.Name}: one leaky Elman step back, pointwise part: dz from dL/dh'; dState becomes the leak's direct path α·dL/dh' (the caller adds W_hhᵀ·dz).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseBackwardSignature(p)))
            {
                w.WriteLine($"const float alpha = {alpha};");
                w.WriteLine("float keep = 1f - alpha;");
                w.WriteLine(relu ? "// dz = dh' ⊙ (1 − α) ⊙ [v > 0];  dh = α·dh'" : "// dz = dh' ⊙ (1 − α) ⊙ (1 − v²);  dh = α·dh'");
                WriteVectorLoop(w, p.H,
                    relu
                        ? [
                            "var dh = Load(dState, j);",
                            $"global::System.Numerics.Vector.ConditionalSelect(global::System.Numerics.Vector.GreaterThan(Load(cache, j), {Vec}.Zero), dh * new {Vec}(keep), {Vec}.Zero).CopyTo(dz.Slice(j));",
                            $"(dh * new {Vec}(alpha)).CopyTo(dState.Slice(j));",
                        ]
                        : [
                            "var dh = Load(dState, j); var v = Load(cache, j);",
                            $"(dh * new {Vec}(keep) * (one - v * v)).CopyTo(dz.Slice(j));",
                            $"(dh * new {Vec}(alpha)).CopyTo(dState.Slice(j));",
                        ],
                    relu
                        ? ["float dh = dState[j];", "dz[j] = cache[j] > 0f ? dh * keep : 0f;", "dState[j] = dh * alpha;"]
                        : ["float dh = dState[j], v = cache[j];", "dz[j] = dh * keep * (1f - v * v);", "dState[j] = dh * alpha;"]);
            }
            w.WriteLine();
        }

        private static void WriteLstm(IndentedTextWriter w, Plan p)
        {
            int H = p.H;
            string h = F(H);
            WriteStreamingCell(w, p);
            w.WriteLine($"/// <summary>{p.Name}: the LSTM step after its products; cache ← [i, f, g, o, tanh(c')] from z = W·[x; h] + b.</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseSignature(p)))
            {
                w.WriteLine($"{ReadOnlySpan} c = previous.Slice({h}, {h});");
                w.WriteLine($"{Span} z = cache.Slice(0, {F(4 * H)}), cNext = next.Slice({h}, {h}), hNext = next.Slice(0, {h}), tanhC = cache.Slice({F(4 * H)}, {h});");
                w.WriteLine("// i, f = σ(z_i, z_f);  g = tanh(z_g);  o = σ(z_o);  c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')   (one pass, gates in registers)");
                WriteVectorLoop(w, H,
                    [
                        $"var i = {FM}.GateSigmoid(Load(z, j)); var f = {FM}.GateSigmoid(Load(z, {h} + j)); var g = {FM}.Tanh(Load(z, {F(2 * H)} + j)); var o = {FM}.GateSigmoid(Load(z, {F(3 * H)} + j));",
                        "var cn = f * Load(c, j) + i * g;",
                        $"var tc = {FM}.Tanh(cn);",
                        $"i.CopyTo(z.Slice(j)); f.CopyTo(z.Slice({h} + j)); g.CopyTo(z.Slice({F(2 * H)} + j)); o.CopyTo(z.Slice({F(3 * H)} + j));",
                        "cn.CopyTo(cNext.Slice(j)); tc.CopyTo(tanhC.Slice(j)); (o * tc).CopyTo(hNext.Slice(j));",
                    ],
                    [
                        $"float i = {FM}.GateSigmoid(z[j]), f = {FM}.GateSigmoid(z[{h} + j]), g = {FM}.Tanh(z[{F(2 * H)} + j]), o = {FM}.GateSigmoid(z[{F(3 * H)} + j]);",
                        "float cn = f * c[j] + i * g;",
                        $"float tc = {FM}.Tanh(cn);",
                        $"z[j] = i; z[{h} + j] = f; z[{F(2 * H)} + j] = g; z[{F(3 * H)} + j] = o;",
                        "cNext[j] = cn; tanhC[j] = tc; hNext[j] = o * tc;",
                    ]);
            }
            w.WriteLine();
            WriteOutOfLinePointwise(w, p);
            w.WriteLine($"/// <summary>{p.Name}: one LSTM step back, pointwise part. dState holds [dL/dh', dL/dc'] on entry and [·, dL/dc] on return.</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseBackwardSignature(p)))
            {
                w.WriteLine($"{ReadOnlySpan} c = previous.Slice({h}, {h});");
                w.WriteLine("// dc = dc' + dh' ⊙ o ⊙ (1 − tanh²(c'));  dz_i = dc ⊙ g ⊙ i(1 − i);  dz_f = dc ⊙ c ⊙ f(1 − f);");
                w.WriteLine("// dz_g = dc ⊙ i ⊙ (1 − g²);  dz_o = dh' ⊙ tanh(c') ⊙ o(1 − o);  dc_prev = dc ⊙ f");
                WriteVectorLoop(w, H,
                    [
                        $"var i = Load(cache, j); var f = Load(cache, {h} + j); var gg = Load(cache, {F(2 * H)} + j); var o = Load(cache, {F(3 * H)} + j); var tc = Load(cache, {F(4 * H)} + j);",
                        "var dh = Load(dState, j);",
                        $"var dc = Load(dState, {h} + j) + dh * o * (one - tc * tc);",
                        "(dc * gg * i * (one - i)).CopyTo(dz.Slice(j));",
                        $"(dc * Load(c, j) * f * (one - f)).CopyTo(dz.Slice({h} + j));",
                        $"(dc * i * (one - gg * gg)).CopyTo(dz.Slice({F(2 * H)} + j));",
                        $"(dh * tc * o * (one - o)).CopyTo(dz.Slice({F(3 * H)} + j));",
                        $"(dc * f).CopyTo(dState.Slice({h} + j));",
                    ],
                    [
                        $"float i = cache[j], f = cache[{h} + j], gg = cache[{F(2 * H)} + j], o = cache[{F(3 * H)} + j], tc = cache[{F(4 * H)} + j];",
                        "float dh = dState[j];",
                        $"float dc = dState[{h} + j] + dh * o * (1f - tc * tc);",
                        "dz[j] = dc * gg * i * (1f - i);",
                        $"dz[{h} + j] = dc * c[j] * f * (1f - f);",
                        $"dz[{F(2 * H)} + j] = dc * i * (1f - gg * gg);",
                        $"dz[{F(3 * H)} + j] = dh * tc * o * (1f - o);",
                        $"dState[{h} + j] = dc * f;",
                    ]);
            }
            w.WriteLine();
        }

        private static void WriteGru(IndentedTextWriter w, Plan p)
        {
            int H = p.H;
            string h = F(H), h2 = F(2 * H), h3 = F(3 * H);
            WriteStreamingCell(w, p);
            w.WriteLine($"/// <summary>{p.Name}: the GRU step after its products; cache holds [gi | gh] = [W_ih·x + b_ih | W_hh·h + b_hh] and becomes [r, z, n | gh].</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseSignature(p)))
            {
                w.WriteLine($"{ReadOnlySpan} h = previous.Slice(0, {h});");
                w.WriteLine($"{Span} gi = cache.Slice(0, {h3}), gh = cache.Slice({h3}, {h3});");
                w.WriteLine("// r, z = σ(gi + gh);  n = tanh(gi_n + r ⊙ gh_n);  h' = (1 − z) ⊙ n + z ⊙ h   (one pass, gates in registers)");
                WriteVectorLoop(w, H,
                    [
                        $"var r = {FM}.GateSigmoid(Load(gi, j) + Load(gh, j)); var z = {FM}.GateSigmoid(Load(gi, {h} + j) + Load(gh, {h} + j));",
                        $"var n = {FM}.Tanh(Load(gi, {h2} + j) + r * Load(gh, {h2} + j));",
                        $"r.CopyTo(gi.Slice(j)); z.CopyTo(gi.Slice({h} + j)); n.CopyTo(gi.Slice({h2} + j));",
                        "((one - z) * n + z * Load(h, j)).CopyTo(next.Slice(j));",
                    ],
                    [
                        $"float r = {FM}.GateSigmoid(gi[j] + gh[j]), z = {FM}.GateSigmoid(gi[{h} + j] + gh[{h} + j]);",
                        $"float n = {FM}.Tanh(gi[{h2} + j] + r * gh[{h2} + j]);",
                        $"gi[j] = r; gi[{h} + j] = z; gi[{h2} + j] = n;",
                        "next[j] = (1f - z) * n + z * h[j];",
                    ]);
            }
            w.WriteLine();
            WriteOutOfLinePointwise(w, p);
            w.WriteLine($"/// <summary>{p.Name}: one GRU step back, pointwise part: dz = [dgi | dgh]; dState becomes the direct path dL/dh' ⊙ z (the caller adds W_hhᵀ·dgh).</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock(PointwiseBackwardSignature(p)))
            {
                w.WriteLine($"{ReadOnlySpan} h = previous.Slice(0, {h});");
                w.WriteLine($"{Span} dgi = dz.Slice(0, {h3}), dgh = dz.Slice({h3}, {h3});");
                w.WriteLine("// dn = dh' ⊙ (1 − z) ⊙ (1 − n²);  dr = dn ⊙ gh_n ⊙ r(1 − r);  dz = dh' ⊙ (h − n) ⊙ z(1 − z);  dh = dh' ⊙ z + …");
                WriteVectorLoop(w, H,
                    [
                        $"var r = Load(cache, j); var z = Load(cache, {h} + j); var n = Load(cache, {h2} + j); var ghn = Load(cache, {F(5 * H)} + j);",
                        "var dh = Load(dState, j);",
                        "var dn = dh * (one - z) * (one - n * n);",
                        "var dr = dn * ghn * r * (one - r);",
                        "var dzj = dh * (Load(h, j) - n) * z * (one - z);",
                        $"dr.CopyTo(dgi.Slice(j)); dzj.CopyTo(dgi.Slice({h} + j)); dn.CopyTo(dgi.Slice({h2} + j));",
                        $"dr.CopyTo(dgh.Slice(j)); dzj.CopyTo(dgh.Slice({h} + j)); (dn * r).CopyTo(dgh.Slice({h2} + j));",
                        "(dh * z).CopyTo(dState.Slice(j));",
                    ],
                    [
                        $"float r = cache[j], z = cache[{h} + j], n = cache[{h2} + j], ghn = cache[{F(5 * H)} + j];",
                        "float dh = dState[j];",
                        "float dn = dh * (1f - z) * (1f - n * n);",
                        "float dr = dn * ghn * r * (1f - r);",
                        "float dzj = dh * (h[j] - n) * z * (1f - z);",
                        $"dgi[j] = dr; dgi[{h} + j] = dzj; dgi[{h2} + j] = dn;",
                        $"dgh[j] = dr; dgh[{h} + j] = dzj; dgh[{h2} + j] = dn * r;",
                        "dState[j] = dh * z;",
                    ]);
            }
            w.WriteLine();
        }

        private static void WriteDense(IndentedTextWriter w, Plan p, bool gradientIsPreActivation)
        {
            int U = p.H;
            string u = F(U), inw = F(p.In);
            Activation a = p.Layer.Activation;
            if (p.Streaming)
            {
                w.WriteLine($"/// <summary>{p.Name}: y = {(a == Activation.Identity ? "" : a.ToString().ToLowerInvariant())}(W·x + b), {inw} → {u} (one step, for streaming; inlined into <c>Step</c>).</summary>");
                w.WriteLine(MethodImpl);
                using (w.WriteBlock($"private static void {p.Name}Dense({ReadOnlySpan} k, {ReadOnlySpan} x, {Span} pre, {Span} y)"))
                {
                    w.WriteLine($"// z = W·x + b   ({u} rows)");
                    w.WriteLine($"k.Slice({F(U * p.In)}, {u}).CopyTo(pre);");
                    w.WriteLine($"{K}.PackedMatVecAdd(k.Slice(0, {F(U * p.In)}), x, pre, {u}, {inw});   // Wᵀ [{inw} × {u}]");
                    w.WriteLine($"{p.Name}Activation(pre, y);");
                }
                w.WriteLine();
            }
            w.WriteLine($"/// <summary>{p.Name}: y = {(a == Activation.Identity ? "z" : a.ToString().ToLowerInvariant() + "(z)")} for one step.</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock($"private static void {p.Name}Activation({ReadOnlySpan} pre, {Span} y)"))
            {
                switch (a)
                {
                    case Activation.Identity: w.WriteLine("pre.CopyTo(y);"); break;
                    case Activation.Tanh: w.WriteLine($"{Act}.Tanh(pre, y);"); break;
                    case Activation.Sigmoid: w.WriteLine($"{Act}.Sigmoid(pre, y);"); break;
                    case Activation.Relu: w.WriteLine($"{Act}.Relu(pre, y);"); break;
                    case Activation.Softmax: w.WriteLine($"{Act}.Softmax(pre, y);"); break;
                }
            }
            w.WriteLine();
            w.WriteLine($"/// <summary>{p.Name} back, one step: dz = dL/d(W·x + b){(gradientIsPreActivation ? " (the loss hands back dz: it reads the logits)" : "")}.</summary>");
            w.WriteLine(MethodImpl);
            using (w.WriteBlock($"private static void {p.Name}DenseDz({ReadOnlySpan} y, {ReadOnlySpan} dy, {Span} dz)"))
            {
                if (gradientIsPreActivation || a == Activation.Identity)
                {
                    w.WriteLine("dy.CopyTo(dz);");
                }
                else if (a == Activation.Softmax)
                {
                    w.WriteLine("// dz = y ⊙ (dy − (dy·y))");
                    w.WriteLine("float dot = 0f;");
                    w.WriteLine($"for (int j = 0; j < {u}; j++) dot += dy[j] * y[j];");
                    w.WriteLine($"for (int j = 0; j < {u}; j++) dz[j] = y[j] * (dy[j] - dot);");
                }
                else
                {
                    string derivative = a switch
                    {
                        Activation.Tanh => "dy[j] * (1f - y[j] * y[j])",
                        Activation.Sigmoid => "dy[j] * y[j] * (1f - y[j])",
                        _ => "y[j] > 0f ? dy[j] : 0f",
                    };
                    w.WriteLine($"// dz = dy ⊙ {a.ToString().ToLowerInvariant()}'(z)");
                    w.WriteLine($"for (int j = 0; j < {u}; j++) dz[j] = {derivative};");
                }
            }
            w.WriteLine();
        }

        private static void WritePacking(IndentedTextWriter w, List<Plan> plans)
        {
            w.WriteLine("/// <summary>Rebuilds the forward kernels' weights (each matrix transposed, so that one input element is");
            w.WriteLine("/// broadcast into all gate rows at once) after the parameters may have changed. Thread-safe.</summary>");
            using (w.WriteBlock("private void EnsurePacked()"))
            {
                w.WriteLine("if (_packedValid) return;");
                using (w.WriteBlock("lock (_packLock)"))
                {
                    w.WriteLine("if (_packedValid) return;");
                    w.WriteLine($"{ReadOnlySpan} p = _parameters;");
                    w.WriteLine($"{Span} k = _packed.Span, kb = _packedBack.Span;");
                    foreach (Plan p in plans)
                    {
                        if (p.Layer.Kind == LayerKind.Embedding) continue;
                        if (p.Layer.Kind == LayerKind.Dense)
                        {
                            w.WriteLine($"// {p.Name}: Wᵀ, b");
                            w.WriteLine($"{K}.Transpose(p.Slice({F(p.ParamOffset)}, {F(p.H * p.In)}), k.Slice({F(p.PackedOffset)}, {F(p.H * p.In)}), {F(p.H)}, {F(p.In)});");
                            w.WriteLine($"{K}.PackTransposed(p.Slice({F(p.ParamOffset)}, {F(p.H * p.In)}), kb.Slice({F(p.ParamOffset)}, {F(p.H * p.In)}), {F(p.H)}, {F(p.In)});   // backward: W packed for dx = Wᵀ·dz");
                            w.WriteLine($"p.Slice({F(p.ParamOffset + p.H * p.In)}, {F(p.H)}).CopyTo(k.Slice({F(p.PackedOffset + p.H * p.In)}, {F(p.H)}));");
                            continue;
                        }
                        for (int d = 0; d < p.Directions; d++)
                        {
                            int po = p.ParamOffset + d * p.DirectionParams, ko = p.PackedOffset + d * p.PackedPerDirection, gh = p.GH;
                            bool gru = p.Layer.Kind == LayerKind.Gru;
                            w.WriteLine($"// {p.Name} {(d == 0 ? "forward" : "reverse")}: W_ihᵀ, W_hhᵀ, {(gru ? "b_ih, b_hh" : "b_ih + b_hh")}");
                            w.WriteLine($"{K}.Transpose(p.Slice({F(po + p.Wih)}, {F(gh * p.In)}), k.Slice({F(ko + p.PackIh)}, {F(gh * p.In)}), {F(gh)}, {F(p.In)});");
                            w.WriteLine($"{K}.Transpose(p.Slice({F(po + p.Whh)}, {F(gh * p.H)}), k.Slice({F(ko + p.PackHh)}, {F(gh * p.H)}), {F(gh)}, {F(p.H)});");
                            w.WriteLine($"{K}.PackTransposed(p.Slice({F(po + p.Wih)}, {F(gh * p.In)}), kb.Slice({F(po + p.Wih)}, {F(gh * p.In)}), {F(gh)}, {F(p.In)});   // backward: dx = W_ihᵀ·dz");
                            w.WriteLine($"{K}.PackTransposed(p.Slice({F(po + p.Whh)}, {F(gh * p.H)}), kb.Slice({F(po + p.Whh)}, {F(gh * p.H)}), {F(gh)}, {F(p.H)});   // backward: dh = W_hhᵀ·dz");
                            if (p.LearnedLeak)
                            {
                                w.WriteLine($"// α = σ(λ) per unit, for the forward (packed) and backward (at λ's offset) passes");
                                using (w.WriteBlock($"for (int j = 0; j < {F(p.H)}; j++)"))
                                {
                                    w.WriteLine($"float a = 1f / (1f + global::System.MathF.Exp(-p[{F(po + p.LeakParam)} + j]));");
                                    w.WriteLine($"k[{F(ko + p.PackLeak)} + j] = a;");
                                    w.WriteLine($"kb[{F(po + p.LeakParam)} + j] = a;");
                                }
                            }
                            if (p.Skip > 0)
                            {
                                w.WriteLine($"{K}.Transpose(p.Slice({F(po + p.Wskip)}, {F(p.H * p.H)}), k.Slice({F(ko + p.PackSkip)}, {F(p.H * p.H)}), {F(p.H)}, {F(p.H)});   // W_skipᵀ");
                                w.WriteLine($"{K}.PackTransposed(p.Slice({F(po + p.Wskip)}, {F(p.H * p.H)}), kb.Slice({F(po + p.Wskip)}, {F(p.H * p.H)}), {F(p.H)}, {F(p.H)});   // backward: dh(t−d) = W_skipᵀ·dz");
                            }
                            w.WriteLine($"p.Slice({F(po + p.Bih)}, {F(gh)}).CopyTo(k.Slice({F(ko + p.PackBias)}, {F(gh)}));");
                            if (gru)
                                w.WriteLine($"p.Slice({F(po + p.Bhh)}, {F(gh)}).CopyTo(k.Slice({F(ko + p.PackBias + gh)}, {F(gh)}));");
                            else
                                w.WriteLine($"{K}.Add(p.Slice({F(po + p.Bhh)}, {F(gh)}), k.Slice({F(ko + p.PackBias)}, {F(gh)}));");
                        }
                    }
                    w.WriteLine("_packedValid = true;");
                }
            }
            w.WriteLine();
        }

        private static void WriteHelpers(IndentedTextWriter w, ModelSpec model)
        {
            string outputRule = model.Output == OutputMode.LastStep ? $"{F(model.OutputSize)}" : $"steps * {F(model.OutputSize)}";
            w.WriteLines($$"""
                private int RequireRecorded(bool single)
                {
                    if (_recordedSteps == 0 || _recordedBatch == 0)
                        throw new global::System.InvalidOperationException("Backward needs a recorded sequence: call Forward, ForwardContinue or ForwardBatch first (Step records nothing for Backward).");
                    if (single && _recordedBatch != 1)
                        throw new global::System.InvalidOperationException("The last forward pass ran a batch of " + _recordedBatch + " sequences: call BackwardBatch.");
                    return _recordedSteps;
                }

                [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
                private static global::System.Numerics.Vector<float> Load(global::System.ReadOnlySpan<float> values, int index) => new(values.Slice(index));

                private static void CheckSteps(int steps)
                {
                    if (steps < 1 || steps > {{F(model.MaxSteps)}})
                        throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, "steps = " + steps + "; expected 1..{{F(model.MaxSteps)}} (MaxSteps).");
                }

                private static void CheckOutputs(int length, int steps)
                {
                    if (length != {{outputRule}}) ThrowLength("outputs", length, {{outputRule}}, "{{(model.Output == OutputMode.LastStep ? "LastStep mode: 1 × OutputSize" : "steps × OutputSize")}}");
                }

                [global::System.Diagnostics.CodeAnalysis.DoesNotReturn]
                private static void ThrowLength(string name, int actual, int expected, string what) =>
                    throw new global::System.ArgumentException(name + " has " + actual + " elements; expected " + expected + " (" + what + ").", name);

                [global::System.Diagnostics.CodeAnalysis.DoesNotReturn]
                private static void ThrowToken(int token, int index) =>
                    throw new global::System.ArgumentOutOfRangeException("tokens", token, "tokens[" + index + "] = " + token + "; expected 0..{{F(model.UsesTokens ? model.Layers[0].Vocabulary - 1 : 0)}} (the Embedding's vocabulary).");

                private static global::System.InvalidOperationException FloatInputs() =>
                    new("This model's first layer is an Embedding: pass token ids, not floats.");

                private static global::System.InvalidOperationException TokenInputs() =>
                    new("This model reads float inputs; token ids need an [Embedding] as the first layer.");
                """);
        }
    }
}
