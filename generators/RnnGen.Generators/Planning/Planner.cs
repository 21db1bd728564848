using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Geometry;

namespace RnnGen.Generators.Planning;

/// <summary>Turns a <see cref="ModelSpec"/> into a <see cref="ModelPlan"/>: every offset, stride, tile and inlining
/// decision the emitter uses, computed once and named.</summary>
internal static class Planner
{
    /// <summary>Largest per-call scratch (floats) a streaming step puts on the stack; beyond it, thread-local arrays.</summary>
    public const int MaxStackFloats = 16 * 1024;

    public static ModelPlan Plan(ModelSpec model)
    {
        // A bidirectional layer's output at step t depends on later inputs: such a model cannot be stepped.
        bool streaming = model.Layers.All(l => l.Directions == 1);
        // One cell call in Step (one recurrent layer, one direction): inlined there it ran level to 10 % faster at
        // H ≤ 32; two inlined cells (the two-layer LSTM 16→32→32→4) ran level to 16 % slower than two calls.
        var recurrent = model.Layers.Where(l => l.IsRecurrent).ToList();
        bool inlineOnlyCell = recurrent.Count == 1 && recurrent[0].Directions == 1;
        bool fusedLogits = model.Loss is LossKind.CrossEntropy or LossKind.BinaryCrossEntropy;
        int inputStride = model.MaxSteps * Math.Max(1, model.InputSize);

        // Parameter offsets, tensor names and shapes, state offsets and widths come from the shared geometry (the
        // runtime's ParameterLayout reads the same); the packed layout, the gate records and the strides are ours.
        NetworkGeometry geometry = model.Geometry;
        var layers = new List<LayerPlan>();
        int packed = 0, streamPacked = 0;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            LayerModel l = model.Layers[i];
            LayerGeometry g = geometry.Layers[i];
            int h = l.Size, r = g.HiddenWidth, width = g.InputWidth, gh = g.GateRows;
            int packedPerDirection = l.Kind switch
            {
                LayerKind.Embedding => 0,
                LayerKind.Dense => h * width + h,
                // GRU keeps b_ih and b_hh apart (b_hn stays inside the reset product); the others pack b_ih + b_hh
                LayerKind.Gru => gh * (width + h + 2),
                _ => gh * (width + (l.HasNoUnitDelay ? 0 : r) + 1) + (l.HasSkip ? h * h : 0) + (l.HasLearnedLeak ? h : 0) + (l.HasPeepholes ? 3 * h : 0) + (l.HasProjection ? r * h : 0),
            };
            int stateWidth = g.StateWidthPerDirection;
            int cacheWidth = l.Kind switch { LayerKind.Lstm => l.HasProjection ? 6 * h : 5 * h, LayerKind.Gru => l.HasResetBefore ? 7 * h : 6 * h, LayerKind.Rnn => h, _ => 0 };   // + m = o ⊙ tanh(c') of a projection, + r ⊙ h of a reset-before GRU
            int scratchWidth = l.Kind switch { LayerKind.Lstm => l.HasPeepholes ? 7 * h : l.HasProjection ? 5 * h + r : 4 * h, LayerKind.Gru => 6 * h, LayerKind.Rnn => l.HasLearnedLeak ? 2 * h : h, LayerKind.Dense => h, _ => 0 };   // + dλ records, + the peepholes' terms, + dh' and dm
            var directions = new List<DirectionPlan>();
            for (int d = 0; d < g.Directions; d++)
                directions.Add(Direction(i, g, d, geometry.ParameterOffset(i) + g.DirectionOffset(d), packed + d * packedPerDirection, geometry.StateOffset(i) + d * stateWidth));
            LayerPlan previous = i == 0 ? null! : layers[i - 1];
            // The specialised streaming kernels: one plan per tier, their weights in one buffer laid out for the tier
            // the machine has (the same size at both tiers).
            StreamKernelPlan? stream512 = streaming ? StreamPlan(l, width, 512) : null, stream256 = streaming ? StreamPlan(l, width, 256) : null;
            int streamFloats = Math.Max(stream512 is null ? 0 : StreamPlanner.PackedFloats(stream512), stream256 is null ? 0 : StreamPlanner.PackedFloats(stream256));
            layers.Add(new LayerPlan
            {
                Stream512 = stream512,
                Stream256 = stream256,
                StreamOffset = streamPacked,
                Index = i,
                Layer = l,
                In = width,
                Out = g.OutputWidth,
                H = h,
                R = r,
                StateOffset = geometry.StateOffset(i),
                StateWidth = stateWidth,
                CacheWidth = cacheWidth,
                ScratchWidth = scratchWidth,
                Directions = directions.ToEquatableArray(),
                OutStride = model.MaxSteps * g.OutputWidth,
                PreStride = model.MaxSteps * h,
                StatesStride = SlotStride((model.MaxSteps + 1) * stateWidth),
                CacheStride = SlotStride(model.MaxSteps * cacheWidth),
                DzStride = SlotStride(model.MaxSteps * scratchWidth),
                InputField = i == 0 ? (model.UsesTokens ? "_tokens" : "_inputs") : previous.Layer.HasDropout ? $"_{previous.Field}Dropped" : $"_{previous.Field}Out",
                InputStride = i == 0 ? (model.UsesTokens ? model.MaxSteps : inputStride) : previous.OutStride,
                InputGradientField = i == 0 ? (model.UsesTokens ? "" : "_inputGradients") : $"_{previous.Field}OutGradient",
                InlineCell = inlineOnlyCell && l.IsRecurrent,
                OutOfLinePointwise = l.Kind is LayerKind.Lstm or LayerKind.Gru,
                Streaming = streaming,
                GradientIsPreActivation = fusedLogits && i == model.Layers.Count - 1,
            });
            packed += packedPerDirection * g.Directions;
            streamPacked = checked(streamPacked + streamFloats);
        }

