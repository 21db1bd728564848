using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// Writes one layer's members: its walk over whole sequences, its walk back (BPTT), its streaming step and cell, and
/// its part of <c>EnsurePacked</c>. One subclass per layer kind (RTNeural's folder per layer).
/// </summary>
internal abstract class LayerEmitter
{
    protected LayerEmitter(ModelPlan model, LayerPlan plan)
    {
        Model = model;
        P = plan;
    }

    public ModelPlan Model { get; }

    /// <summary>This layer's plan.</summary>
    public LayerPlan P { get; }

    public static LayerEmitter For(ModelPlan model, LayerPlan p) => p.Layer.Kind switch
    {
        LayerKind.Embedding => new EmbeddingEmitter(model, p),
        LayerKind.Dense => new DenseEmitter(model, p),
        LayerKind.Lstm => new LstmEmitter(model, p),
        LayerKind.Gru => new GruEmitter(model, p),
        _ => new ElmanEmitter(model, p),
    };

    /// <summary>In <c>Step</c>, this layer writes its output into a scratch buffer (not into the state or <c>output</c>).</summary>
    public abstract bool WritesStepBuffer { get; }

    /// <summary>Writes this layer's part of <c>Step</c>, reading <paramref name="x"/>; returns the expression of its output.</summary>
    public abstract string WriteStep(IndentedTextWriter w, string x, string buffer);

    /// <summary>Writes <c>LayerNForward(batch, steps)</c>.</summary>
    public abstract void WriteForward(IndentedTextWriter w);

    /// <summary>Writes <c>LayerNBackward(batch, steps)</c>.</summary>
    public abstract void WriteBackward(IndentedTextWriter w);

    /// <summary>Writes the per-step methods the walks and <c>Step</c> call (cells, activations).</summary>
    public virtual void WriteCells(IndentedTextWriter w)
    {
    }

    /// <summary>Writes this layer's part of <c>EnsurePacked</c> (<c>p</c>: parameters, <c>k</c>: packed forward weights,
    /// <c>kb</c>: backward packing at the parameter offsets).</summary>
    public virtual void WritePacking(IndentedTextWriter w)
    {
    }

    protected bool IsLast => P.Index == Model.Layers.Count - 1;
}
