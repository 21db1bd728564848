using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

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

    /// <summary>Writes <c>LayerNForward(batch, steps)</c>: the layer over whole sequences, every slot in lockstep.</summary>
    public void WriteForward(IndentedTextWriter w)
    {
        w.WriteLine($"/// <summary>{P.Name} over whole sequences, slots 0 … batch − 1 in lockstep: {P.Title}.</summary>");
        using (w.WriteBlock($"private void {P.Name}Forward(int batch, int steps)"))
        {
            bool embedding = P.Layer.Kind == LayerKind.Embedding;
            w.WriteLine(embedding ? $"{ReadOnlySpan} p = _parameters;" : $"{ReadOnlySpan} k = _packed.Span;");
            if (!embedding) w.WriteLine($"{ReadOnlySpan} input = {P.InputField};");
            w.WriteLine($"{Span} output = _{P.Field}Out;");
            WriteForwardBody(w);
        }
        w.WriteLine();
    }

    /// <summary>Writes <c>LayerNBackward(batch, steps)</c>: BPTT through the layer, every slot, gradients accumulated in slot order.</summary>
    public void WriteBackward(IndentedTextWriter w)
    {
        w.WriteLine($"/// <summary>BPTT through {P.Name} ({P.Title}) for slots 0 … batch − 1; gradients accumulate slot by slot, in order.</summary>");
        using (w.WriteBlock($"private void {P.Name}Backward(int batch, int steps)"))
        {
            w.WriteLine($"{Span} g = _gradients.Span;");
            w.WriteLine($"{ReadOnlySpan} dOut = _{P.Field}OutGradient;");
            if (P.Layer.Kind != LayerKind.Embedding)   // token ids have no gradient
            {
                w.WriteLine($"{ReadOnlySpan} kb = _packedBack.Span;");
                w.WriteLine($"{ReadOnlySpan} input = {P.InputField};");
                w.WriteLine($"{Span} dIn = {P.InputGradientField};");
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    w.WriteLine($"dIn.Slice({Times("b", P.InputStride)}, {Times("steps", P.In)}).Clear();");
            }
            WriteBackwardBody(w);
        }
        w.WriteLine();
    }

    /// <summary>The body of <c>LayerNForward</c> after <c>k</c> (or <c>p</c>), <c>input</c> and <c>output</c>.</summary>
    protected abstract void WriteForwardBody(IndentedTextWriter w);

    /// <summary>The body of <c>LayerNBackward</c> after <c>g</c>, <c>dOut</c>, <c>kb</c>, <c>input</c> and the cleared <c>dIn</c>.</summary>
    protected abstract void WriteBackwardBody(IndentedTextWriter w);

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