        int maxWidth = Math.Max(1, layers.Max(p => p.Out));
        int maxCache = Math.Max(1, layers.Max(p => Math.Max(p.CacheWidth, p.Layer.Kind == LayerKind.Dense ? p.H : 0)));
        return new ModelPlan
        {
            Model = model,
            Layers = layers.ToEquatableArray(),
            ParameterCount = checked((int)geometry.ParameterCount),
            StateSize = geometry.StateSize,
            PackedCount = Math.Max(1, packed),
            StreamPackedCount = Math.Max(1, streamPacked),
            Tile = Tile(model, layers),
            InputStride = inputStride,
            MaxWidth = maxWidth,
            MaxCache = maxCache,
            StackScratch = 2 * maxWidth + maxCache <= MaxStackFloats,
            Streaming = streaming,
        };
    }

    private static StreamKernelPlan? StreamPlan(LayerModel layer, int input, int tier) => layer.Kind switch
    {
        LayerKind.Dense => StreamPlanner.Dense(input, layer.Size, tier),
        LayerKind.Embedding => null,
        _ => StreamPlanner.Recurrent(layer, input, tier),
    };

    /// <summary>One direction's tensors, from the shared geometry (W_ih, W_hh, b_ih, b_hh, then W_skip and λ of an
    /// Elman layer that has them, or an LSTM's peepholes or projection W_hr; W and b of a Dense or Embedding layer), and its packed blocks
    /// (W_ihᵀ, W_hhᵀ, the bias, W_skipᵀ, α, the peepholes, W_hrᵀ).</summary>
    private static DirectionPlan Direction(int index, LayerGeometry g, int d, int parameters, int packed, int state)
    {
        string constant = $"L{index}", reverse = d == 0 ? "" : "Reverse";
        int h = g.Size, r = g.HiddenWidth, width = g.InputWidth, gh = g.GateRows;
        TensorPlan? Tensor(TensorRole role)
        {
            if (!g.Has(role)) return null;
            TensorGeometry t = g[role];
            return new(g.TensorName(index, t, d), t.Shape.ToEquatableArray(), parameters + t.Offset, constant + role + reverse);
        }
        PackedTensorPlan Packed(string role, int offset, int length, string description) =>
            new(constant + "Packed" + role + reverse, offset, length, description);
        switch (g.Kind)
        {
            case LayerKind.Embedding:
                return new DirectionPlan(d, state, "", Tensor(TensorRole.Weight)!);
            case LayerKind.Dense:
                return new DirectionPlan(d, state, "",
                    Input: Tensor(TensorRole.Weight)!,
                    Bias: Tensor(TensorRole.Bias),
                    PackedInput: Packed("Weight", packed, h * width, $"Wᵀ [{width} × {h}]"),
                    PackedBias: Packed("Bias", packed + h * width, h, $"b [{h}]"));
        }
        bool gru = g.Kind == LayerKind.Gru, skip = g.Has(TensorRole.WeightSkip), leak = g.Has(TensorRole.Leak), hidden = g.Has(TensorRole.WeightHh);
        bool peephole = g.Has(TensorRole.Peephole), projection = g.Has(TensorRole.Projection);
        int packedHidden = hidden ? r * gh : 0;   // none when a skip connection replaces the unit delay
        int packedSkipAt = packed + width * gh + packedHidden + gh, packedLeakAt = packedSkipAt + (skip ? h * h : 0), packedPeepholeAt = packedLeakAt + (leak ? h : 0);
        int packedProjectionAt = packedPeepholeAt + (peephole ? 3 * h : 0);
        return new DirectionPlan(d, state, constant + "State" + reverse,
            Input: Tensor(TensorRole.WeightIh)!,
            Hidden: Tensor(TensorRole.WeightHh),
            Bias: Tensor(TensorRole.BiasIh),
            HiddenBias: Tensor(TensorRole.BiasHh),
            Skip: Tensor(TensorRole.WeightSkip),
            Leak: Tensor(TensorRole.Leak),
            Peephole: Tensor(TensorRole.Peephole),
            Projection: Tensor(TensorRole.Projection),
            InitialH: Tensor(TensorRole.InitialH),
            InitialC: Tensor(TensorRole.InitialC),
            PackedInput: Packed("WeightIh", packed, width * gh, $"W_ihᵀ [{width} × {gh}]"),
            PackedHidden: hidden ? Packed("WeightHh", packed + width * gh, r * gh, $"W_hhᵀ [{r} × {gh}]") : null,
            PackedBias: Packed("Bias", packed + width * gh + packedHidden, gru ? 2 * gh : gh, gru ? $"b_ih [{gh}], then b_hh [{gh}]" : $"b_ih + b_hh [{gh}]"),
            PackedSkip: skip ? Packed("WeightSkip", packedSkipAt, h * h, $"W_skipᵀ [{h} × {h}]") : null,
            PackedAlpha: leak ? Packed("Alpha", packedLeakAt, h, $"α = σ(λ) [{h}]") : null,
            PackedPeephole: peephole ? Packed("Peephole", packedPeepholeAt, 3 * h, $"p_i, p_o, p_f [3 × {h}]") : null,
            PackedProjection: projection ? Packed("Projection", packedProjectionAt, r * h, $"W_hrᵀ [{h} × {r}]") : null);
    }

    /// <summary>
    /// The distance between two sequence slots of a recurrent layer's states, gate cache and dz records: at least
    /// <paramref name="floats"/>, a whole number of cache lines, and never within a cache line of a multiple of 4 KiB.
    /// A step's product touches the same offset of every slot at once; slots exactly 4 KiB apart (64 steps of 640 gate
    /// floats is 40 × 4 KiB) would all fall into the same L1 sets and evict the weight panel the product reuses.
    /// </summary>
    public static int SlotStride(int floats)
    {
        int stride = (floats + 15) & ~15;
        while (stride % 1024 < 64 || stride % 1024 > 1024 - 64) stride += 16;
        return stride;
    }

    /// <summary>Sequence slots: how many sequences the batched methods run in lockstep (each weight block is loaded
    /// once per step for all of them). Up to 8, fewer when one slot's buffers are large (at most ~16 MB in all).</summary>
    private static int Tile(ModelSpec model, List<LayerPlan> layers)
    {
        long perSlot = model.UsesTokens ? model.MaxSteps : 2L * model.MaxSteps * model.InputSize;
        foreach (LayerPlan p in layers)
        {
            perSlot += 2L * model.MaxSteps * p.Out;
            if (p.Layer.Kind == LayerKind.Dense) perSlot += 2L * model.MaxSteps * p.H;
            if (p.Layer.IsRecurrent)
                perSlot += p.StateWidth * (1L + p.DirectionCount) + (long)p.DirectionCount * ((model.MaxSteps + 1L) * p.StateWidth + (long)model.MaxSteps * (p.CacheWidth + p.ScratchWidth));
        }
        return (int)Math.Max(1, Math.Min(8, 4_000_000 / Math.Max(1, perSlot)));
    }
}
