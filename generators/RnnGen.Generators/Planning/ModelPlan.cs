using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;

namespace RnnGen.Generators.Planning;

/// <summary>Everything the emitter decides about one model before it writes a line: sizes, buffer strides, the batch
/// tile, the streaming scratch and which layer does what. Immutable, with value equality.</summary>
internal sealed record ModelPlan
{
    public ModelSpec Model { get; init; } = null!;
    public EquatableArray<LayerPlan> Layers { get; init; }

    public int ParameterCount { get; init; }
    public int StateSize { get; init; }

    /// <summary>Floats of the packed forward weights (at least 1, so the buffer exists).</summary>
    public int PackedCount { get; init; }

    /// <summary>Sequence slots the batched methods run in lockstep (see <see cref="Planner"/>).</summary>
    public int Tile { get; init; }

    /// <summary>Per-slot stride of the model's float inputs (MaxSteps × InputSize, at least MaxSteps).</summary>
    public int InputStride { get; init; }

    /// <summary>Streaming scratch: the widest layer output (two alternating buffers) and the widest gate record.</summary>
    public int MaxWidth { get; init; }
    public int MaxCache { get; init; }

    /// <summary>The streaming scratch fits on the stack; else each thread keeps an array.</summary>
    public bool StackScratch { get; init; }

    /// <summary>No bidirectional layer: the model can be stepped one input at a time.</summary>
    public bool Streaming { get; init; }

    /// <summary>Some layer learns its initial state (<c>LearnInitialState</c>): the default state is not all zeros.</summary>
    public bool LearnsInitialState => Layers.Any(p => p.LearnedInitialState);

    /// <summary>Floats of the streaming kernels' weights (at least 1).</summary>
    public int StreamPackedCount { get; init; }

    /// <summary>Every layer has a specialised streaming kernel at <paramref name="tier"/> (an embedding needs none), and
    /// the kernels' stack scratch fits: at most <see cref="Planner.MaxStackFloats"/> for one stream, 32 KiB a stream for
    /// many. Otherwise the whole model keeps the portable path at that tier.</summary>
    public bool SpecialisedAt(int tier)
    {
        if (!Streaming) return false;
        foreach (LayerPlan layer in Layers)
            if (layer.Layer.Kind != LayerKind.Embedding && layer.StreamAt(tier) is null) return false;
        return StepScratchFloats(tier) <= Planner.MaxStackFloats && StreamScratchFloats(tier) <= ChunkFloats;
    }

    /// <summary>Stack floats a many-stream chunk may use in all (32 KiB).</summary>
    public const int ChunkFloats = 8192;

    /// <summary>The alternating buffers of the Dense layers other than the last, MaxWidth floats each.</summary>
    public int StepBuffers
    {
        get
        {
            bool even = false, odd = false;
            for (int i = 0; i < Layers.Count - 1; i++)
                if (Layers[i].Layer.Kind == LayerKind.Dense) { if (i % 2 == 0) even = true; else odd = true; }
            return (even ? 1 : 0) + (odd ? 1 : 0);
        }
    }

    /// <summary>One stream's stack scratch at a tier: h' of a multi-pass layer, and the Dense buffers.</summary>
    public int StepScratchFloats(int tier)
    {
        int h = 0;
        foreach (LayerPlan layer in Layers)
            if (layer.StreamAt(tier) is { Form: StreamForm.Recurrent } k && k.Passes > 1) h = System.Math.Max(h, layer.H);
        return h + StepBuffers * MaxWidth;
    }

    /// <summary>Stack floats per stream of a many-stream chunk: h' of a layer of several unit blocks, and the Dense buffers.</summary>
    public int StreamScratchFloats(int tier)
    {
        int h = 0;
        foreach (LayerPlan layer in Layers)
            if (layer.StreamAt(tier) is { Form: StreamForm.Recurrent } k && k.Blocks > 1) h = System.Math.Max(h, layer.H);
        return h + StepBuffers * MaxWidth;
    }

    /// <summary>Streams per many-stream chunk: a power of two (whole tiles), at most 32, within <see cref="ChunkFloats"/>.</summary>
    public int StreamChunk(int tier)
    {
        int fit = System.Math.Min(32, ChunkFloats / System.Math.Max(1, StreamScratchFloats(tier)));
        int chunk = 1;
        while (chunk * 2 <= fit) chunk *= 2;
        return chunk;
    }

    public LayerPlan Last => Layers[Layers.Count - 1];

    /// <summary>"1" for LastStep outputs, "steps" for every step: the output steps as a C# expression.</summary>
    public string OutputSteps => Model.Output == OutputMode.LastStep ? "1" : "steps";
}
