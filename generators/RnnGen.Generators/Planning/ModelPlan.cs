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

    /// <summary>Floats of the streaming kernels' weights (at least 1).</summary>
    public int StreamPackedCount { get; init; }

    /// <summary>Every layer has a specialised streaming kernel at <paramref name="tier"/> (an embedding needs none).</summary>
    public bool SpecialisedAt(int tier)
    {
        if (!Streaming) return false;
        foreach (LayerPlan layer in Layers)
            if (layer.Layer.Kind != LayerKind.Embedding && layer.StreamAt(tier) is null) return false;
        return true;
    }

    public LayerPlan Last => Layers[Layers.Count - 1];

    /// <summary>"1" for LastStep outputs, "steps" for every step: the output steps as a C# expression.</summary>
    public string OutputSteps => Model.Output == OutputMode.LastStep ? "1" : "steps";
}
