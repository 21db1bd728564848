using System;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>The class around the layers: its summary, constants, parameter layout, <c>State</c>, fields and the
/// members every model has (parameters, gradients, state, safetensors).</summary>
internal static class ClassShell
{
    public static void WriteDocs(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// RnnGen network: {(model.UsesTokens ? "token ids" : "input " + F(model.InputSize))} → "
            + string.Join(" → ", plan.Layers.Select(p => p.Title)) + $"; {F(plan.ParameterCount)} parameters.");
        w.WriteLine($"/// Loss {model.Loss} ({model.Reduction}), outputs at {(model.Output == OutputMode.LastStep ? "the last step" : "every step")}, at most {F(model.MaxSteps)} steps.");
        w.WriteLine("/// Every size is a constant; nothing is allocated after construction. One instance is not thread-safe,");
        w.WriteLine("/// but <c>Step(ref State, …)</c> only reads the parameters: many streams may step concurrently on one instance");
        w.WriteLine("/// while nobody writes <c>Parameters</c>.");
        w.WriteLine("/// </summary>");
        w.WriteLine($"[global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen.Generators\", \"{typeof(ClassShell).Assembly.GetName().Version}\")]");
    }

    public static void WriteConstants(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        w.WriteLine($"/// <summary>Floats per input step{(model.UsesTokens ? " (0: this model reads one token id per step)" : "")}.</summary>");
        w.WriteLine($"public const int InputSize = {F(model.InputSize)};");
        w.WriteLine("/// <summary>Floats per output step.</summary>");
        w.WriteLine($"public const int OutputSize = {F(model.OutputSize)};");
        w.WriteLine("/// <summary>The longest sequence <c>Forward</c> accepts.</summary>");
        w.WriteLine($"public const int MaxSteps = {F(model.MaxSteps)};");
        w.WriteLine("/// <summary>Floats in <see cref=\"Parameters\"/>.</summary>");
        w.WriteLine($"public const int ParameterCount = {F(plan.ParameterCount)};");
        w.WriteLine("/// <summary>Floats of recurrent state (per recurrent layer, per direction: h, then c for LSTM).</summary>");
        w.WriteLine($"public const int StateSize = {F(plan.StateSize)};");
        w.WriteLine("/// <summary>The most sequences <c>ForwardBatch</c> runs in lockstep (each weight block loaded once per step for all).</summary>");
        w.WriteLine($"public const int BatchTile = {F(plan.Tile)};");
        w.WriteLine();
        WriteLayout(w, plan);
        w.WriteLine("/// <summary>The same network as a <see cref=\"global::RnnGen.NetworkSpec\"/>: <c>new global::RnnGen.ReferenceNetwork(Spec)</c> is its twin, with the identical parameter layout.</summary>");
        w.WriteLine("public static global::RnnGen.NetworkSpec Spec { get; } = new global::RnnGen.NetworkSpec(");
        w.WriteLine($"    {F(model.InputSize)},");
        w.WriteLine("    new global::RnnGen.LayerSpec[]");
        w.WriteLine("    {");
        foreach (LayerPlan p in plan.Layers)
            w.WriteLine($"        {LayerSpecExpression(p.Layer)}{DropoutInitializer(p.Layer)},");
        w.WriteLine("    },");
        w.WriteLine($"    {F(model.MaxSteps)},");
        w.WriteLine($"    global::RnnGen.OutputMode.{model.Output},");
        w.WriteLine($"    global::RnnGen.LossKind.{model.Loss},");
        w.WriteLine($"    global::RnnGen.Reduction.{model.Reduction});");
        w.WriteLine();
    }

    private static string LayerSpecExpression(LayerModel l) =>
        PlainLayerSpecExpression(l) + (l.HasLearnedInitialState ? " with { LearnInitialState = true }" : "");

    private static string PlainLayerSpecExpression(LayerModel l) => l.Kind switch
    {
        LayerKind.Embedding => $"global::RnnGen.LayerSpec.Embedding({F(l.Vocabulary)}, {F(l.Size)})",
        LayerKind.Dense => $"global::RnnGen.LayerSpec.Dense({F(l.Size)}, global::RnnGen.Activation.{l.Activation})",
        LayerKind.Rnn when l.Reservoir => $"global::RnnGen.LayerSpec.Reservoir({F(l.Size)}, {Float(l.SpectralRadius)}, {Float(l.Density)}, {Float(l.InputScaling)}, {Float(l.Leak)})",
        LayerKind.Rnn when l.IsClockwork => $"global::RnnGen.LayerSpec.Clockwork({F(l.Size)}, new[] {{ {string.Join(", ", l.ClockPeriods.Select(t => F(t)))} }}, global::RnnGen.Activation.{l.Activation})",
        LayerKind.Rnn => $"global::RnnGen.LayerSpec.Rnn({F(l.Size)}, global::RnnGen.Activation.{l.Activation}, {(l.Bidirectional ? "true" : "false")}{(l.IsLeaky || l.HasSkip ? ", " + Float(l.Leak) : "")}{(l.HasSkip || l.HasLearnedLeak ? ", " + F(l.SkipDelay) : "")}{(l.HasLearnedLeak ? ", true" : "")}){(l.HasNoUnitDelay ? " with { ReplaceUnitDelay = true }" : "")}",
        _ => $"global::RnnGen.LayerSpec.{l.Kind}({F(l.Size)}, {(l.Bidirectional ? "true" : "false")}{(l.HasPeepholes ? ", peepholes: true" : "")}{(l.HasResetBefore ? ", resetAfter: false" : "")}){(l.HasProjection ? $" with {{ ProjectionSize = {F(l.ProjectionSize)} }}" : "")}",
    };

    /// <summary><c> with { Dropout = …, RecurrentDropout = … }</c> for a layer with dropout, else nothing.</summary>
    private static string DropoutInitializer(LayerModel l)
    {
        if (!l.HasDropout && !l.HasRecurrentDropout) return "";
        var parts = new System.Collections.Generic.List<string>();
        if (l.HasDropout) parts.Add("Dropout = " + Float(l.Dropout));
        if (l.HasRecurrentDropout) parts.Add("RecurrentDropout = " + Float(l.RecurrentDropout));
        return " with { " + string.Join(", ", parts) + " }";
    }

    /// <summary>The named offsets the layers' code uses: each tensor of the parameter layout (PyTorch name and shape),
    /// each block of the packed forward weights, and each recurrent direction's state.</summary>
    private static void WriteLayout(IndentedTextWriter w, ModelPlan plan)
    {
        w.WriteLine("// Parameter layout: offsets into Parameters, Gradients and _packedBack (each matrix's backward packing sits at its own offset).");
        foreach (TensorPlan t in plan.Layers.SelectMany(p => p.Directions).SelectMany(d => d.Tensors))
            w.WriteLine($"private const int {t.Constant} = {F(t.Offset)};   // {t.Name} {t.ShapeText}");
        var packed = plan.Layers.SelectMany(p => p.Directions.Select(d => (p, d))).Where(x => x.d.Packed.Any()).ToList();
        if (packed.Count > 0)
        {
            w.WriteLine("// Packed forward weights: offsets into _packed (see EnsurePacked).");
            foreach (var (p, d) in packed)
                foreach (PackedTensorPlan k in d.Packed)
                    w.WriteLine($"private const int {k.Constant} = {F(k.Offset)};   // layers.{F(p.Index)}{(p.Layer.IsRecurrent ? " " + d.Name : "")}: {k.Description}");
        }
        var streamed = plan.SpecialisedAt(512) || plan.SpecialisedAt(256)
            ? plan.Layers.Where(p => (p.Stream512 ?? p.Stream256) is { Form: not StreamForm.DenseDots }).ToList()
            : new System.Collections.Generic.List<LayerPlan>();
        if (streamed.Count > 0)
        {
            w.WriteLine("// Streaming kernels' weights: offsets into _streamPacked (see EnsurePacked).");
            foreach (LayerPlan p in streamed)
                w.WriteLine($"private const int {p.Name}Stream = {F(p.StreamOffset)};   // layers.{F(p.Index)}: {(p.Layer.IsRecurrent ? "unit blocks" : "b, then W by columns")}");
        }
        var states = plan.Layers.Where(p => p.Layer.IsRecurrent).SelectMany(p => p.Directions.Select(d => (p, d))).ToList();
        if (states.Count > 0)
        {
            w.WriteLine("// State layout: offsets into State.");
            foreach (var (p, d) in states)
                w.WriteLine($"private const int {d.StateConstant} = {F(d.StateOffset)};   // layers.{F(p.Index)} {d.Name}: {StateContents(p)}");
        }
        w.WriteLine();
    }

    private static string StateContents(LayerPlan p) =>
        p.Layer.Kind == LayerKind.Lstm ? $"h [{F(p.R)}], c [{F(p.H)}]"
        : p.Clockwork ? $"h [{F(p.H)}], then the step counter t mod {F((int)p.Layer.ClockCycle)} [1]"
        : p.Skip > 0 ? $"h(t−1) … h(t−{F(p.Skip)}) [{F(p.Skip)} × {F(p.H)}]"
        : $"h [{F(p.H)}]";

    public static void WriteStateStruct(IndentedTextWriter w, ModelPlan plan)
    {
        w.WriteLine("/// <summary>");
        w.WriteLine($"/// The recurrent state of one stream: {F(plan.StateSize)} floats in a fixed-size value (no heap).");
        foreach (LayerPlan p in plan.Layers.Where(p => p.Layer.IsRecurrent))
            foreach (DirectionPlan d in p.Directions)
                w.WriteLine($"/// [{F(d.StateOffset)}, {F(d.StateOffset + p.StateWidth)}): layer {F(p.Index)} {d.Name} " +
                    (p.Layer.Kind == LayerKind.Lstm ? $"h [{F(p.R)}], c [{F(p.H)}]" : p.Clockwork ? StateContents(p) : $"h [{F(p.H)}]"));
        w.WriteLine(plan.LearnsInitialState
            ? "/// A default value is the zero state; <c>ResetState(ref state)</c> sets the learned initial state. View it as a span with <c>Span&lt;float&gt; s = state;</c>."
            : "/// A default value is the zero state. View it as a span with <c>Span&lt;float&gt; s = state;</c>.");
        w.WriteLine("/// </summary>");
        w.WriteLine($"[global::System.Runtime.CompilerServices.InlineArray({F(Math.Max(1, plan.StateSize))})]");
        using (w.WriteBlock("public struct State"))
            w.WriteLine("private float _element0;");
        w.WriteLine();
    }

    public static void WriteFields(IndentedTextWriter w, ModelPlan plan, float[]? baked)
    {
        ModelSpec model = plan.Model;
        int tile = plan.Tile;
        if (baked is null)
            w.WriteLine($"private readonly float[] _parameters = new float[{F(plan.ParameterCount)}];");
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
                    line.Append(Literals.FloatLiteral(baked[j])).Append(", ");
                w.WriteLine(line.ToString().TrimEnd());
            }
            w.WriteLine("};");
            w.WriteLine();
        }
        w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _gradients = new({F(plan.ParameterCount)});   // 64-byte aligned: the weight-gradient products stream its rows");
        w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _packed = new({F(plan.PackedCount)});   // forward weights, transposed (see EnsurePacked); 64-byte aligned");
        w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _packedBack = new({F(plan.ParameterCount)});   // backward: each weight matrix's transpose, packed at its parameter offset (see EnsurePacked)");
        w.WriteLine("private readonly object _packLock = new();");
        w.WriteLine("private volatile bool _packedValid;");
        if (plan.SpecialisedAt(512) || plan.SpecialisedAt(256))
        {
            w.WriteLine($"private readonly global::RnnGen.Kernels.AlignedBuffer _streamPacked = new({F(plan.StreamPackedCount)});   // the streaming kernels' weights (see EnsureStreamPacked); 64-byte aligned");
            w.WriteLine("private volatile bool _streamPackedValid;   // packed by the first Step after a change, never by training");
        }
        w.WriteLine($"private readonly float[] _initialStateGradients = new float[{F(plan.StateSize)}];");
        w.WriteLine("private State _state;");
        if (plan.LearnsInitialState)
            w.WriteLine("private bool _fromInitialState;   // the recorded pass began at the learned initial state (not a given one): Backward learns it");
        w.WriteLine("private int _recordedSteps, _recordedBatch;");
        w.WriteLine($"// Sequence buffers hold BatchTile = {F(tile)} slots (one sequence each); the single-sequence methods use slot 0.");
        w.WriteLine($"private readonly float[] _batchStates = new float[{F(tile * plan.StateSize)}];   // [BatchTile × StateSize] states in and out of a pass");
        if (model.UsesTokens)
            w.WriteLine($"private readonly int[] _tokens = new int[{F(tile * model.MaxSteps)}];");
        else
        {
            w.WriteLine($"private readonly float[] _inputs = new float[{F(tile * plan.InputStride)}];              // [BatchTile × MaxSteps × {F(model.InputSize)}]");
            w.WriteLine($"private readonly float[] _inputGradients = new float[{F(tile * plan.InputStride)}];      // dLoss/dInputs");
        }
        foreach (LayerPlan p in plan.Layers)
        {
            w.WriteLine($"// {p.Name}: {p.Title}");
            w.WriteLine($"private readonly float[] _{p.Field}Out = new float[{F(tile * p.OutStride)}];            // [BatchTile × MaxSteps × {F(p.Out)}] outputs");
            w.WriteLine($"private readonly float[] _{p.Field}OutGradient = new float[{F(tile * p.OutStride)}];    // dLoss/d outputs");
            if (p.Layer.Kind == LayerKind.Dense)
            {
                w.WriteLine($"private readonly float[] _{p.Field}Pre = new float[{F(tile * p.PreStride)}];            // [BatchTile × MaxSteps × {F(p.H)}] W·x + b");
                w.WriteLine($"private readonly float[] _{p.Field}Dz = new float[{F(tile * p.PreStride)}];             // [BatchTile × MaxSteps × {F(p.H)}] dL/d(W·x + b)");
            }
            if (p.Layer.IsRecurrent)
            {
                foreach (DirectionPlan d in p.Directions)
                {
                    int i = d.Direction;
                    w.WriteLine($"private readonly float[] _{p.Field}States{i} = new float[{F(tile * p.StatesStride)}];   // [BatchTile × (MaxSteps + 1) × {F(p.StateWidth)}] state after each step ({d.Name})");
                    w.WriteLine($"private readonly float[] _{p.Field}Cache{i} = new float[{F(tile * p.CacheStride)}];    // [BatchTile × MaxSteps × {F(p.CacheWidth)}] gates");
                    w.WriteLine($"private readonly float[] _{p.Field}Dz{i} = new float[{F(tile * p.DzStride)}];   // [BatchTile × MaxSteps × {F(p.ScratchWidth)}] dL/d(pre-activations), for the weight gradients");
                }
                w.WriteLine($"private readonly float[] _{p.Field}StateGradient = new float[{F(tile * p.StateWidth)}];   // [BatchTile × {F(p.StateWidth)}]");
            }
        }
        if (!plan.StackScratch && plan.Streaming)
        {
            w.WriteLine("// Streaming scratch is too large for the stack: one set per thread, allocated on that thread's first step.");
            w.WriteLine("[global::System.ThreadStatic] private static float[]? t_stepScratch;");
        }
        w.WriteLine();
    }
}
