// The LSTM cell's equations are written once in src/RnnGen/Generated/LstmCell.cs (vector and scalar paths from one
// definition). The reference runtime (src/RnnGen/Reference/LstmLayer.cs) keeps its own plain copy on purpose; the two must
// agree, and GeneratedParityTests, BatchedParityTests, GradientCheckTests and PyTorchParityTests (the golden PyTorch
// fixtures) hold them together.
using System.Collections.Generic;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>LSTM: gates i, f, g, o from one product z = W·[x; h] + b; state [h, c]; cache [i, f, g, o, tanh(c')]; with
/// peepholes, p_i and p_f also read c and p_o reads c' (the dz records then carry the peepholes' terms after the gates'); with
/// a projection, h' = W_hr·m for m = o ⊙ tanh(c') (cached after tanh(c')), h is R wide, and the dz records carry dh' and dm after
/// the gates'.</summary>
internal sealed class LstmEmitter(ModelPlan model, LayerPlan plan) : RecurrentEmitter(model, plan)
{
    protected override string StepProductComment => $"// z = W·[x; h] + b   (4·{F(H)} rows, gates i,f,g,o; every sequence of the batch per weight block)";

    protected override string PointwiseArguments(DirectionPlan d, bool backward) =>
        P.Peepholes ? (backward ? $", kb.Slice({Range(d.Peephole!)})" : $", k.Slice({Range(d.PackedPeephole!)})")
        : P.Projected ? (backward ? $", kb.Slice({Range(d.Projection!)})" : $", k.Slice({Range(d.PackedProjection!)})")
        : "";

    protected override IEnumerable<string> ExtraWeightGradients(DirectionPlan d, string sd, string ss)
    {
        if (P.Peepholes)
            yield return $"{K}.AddStridedSum(g.Slice({Range(d.Peephole!)}), dz, {F(4 * H)}, {F(Record)}, steps, batch, {sd});   // dp += Σ [dz_i ⊙ c, dz_o ⊙ c', dz_f ⊙ c]";
        if (P.Projected)
            yield return $"{K}.AddOuterProducts(g.Slice({Range(d.Projection!)}), dz, {F(4 * H)}, {F(Record)}, cache, {F(5 * H)}, {F(CW)}, steps, {F(R)}, {F(H)}, batch, {sd}, {F(P.CacheStride)});   // dW_hr += Σ_b Σ_t dh'(t)·m(t)ᵀ";
    }

    protected override void WriteExtraPacking(IndentedTextWriter w, DirectionPlan d)
    {
        if (P.Projected)
        {
            w.WriteLine($"{K}.Transpose(p.Slice({Range(d.Projection!)}), k.Slice({Range(d.PackedProjection!)}), {F(R)}, {F(H)});   // W_hr for h' = W_hr·m");
            w.WriteLine($"{K}.PackTransposed(p.Slice({Range(d.Projection!)}), kb.Slice({Range(d.Projection!)}), {F(R)}, {F(H)});   // backward: dm = W_hrᵀ·dh'");
        }
        if (!P.Peepholes) return;
        w.WriteLine($"p.Slice({Range(d.Peephole!)}).CopyTo(k.Slice({Range(d.PackedPeephole!)}));   // p_i, p_o, p_f for the forward pass");
        w.WriteLine($"p.Slice({Range(d.Peephole!)}).CopyTo(kb.Slice({Range(d.Peephole!)}));   // and for the backward pass (at their offset)");
    }

    protected override void WritePointwise(IndentedTextWriter w)
    {
        string h = F(H), h4 = F(4 * H);
        if (P.Peepholes)
        {
            WritePointwiseMethods(w,
                "the LSTM step with peepholes after its products; cache ← [i, f, g, o, tanh(c')] from z = W·[x; h] + b; peephole = [p_i, p_o, p_f].",
                [
                    "// i = σ(z_i + p_i ⊙ c);  f = σ(z_f + p_f ⊙ c);  g = tanh(z_g);  c' = f ⊙ c + i ⊙ g;  o = σ(z_o + p_o ⊙ c');  h' = o ⊙ tanh(c')",
                    $"{Cells}.LstmCell.PeepholeForward(cache.Slice(0, {h4}), previous.Slice({h}, {h}), peephole, next.Slice({h}, {h}), next.Slice(0, {h}), cache.Slice({h4}, {h}), {h});   // z, c, p, c', h', tanh(c')",
                ],
                "one LSTM step back with peepholes, pointwise part. dState holds [dL/dh', dL/dc'] on entry and [·, dL/dc] on return; dz gets the gates' dz, then [dz_i ⊙ c, dz_o ⊙ c', dz_f ⊙ c].",
                [
                    "// dz_o = dh' ⊙ tanh(c') ⊙ o(1 − o);  dc = dc' + dh' ⊙ o ⊙ (1 − tanh²(c')) + dz_o ⊙ p_o;  dz_i = dc ⊙ g ⊙ i(1 − i);",
                    "// dz_f = dc ⊙ c ⊙ f(1 − f);  dz_g = dc ⊙ i ⊙ (1 − g²);  dc_prev = dc ⊙ f + dz_i ⊙ p_i + dz_f ⊙ p_f",
                    $"{Cells}.LstmCell.PeepholeBackward(previous.Slice({h}, {h}), next.Slice({h}, {h}), cache, peephole, dState, dz, {h});",
                ]);
            return;
        }
        if (P.Projected)
        {
            string r = F(R), h5 = F(5 * H), dm = $"dz.Slice({F(4 * H + R)}, {h})";
            WritePointwiseMethods(w,
                $"the projected LSTM step after its products; cache ← [i, f, g, o, tanh(c'), m] from z = W·[x; h] + b; projection = W_hr [{r} × {h}], packed.",
                [
                    "// i, f = σ(z_i, z_f);  g = tanh(z_g);  o = σ(z_o);  c' = f ⊙ c + i ⊙ g;  m = o ⊙ tanh(c');  h' = W_hr·m",
                    $"{Cells}.LstmCell.Forward(cache.Slice(0, {h4}), previous.Slice({r}, {h}), next.Slice({r}, {h}), cache.Slice({h5}, {h}), cache.Slice({h4}, {h}), {h});   // z, c, c', m, tanh(c')",
                    $"next.Slice(0, {r}).Clear();",
                    $"{K}.PackedMatVecAdd(projection, cache.Slice({h5}, {h}), next.Slice(0, {r}), {r}, {h});   // h' = W_hr·m",
                ],
                $"one projected LSTM step back, pointwise part. dState holds [dL/dh' ({r}), dL/dc' ({h})] on entry and [·, dL/dc] on return; dz gets the gates' dz, then dh' (for dW_hr) and dm = W_hrᵀ·dh'.",
                [
                    "// dm = W_hrᵀ·dh';  dc = dc' + dm ⊙ o ⊙ (1 − tanh²(c'));  dz_i = dc ⊙ g ⊙ i(1 − i);  dz_f = dc ⊙ c ⊙ f(1 − f);",
                    "// dz_g = dc ⊙ i ⊙ (1 − g²);  dz_o = dm ⊙ tanh(c') ⊙ o(1 − o);  dc_prev = dc ⊙ f",
                    $"dState.Slice(0, {r}).CopyTo(dz.Slice({h4}, {r}));",
                    $"{dm}.Clear();",
                    $"{K}.PackedMatVecAdd(projection, dState.Slice(0, {r}), {dm}, {h}, {r});   // dm = W_hrᵀ·dh'",
                    $"{Cells}.LstmCell.Backward(previous.Slice({r}, {h}), cache, {dm}, dState.Slice({r}, {h}), dz, {h});",
                ]);
            return;
        }
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
