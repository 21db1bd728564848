using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// The specialised streaming path: per tier (<c>Vector512</c> accelerated, or <c>Vector256</c> only) a <c>StepNNN</c>
/// that walks the layers through their <see cref="StreamKernelEmitter"/> kernels, a <c>StreamsNNN</c> that does the same
/// for many states at once, chunk by chunk, and the kernels themselves. A model some layer of which has no plan at a
/// tier keeps the portable path there.
/// </summary>
internal static class StreamingKernels
{
    private const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";

    /// <summary>The condition under which a tier's kernels run: its vectors accelerated, and (256) fused multiply-adds.</summary>
    public static string Condition(int tier) => tier == 512
        ? "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated"
        : "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && global::System.Runtime.Intrinsics.X86.Fma.IsSupported";

    public static IEnumerable<int> Tiers(ModelPlan plan) => new[] { 512, 256 }.Where(plan.SpecialisedAt);

    /// <summary>The lines at the head of <c>Step(ref State, …)</c> that hand over to the specialised path.</summary>
    public static void WriteStepDispatch(IndentedTextWriter w, ModelPlan plan, string arguments)
    {
        foreach (int tier in Tiers(plan))
            using (w.WriteBlock($"if ({Condition(tier)})"))   // the kernels written for this shape
            {
                w.WriteLine("if (!_streamPackedValid) EnsureStreamPacked();");
                w.WriteLine($"Step{tier}({arguments});");
                w.WriteLine("return;");
            }
    }

    /// <summary>The lines at the head of the many-stream <c>Step</c> that hand over to the specialised path.</summary>
    public static void WriteStreamsDispatch(IndentedTextWriter w, ModelPlan plan)
    {
        if (plan.Model.UsesTokens) return;
        foreach (int tier in Tiers(plan))
            using (w.WriteBlock($"if ({Condition(tier)})"))
            {
                w.WriteLine("if (!_streamPackedValid) EnsureStreamPacked();");
                w.WriteLine($"Streams{tier}(states, inputs, outputs);");
                w.WriteLine("return;");
            }
    }

    public static void Write(IndentedTextWriter w, ModelPlan plan)
    {
        foreach (int tier in Tiers(plan))
        {
            List<StreamKernelEmitter?> kernels = Kernels(plan, tier);
            WriteStep(w, plan, tier, kernels);
            if (!plan.Model.UsesTokens) WriteStreams(w, plan, tier, kernels);
            foreach (StreamKernelEmitter? kernel in kernels) kernel?.Write(w, manyStreams: !plan.Model.UsesTokens);
        }
    }

