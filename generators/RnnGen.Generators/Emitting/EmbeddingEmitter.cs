using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>Embedding: y(t) = W[token(t)]; dW[token(t)] += dy(t). No packing, no cell.</summary>
internal sealed class EmbeddingEmitter(ModelPlan model, LayerPlan plan) : LayerEmitter(model, plan)
{
    private string Weight => P.Directions[0].Input.Constant;

    public override bool WritesStepBuffer => true;

    public override string WriteStep(IndentedTextWriter w, string x, string buffer)
    {
        w.WriteLine("// y = W[token]");
        w.WriteLine($"p.Slice({Weight} + {Times("token", P.H)}, {F(P.H)}).CopyTo({buffer});");
        return $"{buffer}.Slice(0, {F(P.Out)})";
    }

    public override void WriteForward(IndentedTextWriter w)
    {
        w.WriteLine($"/// <summary>{P.Name} over whole sequences, slots 0 … batch − 1 in lockstep: {P.Title}.</summary>");
        using (w.WriteBlock($"private void {P.Name}Forward(int batch, int steps)"))
        {
            w.WriteLine($"{ReadOnlySpan} p = _parameters;");
            w.WriteLine($"{Span} output = _{P.Field}Out;");
            w.WriteLine("// y(t) = W[token(t)]");
            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
            using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                w.WriteLine($"p.Slice({Weight} + {Times($"_tokens[{Times("b", Model.Model.MaxSteps)} + t]", P.H)}, {F(P.H)}).CopyTo(output.Slice({Times("b", P.OutStride)} + {Times("t", P.H)}, {F(P.H)}));");
        }
        w.WriteLine();
    }

    public override void WriteBackward(IndentedTextWriter w)
    {
        w.WriteLine($"/// <summary>BPTT through {P.Name} ({P.Title}) for slots 0 … batch − 1; gradients accumulate slot by slot, in order.</summary>");
        using (w.WriteBlock($"private void {P.Name}Backward(int batch, int steps)"))
        {
            w.WriteLine($"{Span} g = _gradients.Span;");
            w.WriteLine($"{ReadOnlySpan} dOut = _{P.Field}OutGradient;");
            w.WriteLine("// dW[token(t)] += dy(t)");
            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
            using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
                w.WriteLine($"{K}.Add(dOut.Slice({Times("b", P.OutStride)} + {Times("t", P.H)}, {F(P.H)}), g.Slice({Weight} + {Times($"_tokens[{Times("b", Model.Model.MaxSteps)} + t]", P.H)}, {F(P.H)}));");
        }
        w.WriteLine();
    }
}
