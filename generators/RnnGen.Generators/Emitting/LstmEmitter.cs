// The LSTM cell's equations are written once in src/RnnGen/Generated/LstmCell.cs (vector and scalar paths from one
// definition). The reference runtime (src/RnnGen/Reference/LstmLayer.cs) keeps its own plain copy on purpose; the two must
// agree, and GeneratedParityTests, BatchedParityTests, GradientCheckTests and PyTorchParityTests (the golden PyTorch
// fixtures) hold them together.
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>LSTM: gates i, f, g, o from one product z = W·[x; h] + b; state [h, c]; cache [i, f, g, o, tanh(c')].</summary>
internal sealed class LstmEmitter(ModelPlan model, LayerPlan plan) : RecurrentEmitter(model, plan)
{
    protected override string StepProductComment => $"// z = W·[x; h] + b   (4·{F(H)} rows, gates i,f,g,o; every sequence of the batch per weight block)";

    protected override void WritePointwise(IndentedTextWriter w)
    {
        string h = F(H), h4 = F(4 * H);
        WritePointwiseMethods(w,
            "the LSTM step after its products; cache ← [i, f, g, o, tanh(c')] from z = W·[x; h] + b.",
            [
                "// i, f = σ(z_i, z_f);  g = tanh(z_g);  o = σ(z_o);  c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')   (one pass, gates in registers)",
                $"{Cells}.LstmCell.Forward(cache.Slice(0, {h4}), previous.Slice({h}, {h}), next.Slice({h}, {h}), next.Slice(0, {h}), cache.Slice({h4}, {h}), {h});   // z, c, c', h', tanh(c')",
            ],
            "one LSTM step back, pointwise part. dState holds [dL/dh', dL/dc'] on entry and [·, dL/dc] on return.",
            [
                "// dc = dc' + dh' ⊙ o ⊙ (1 − tanh²(c'));  dz_i = dc ⊙ g ⊙ i(1 − i);  dz_f = dc ⊙ c ⊙ f(1 − f);",
                "// dz_g = dc ⊙ i ⊙ (1 − g²);  dz_o = dh' ⊙ tanh(c') ⊙ o(1 − o);  dc_prev = dc ⊙ f",
                $"{Cells}.LstmCell.Backward(previous.Slice({h}, {h}), cache, dState, dz, {h});",
            ]);
    }
}