    private static List<StreamKernelEmitter?> Kernels(ModelPlan plan, int tier)
    {
        var kernels = new List<StreamKernelEmitter?>();
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan p = plan.Layers[i];
            if (p.Layer.Kind == LayerKind.Embedding) { kernels.Add(null); continue; }
            LayerPlan? previous = i == 0 ? null : plan.Layers[i - 1];
            int xStride = previous is null ? plan.Model.InputSize : previous.Layer.IsRecurrent ? plan.StateSize : previous.Out;
            int yStride = i == plan.Layers.Count - 1 ? plan.Model.OutputSize : p.Out;
            kernels.Add(new StreamKernelEmitter(p, p.StreamAt(tier)!, xStride, yStride, plan.StateSize));
        }
        return kernels;
    }

    private static bool ReadsParameters(ModelPlan plan, int tier) =>
        plan.Layers.Any(p => p.Layer.Kind == LayerKind.Embedding || p.StreamAt(tier)?.Form == StreamForm.DenseDots);

    private static void WriteStep(IndentedTextWriter w, ModelPlan plan, int tier, List<StreamKernelEmitter?> kernels)
    {
        bool tokens = plan.Model.UsesTokens;
        w.WriteLine($"/// <summary>Step on the {tier} tier: each layer's kernel written for its shape (see the plan above each).</summary>");
        w.WriteLine(MethodImpl);
        using (w.WriteBlock($"private void Step{tier}(ref State state, {(tokens ? "int token" : ReadOnlySpan + " input")}, {Span} output)"))
        {
            w.WriteLine($"ref float w = ref {Marshal}.GetReference(_streamPacked.Span);");
            if (ReadsParameters(plan, tier)) w.WriteLine($"ref float p = ref {Marshal}.GetArrayDataReference(_parameters);");
            w.WriteLine($"ref float s = ref {Unsafe}.As<State, float>(ref state);");
            int scratch = plan.Layers.Where((p, i) => kernels[i]?.StepNeedsScratch == true).Select(p => p.H).DefaultIfEmpty(0).Max();
            if (scratch > 0) w.WriteLine($"{Span} hNext = stackalloc float[{F(scratch)}];");
            bool[] buffers = Buffers(plan);
            for (int b = 0; b < 2; b++)
                if (buffers[b]) w.WriteLine($"{Span} buffer{b} = stackalloc float[{F(plan.MaxWidth)}];");
            string x = tokens ? "" : $"ref {Marshal}.GetReference(input)";
            for (int i = 0; i < plan.Layers.Count; i++)
            {
                LayerPlan p = plan.Layers[i];
                bool last = i == plan.Layers.Count - 1;
                w.WriteLine($"// {p.Name}: {p.Title}");
                switch (p.Layer.Kind)
                {
                    case LayerKind.Embedding:
                        x = $"ref {Unsafe}.Add(ref p, {p.Directions[0].Input.Constant} + token * {F(p.H)})";   // the row itself, not a copy
                        break;
                    case LayerKind.Dense:
                        string y = last ? $"ref {Marshal}.GetReference(output)" : $"ref {Marshal}.GetReference(buffer{i % 2})";
                        w.WriteLine(DenseCall(p, kernels[i]!.StepName, tier, x, y, ""));
                        if (p.Layer.Activation != Activation.Identity)
                        {
                            string span = last ? "output" : $"buffer{i % 2}.Slice(0, {F(p.Out)})";
                            w.WriteLine($"{Act}.{p.Layer.Activation}({span}, {span});");
                        }
                        x = y;
                        break;
                    default:
                        string state = $"ref {Unsafe}.Add(ref s, {p.Directions[0].StateConstant})";
                        w.WriteLine($"{kernels[i]!.StepName}(ref {Unsafe}.Add(ref w, {p.Name}Stream), {x}, {state}{(kernels[i]!.StepNeedsScratch ? $", ref {Marshal}.GetReference(hNext)" : "")});");
                        x = state;
                        if (last) w.WriteLine($"{Marshal}.CreateReadOnlySpan({state}, {F(p.H)}).CopyTo(output);");
                        break;
                }
            }
        }
        w.WriteLine();
    }

    private static string DenseCall(LayerPlan p, string name, int tier, string x, string y, string count)
    {
        DirectionPlan d = p.Directions[0];
        string weights = p.StreamAt(tier)!.Form == StreamForm.DenseDots
            ? $"ref {Unsafe}.Add(ref p, {d.Input.Constant}), ref {Unsafe}.Add(ref p, {d.Bias!.Constant})"
            : $"ref {Unsafe}.Add(ref w, {p.Name}Stream)";
        return $"{name}({weights}, {x}, {y}{count});";
    }

    /// <summary>Which of the two alternating buffers a Dense layer other than the last writes.</summary>
    private static bool[] Buffers(ModelPlan plan)
    {
        var used = new bool[2];
        for (int i = 0; i < plan.Layers.Count - 1; i++)
            if (plan.Layers[i].Layer.Kind == LayerKind.Dense) used[i % 2] = true;
        return used;
    }

    private static void WriteStreams(IndentedTextWriter w, ModelPlan plan, int tier, List<StreamKernelEmitter?> kernels)
    {
        int chunk = plan.StreamChunk(tier), input = plan.Model.InputSize, output = plan.Model.OutputSize;
        w.WriteLine($"/// <summary>The many-stream step on the {tier} tier: {F(chunk)} streams at a time, layer by layer, each layer's weights");
        w.WriteLine("/// read once per tile of streams.</summary>");
        using (w.WriteBlock($"private void Streams{tier}(global::System.Span<State> states, {ReadOnlySpan} inputs, {Span} outputs)"))
        {
            w.WriteLine($"ref float w = ref {Marshal}.GetReference(_streamPacked.Span);");
            if (ReadsParameters(plan, tier)) w.WriteLine($"ref float p = ref {Marshal}.GetArrayDataReference(_parameters);");
            int scratch = plan.Layers.Where((p, i) => kernels[i]?.StreamsNeedScratch == true).Select(p => p.H).DefaultIfEmpty(0).Max();
            if (scratch > 0) w.WriteLine($"{Span} hNext = stackalloc float[{F(chunk * scratch)}];   // h' of a chunk [{F(chunk)} × {F(scratch)}]");
            bool[] buffers = Buffers(plan);
            for (int b = 0; b < 2; b++)
                if (buffers[b]) w.WriteLine($"{Span} buffer{b} = stackalloc float[{F(chunk * plan.MaxWidth)}];");
            using (w.WriteBlock($"for (int first = 0; first < states.Length; first += {F(chunk)})"))
            {
                w.WriteLine($"int n = global::System.Math.Min({F(chunk)}, states.Length - first);");
                w.WriteLine($"ref float s = ref {Unsafe}.As<State, float>(ref states[first]);");
                string x = $"ref {Unsafe}.Add(ref {Marshal}.GetReference(inputs), {Times("first", input)})";
                for (int i = 0; i < plan.Layers.Count; i++)
                {
                    LayerPlan p = plan.Layers[i];
                    bool last = i == plan.Layers.Count - 1;
                    w.WriteLine($"// {p.Name}: {p.Title}");
                    if (p.Layer.Kind == LayerKind.Dense)
                    {
                        string y = last ? $"ref {Unsafe}.Add(ref {Marshal}.GetReference(outputs), {Times("first", output)})" : $"ref {Marshal}.GetReference(buffer{i % 2})";
                        w.WriteLine(DenseCall(p, kernels[i]!.StreamsName, tier, x, y, ", n"));
                        if (p.Layer.Activation != Activation.Identity)
                        {
                            string span = last ? $"outputs.Slice({Times("(first + t)", output)}, {F(output)})" : $"buffer{i % 2}.Slice({Times("t", p.Out)}, {F(p.Out)})";
                            w.WriteLine($"for (int t = 0; t < n; t++) {Act}.{p.Layer.Activation}({span}, {span});   // per stream, as Step does");
                        }
                        x = y;
                    }
                    else
                    {
                        string state = $"ref {Unsafe}.Add(ref s, {p.Directions[0].StateConstant})";
                        w.WriteLine($"{kernels[i]!.StreamsName}(ref {Unsafe}.Add(ref w, {p.Name}Stream), {x}, {state}, n{(kernels[i]!.StreamsNeedScratch ? $", ref {Marshal}.GetReference(hNext)" : "")});");
                        x = state;
                        if (last)
                            w.WriteLine($"for (int t = 0; t < n; t++) {Marshal}.CreateReadOnlySpan(ref {Unsafe}.Add(ref s, t * StateSize + {p.Directions[0].StateConstant}), {F(p.H)}).CopyTo(outputs.Slice({Times("(first + t)", output)}, {F(output)}));");
                    }
                }
            }
        }
        w.WriteLine();
    }
}
