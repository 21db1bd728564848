// The GRU cell's equations are written once in src/RnnGen/Generated/GruCell.cs (vector and scalar paths from one
// definition). The reference runtime (src/RnnGen/Reference/GruLayer.cs) keeps its own plain copy on purpose; the two must
// agree, and GeneratedParityTests, BatchedParityTests, GradientCheckTests and PyTorchParityTests (the golden PyTorch
// fixtures) hold them together.
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>GRU: gi = W_ih·x + b_ih and gh = W_hh·h + b_hh kept apart (b_hn stays inside the reset product);
/// cache [gi | gh] becomes [r, z, n | gh].</summary>
internal sealed class GruEmitter(ModelPlan model, LayerPlan plan) : RecurrentEmitter(model, plan)
{
    protected override bool SeparateHidden => true;

    protected override bool ClearsHiddenGradient => false;   // dState keeps the direct path dh' ⊙ z

    protected override string StepProductComment => P.ResetBefore
        ? $"// gi = W_ih·x + b_ih   (3·{F(H)} rows, every sequence of the batch per weight block); gh below, in two products"
        : $"// gi = W_ih·x + b_ih;  gh = W_hh·h + b_hh   (3·{F(H)} rows each, every sequence of the batch per weight block)";

    protected override string InputProductComment => "gi(t) = W_ih·x(t) + b_ih (and b_hh beside it)";

    protected override void WritePointwise(IndentedTextWriter w)
    {
        string h = F(H), h3 = F(3 * H);
        if (P.ResetBefore)
        {
            WritePointwiseMethods(w,
                "the GRU step (reset before the product) after its products; cache holds [gi | gh | r ⊙ h] with r already in gi_r and gh_n = W_hn·(r ⊙ h) + b_hn, and gi becomes [r, z, n].",
                [
                    "// z = σ(gi_z + gh_z);  n = tanh(gi_n + gh_n);  h' = (1 − z) ⊙ n + z ⊙ h",
                    $"{Cells}.GruCell.ResetBeforeForward(previous.Slice(0, {h}), cache.Slice(0, {h3}), cache.Slice({h3}, {h3}), next, {h});   // h, gi, gh, h'",
                ],
                "one GRU step back (reset before the product), pointwise part: dz = [dgi | dgh] without dr (its slot cleared for W_hnᵀ·dn); dState becomes the direct path dL/dh' ⊙ z.",
                [
                    "// dn = dh' ⊙ (1 − z) ⊙ (1 − n²);  dz = dh' ⊙ (h − n) ⊙ z(1 − z);  dh = dh' ⊙ z + …   (dr once u = W_hnᵀ·dn is formed)",
                    $"{Cells}.GruCell.ResetBeforeBackward(previous.Slice(0, {h}), cache, dState, dz.Slice(0, {h3}), dz.Slice({h3}, {h3}), {h});   // h, [r, z, n | gh | r ⊙ h], dh', dgi, dgh",
                ]);
            return;
        }
        WritePointwiseMethods(w,
            "the GRU step after its products; cache holds [gi | gh] = [W_ih·x + b_ih | W_hh·h + b_hh] and becomes [r, z, n | gh].",
            [
                "// r, z = σ(gi + gh);  n = tanh(gi_n + r ⊙ gh_n);  h' = (1 − z) ⊙ n + z ⊙ h   (one pass, gates in registers)",
                $"{Cells}.GruCell.Forward(previous.Slice(0, {h}), cache.Slice(0, {h3}), cache.Slice({h3}, {h3}), next, {h});   // h, gi, gh, h'",
            ],
            "one GRU step back, pointwise part: dz = [dgi | dgh]; dState becomes the direct path dL/dh' ⊙ z (the caller adds W_hhᵀ·dgh).",
            [
                "// dn = dh' ⊙ (1 − z) ⊙ (1 − n²);  dr = dn ⊙ gh_n ⊙ r(1 − r);  dz = dh' ⊙ (h − n) ⊙ z(1 − z);  dh = dh' ⊙ z + …",
                $"{Cells}.GruCell.Backward(previous.Slice(0, {h}), cache, dState, dz.Slice(0, {h3}), dz.Slice({h3}, {h3}), {h});   // h, [r, z, n | gh], dh', dgi, dgh",
            ]);
    }
}
