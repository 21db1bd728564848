// The Elman cell's element-wise equations (plain, leaky, learned leak) are written once in
// src/RnnGen/Generated/ElmanCell.cs (vector and scalar paths from one definition). The reference runtime
// (src/RnnGen/Reference/ElmanLayer.cs) keeps its own plain copy on purpose; the two must agree, and GeneratedParityTests,
// BatchedParityTests, GradientCheckTests, LeakyUnitTests, SkipConnectionTests, EchoStateTests and PyTorchParityTests
// (the golden PyTorch fixtures) hold them together.
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// Elman RNN: a = W_ih·x + b_ih + W_hh·h + b_hh, h' = act(a); with its variants: leaky units (h' = α·h + (1 − α)·act(a),
/// α fixed or learned per unit as σ(λ)), a skip connection through time (+ W_skip·h(t − d), the state a delay line
/// of d blocks, with or without W_hh·h(t−1)), clockwork groups (group g updates every T_g steps, reading the groups g' ≥ g)
/// and reservoirs (fixed weights: no weight gradients).
/// </summary>
internal sealed class ElmanEmitter(ModelPlan model, LayerPlan plan) : RecurrentEmitter(model, plan)
{
    private bool Relu => P.Layer.Activation == Activation.Relu;
    private string ActivationName => Relu ? "Relu" : "Tanh";
    private string ReluArgument => Relu ? "true" : "false";

    // a leak's direct path α·dh' stays in dState, and so does a waiting clockwork group's dh' (its pointwise step clears the others)
    protected override bool ClearsHiddenGradient => !P.Layer.IsLeaky && !P.Clockwork;

    /// <summary>The clockwork arguments of the cell's calls: the periods, the units per group, the cycle and the activation.</summary>
    private string ClockArguments => $"{P.Name}Periods, groupSize: {F(P.Layer.ClockGroupSize)}, cycle: {F((int)P.Layer.ClockCycle)}, relu: {ReluArgument}";

    protected override string StepProductComment => $"// z = W·[x; h] + b   ({F(H)} rows; every sequence of the batch per weight block)";

    protected override string PointwiseArguments(DirectionPlan d, bool backward) =>
        !P.LearnedLeak ? "" : backward ? $", kb.Slice({Range(d.Leak!)})" : $", k.Slice({Range(d.PackedAlpha!)})";

    protected override void WriteSkipProduct(IndentedTextWriter w, DirectionPlan d, string ss, string sc)
    {
        if (P.Skip == 0) return;
        w.WriteLine($"{K}.PackedMatMatAdd(k.Slice({Range(d.PackedSkip!)}), states, {Plus(Times("s", SW), P.Lag)}, {ss}, cache, {Times("s", CW)}, {sc}, batch, {F(H)}, {F(H)});   // W_skipᵀ·h(t−{F(P.Skip)})");
    }

    protected override void WriteDelayLineForward(IndentedTextWriter w, string ss)
    {
        if (P.Skip == 0) return;
        string lag = F(P.Lag);
        w.WriteLine($"states.Slice({Times("b", P.StatesStride)} + {Times("s", SW)}, {lag}).CopyTo(states.Slice({Times("b", P.StatesStride)} + {Times("(s + 1)", SW)} + {F(H)}, {lag}));   // the delay line moves on");
    }

    protected override void WriteDelayLineBackward(IndentedTextWriter w)
    {
        if (P.Skip == 0) return;
        string b = Times("b", SW), h = F(H);
        w.WriteLine("// the delay line back one step: block k of dState is dL/dh(t−k); it moves one block towards the present");
        w.WriteLine($"{K}.Add(dState.Slice({Plus(b, H)}, {h}), dState.Slice({b}, {h}));");
        if (P.Skip > 2)
            w.WriteLine($"dState.Slice({Plus(b, 2 * H)}, {F(P.Lag - H)}).CopyTo(dState.Slice({Plus(b, H)}, {F(P.Lag - H)}));");
        w.WriteLine($"dState.Slice({Plus(b, P.Lag)}, {h}).Clear();");
    }

    protected override void WriteSkipGradientProduct(IndentedTextWriter w, DirectionPlan d, string sd)
    {
        if (P.Skip == 0) return;
        w.WriteLine($"{K}.PackedMatMatAdd(kb.Slice({Range(d.Skip!)}), dz, {Times("k", Record)}, {sd}, dState, {F(P.Lag)}, {F(SW)}, batch, {F(H)}, {F(H)});   // dh(t−{F(P.Skip)}) += W_skipᵀ·dz");
    }

