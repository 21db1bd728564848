using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>Embedding: y(t) = W[token(t)]; dW[token(t)] += dy(t). No packing, no cell.</summary>
internal sealed class EmbeddingEmitter(ModelPlan model, LayerPlan plan) : LayerEmitter(model, plan)
{
    private string Weight => P.Directions[0].Input.Constant;

    /// <summary>The row of W for the token of step t of slot b.</summary>
    private string TokenRow => $"{Weight} + {Times($"_tokens[{Times("b", Model.Model.MaxSteps)} + t]", P.H)}";

    public override bool WritesStepBuffer => true;

    public override string WriteStep(IndentedTextWriter w, string x, string buffer)
    {
        w.WriteLine("// y = W[token]");
        w.WriteLine($"p.Slice({Weight} + {Times("token", P.H)}, {F(P.H)}).CopyTo({buffer});");
        return $"{buffer}.Slice(0, {F(P.Out)})";
    }

    protected override void WriteForwardBody(IndentedTextWriter w)
    {
        w.WriteLine("// y(t) = W[token(t)]");
        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
        using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
            w.WriteLine($"p.Slice({TokenRow}, {F(P.H)}).CopyTo(output.Slice({Times("b", P.OutStride)} + {Times("t", P.H)}, {F(P.H)}));");
    }

    protected override void WriteBackwardBody(IndentedTextWriter w)
    {
        w.WriteLine("// dW[token(t)] += dy(t)");
        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
        using (w.WriteBlock("for (int t = 0; t < steps; t++)"))
            w.WriteLine($"{K}.Add(dOut.Slice({Times("b", P.OutStride)} + {Times("t", P.H)}, {F(P.H)}), g.Slice({TokenRow}, {F(P.H)}));");
    }
}