    protected override IEnumerable<string> ExtraWeightGradients(DirectionPlan d, string sd, string ss)
    {
        if (P.Clockwork)
            yield return $"{Cells}.ElmanCell.ClockworkMask(g.Slice({Range(d.Hidden!)}), {F(H)}, groups: {F(P.Layer.ClockPeriods.Count)});   // dW_hh: the blocks no group reads stay zero";
        if (P.LearnedLeak)
            yield return $"{K}.AddStridedSum(g.Slice({Range(d.Leak!)}), dz, {F(H)}, {F(Record)}, steps, batch, {sd});   // dλ += Σ dh' ⊙ (h − v) ⊙ α(1 − α)";
        if (P.Skip > 0)
            yield return $"{K}.AddOuterProducts(g.Slice({Range(d.Skip!)}), dz, 0, {F(Record)}, states, {F(P.Lag)}, {F(SW)}, steps, {F(H)}, {F(H)}, batch, {sd}, {ss});   // dW_skip += Σ dz(t)·h(t−{F(P.Skip)})ᵀ";
    }

    protected override void WriteStreamingSkip(IndentedTextWriter w, DirectionPlan d)
    {
        if (P.Skip == 0) return;
        string h = F(H), lag = F(P.Lag);
        w.WriteLine($"// a += W_skip·h(t−{F(P.Skip)})   (previous = [h(t−1), …, h(t−{F(P.Skip)})])");
        w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({Range(d.PackedSkip!)}), previous.Slice({lag}, {h}), cache.Slice(0, {h}), {h}, {h});   // W_skipᵀ [{h} × {h}]");
        w.WriteLine("// the delay line moves on before h' is written (previous and next may be the same span): next[H…] = previous[…(d−1)·H]");
        w.WriteLine($"previous.Slice(0, {lag}).CopyTo(next.Slice({h}, {lag}));");
    }

    protected override void WritePackingPrelude(IndentedTextWriter w, DirectionPlan d)
    {
        if (!P.Clockwork) return;
        w.WriteLine($"// clockwork: W_hh's blocks below the diagonal (group g reads only groups g' ≥ g) are held at zero, so the full products read them as zero");
        w.WriteLine($"{Cells}.ElmanCell.ClockworkMask(new {Span}(_parameters, {Range(d.Hidden!)}), {F(H)}, groups: {F(P.Layer.ClockPeriods.Count)});");
    }

    protected override void WriteExtraPacking(IndentedTextWriter w, DirectionPlan d)
    {
        string h = F(H);
        if (P.LearnedLeak)
        {
            w.WriteLine("// α = σ(λ) per unit, for the forward (packed) and backward (at λ's offset) passes");
            using (w.WriteBlock($"for (int j = 0; j < {h}; j++)"))
            {
                w.WriteLine($"float a = 1f / (1f + global::System.MathF.Exp(-p[{d.Leak!.Constant} + j]));");
                w.WriteLine($"k[{d.PackedAlpha!.Constant} + j] = a;");
                w.WriteLine($"kb[{d.Leak.Constant} + j] = a;");
            }
        }
        if (P.Skip > 0)
        {
            w.WriteLine($"{K}.Transpose(p.Slice({Range(d.Skip!)}), k.Slice({Range(d.PackedSkip!)}), {h}, {h});   // W_skipᵀ");
            w.WriteLine($"{K}.PackTransposed(p.Slice({Range(d.Skip!)}), kb.Slice({Range(d.Skip!)}), {h}, {h});   // backward: dh(t−d) = W_skipᵀ·dz");
        }
    }

    /// <summary>The pre-activation the pointwise step finds in the cache, for its summary.</summary>
    private string Sum => P.UnitDelay ? "W_ih·x + b_ih + W_hh·h + b_hh" : $"W_ih·x + b_ih + b_hh + W_skip·h(t−{F(P.Skip)}) (no W_hh)";

    /// <summary>What the caller adds to the state gradient after the pointwise step back, for its summary.</summary>
    private string HiddenGradient => P.UnitDelay ? "W_hhᵀ·dz" : $"W_skipᵀ·dz into dh(t−{F(P.Skip)}); there is no W_hh";

    protected override void WritePointwise(IndentedTextWriter w)
    {
        string h = F(H), act = Relu ? "max(0, a)" : "tanh(a)", derivative = Relu ? "[v > 0]" : "(1 − v²)", alpha = Float(P.Layer.Leak);
        string activateInPlace = $"{Act}.{ActivationName}(cache.Slice(0, {h}), cache.Slice(0, {h}));";
        if (P.Clockwork)
        {
            string periods = string.Join(", ", P.Layer.ClockPeriods.Select(t => F(t)));
            w.WriteLine($"/// <summary>{P.Name}: the clock period of each group of {F(P.Layer.ClockGroupSize)} units, in order.</summary>");
            w.WriteLine($"private static global::System.ReadOnlySpan<int> {P.Name}Periods => new int[] {{ {periods} }};");
            w.WriteLine();
            WritePointwiseMethods(w,
                $"the clockwork step after its products; cache holds a = W_ih·x + b_ih + W_hh·h + b_hh (W_hh block upper triangular); previous[{h}] is the step counter t.",
                [$"// group g: h' = {act} when t mod T_g = 0, else h' = h;  then t ← (t + 1) mod {F((int)P.Layer.ClockCycle)}", $"{Cells}.ElmanCell.ClockworkForward(previous, cache, next, {ClockArguments});"],
                "one clockwork step back, pointwise part: dz from dL/dh' for the groups that updated (their dState cleared); a waiting group's dz = 0 and its dL/dh' passes on (the caller adds W_hhᵀ·dz).",
                [$"// updating group: dz = dh' ⊙ {(Relu ? "[h' > 0]" : "(1 − h'²)")}, dh = 0;  waiting group: dz = 0, dh = dh'", $"{Cells}.ElmanCell.ClockworkBackward(previous, next, dState, dz, {ClockArguments});"]);
        }
        else if (!P.Layer.IsLeaky)
            WritePointwiseMethods(w,
                $"the Elman step after its products; cache holds a = {Sum}.",
                [$"// h' = {act}", $"{Act}.{ActivationName}(cache.Slice(0, {h}), next.Slice(0, {h}));"],
                $"one Elman step back, pointwise part: dz from dL/dh' (the caller then forms {(P.UnitDelay ? "dh = W_hhᵀ·dz" : HiddenGradient)}).",
                [Relu ? "// dz = dh' ⊙ [h' > 0]" : "// dz = dh' ⊙ (1 − h'²)", $"{Cells}.ElmanCell.Backward(next, dState, dz, relu: {ReluArgument}, {h});"]);
        else if (P.LearnedLeak)
            WritePointwiseMethods(w,
                "the leaky Elman step after its products, α per unit (learned); cache holds a and becomes v = act(a).",
                [$"// v = {act}", activateInPlace, "// h' = α ⊙ h + (1 − α) ⊙ v,  α = σ(λ) per unit", $"{Cells}.ElmanCell.LearnedLeakForward(previous, cache, alpha, next, {h});"],
                $"one leaky Elman step back (α learned): dz = [dL/da | dL/dλ contribution]; dState becomes α ⊙ dL/dh' (the caller adds {HiddenGradient}).",
                [$"// dz = dh' ⊙ (1 − α) ⊙ {derivative};  dλ = dh' ⊙ (h − v) ⊙ α(1 − α);  dh = α ⊙ dh'", $"{Cells}.ElmanCell.LearnedLeakBackward(previous, cache, alpha, dState, dz, relu: {ReluArgument}, {h});"]);
        else
            WritePointwiseMethods(w,
                $"the leaky Elman step after its products; cache holds a = {Sum} and becomes v = act(a).",
                [$"// v = {act}", activateInPlace, $"// h' = α·h + (1 − α)·v,  α = {alpha}", $"{Cells}.ElmanCell.LeakyForward(previous, cache, next, alpha: {alpha}, {h});"],
                $"one leaky Elman step back, pointwise part: dz from dL/dh'; dState becomes the leak's direct path α·dL/dh' (the caller adds {HiddenGradient}).",
                [$"// dz = dh' ⊙ (1 − α) ⊙ {derivative};  dh = α·dh'", $"{Cells}.ElmanCell.LeakyBackward(cache, dState, dz, alpha: {alpha}, relu: {ReluArgument}, {h});"]);
    }
}
