using System.Collections.Generic;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// What the three recurrent kinds share: the walk over whole sequences (input products for every step at once when
/// one sequence runs, the recurrent product and the cell per step), the walk back with its weight gradients, the
/// streaming cell and the packing. Each kind supplies its element-wise part (<see cref="WritePointwise"/>) and its
/// differences through the hooks; an Elman layer adds its skip connection and learned leak there.
/// </summary>
internal abstract class RecurrentEmitter(ModelPlan model, LayerPlan plan) : LayerEmitter(model, plan)
{
    protected int H => P.H;
    /// <summary>The width of h (the output, the state's first part and W_hh's columns): H, or an LSTM's projection p.</summary>
    protected int R => P.R;
    protected int GH => P.GH;
    protected int SW => P.StateWidth;
    protected int CW => P.CacheWidth;
    protected int Record => P.ScratchWidth;

    /// <summary>GRU keeps W_hh·h + b_hh apart from W_ih·x + b_ih (after it in the cache); the others add both into one.</summary>
    protected virtual bool SeparateHidden => false;

    /// <summary>Biases copied into the cache before the products: b_ih + b_hh, or (GRU) b_ih then b_hh.</summary>
    private int BiasFloats => SeparateHidden ? 2 * GH : GH;

    /// <summary>Where the hidden product (and its dz) starts in a cache (dz) record.</summary>
    private int HiddenAt => SeparateHidden ? GH : 0;

    /// <summary>The pointwise backward step leaves dL/dh to be rebuilt by W_hhᵀ·dz: clear it after the call.</summary>
    protected virtual bool ClearsHiddenGradient => true;

    /// <summary>The comment over the per-step products of the walk.</summary>
    protected abstract string StepProductComment { get; }

    /// <summary>What the one-sequence input product forms, for its comment.</summary>
    protected virtual string InputProductComment => "W_ih·x(t) + b";

    /// <summary>Extra arguments of the pointwise calls (a learned leak's α), from the packed forward or backward weights.</summary>
    protected virtual string PointwiseArguments(DirectionPlan d, bool backward) => "";

    /// <summary>Writes the element-wise step (<c>LayerNPointwise</c>) and its way back (<c>LayerNPointwiseBackward</c>).</summary>
    protected abstract void WritePointwise(IndentedTextWriter w);

    // Hooks for the skip connection through time (Elman only).
    protected virtual void WriteSkipProduct(IndentedTextWriter w, DirectionPlan d, string ss, string sc) { }
    protected virtual void WriteDelayLineForward(IndentedTextWriter w, string ss) { }
    protected virtual void WriteDelayLineBackward(IndentedTextWriter w) { }
    protected virtual void WriteSkipGradientProduct(IndentedTextWriter w, DirectionPlan d, string sd) { }
    protected virtual void WriteStreamingSkip(IndentedTextWriter w, DirectionPlan d) { }
    protected virtual IEnumerable<string> ExtraWeightGradients(DirectionPlan d, string sd, string ss) { yield break; }
    protected virtual void WriteExtraPacking(IndentedTextWriter w, DirectionPlan d) { }
    /// <summary>What the packing does to a direction's parameters before it reads them (a clockwork mask).</summary>
    protected virtual void WritePackingPrelude(IndentedTextWriter w, DirectionPlan d) { }

    public override bool WritesStepBuffer => false;   // Step exists only without bidirectional layers: the output is h in the state

    public override string WriteStep(IndentedTextWriter w, string x, string buffer)
    {
        DirectionPlan d = P.Directions[0];
        string slice = $"s.Slice({d.StateConstant}, {F(SW)})";
        w.WriteLine($"{P.Name}Cell(k, {x}, {slice}, {slice}, gates.Slice(0, {F(CW)}));");
        return $"s.Slice({d.StateConstant}, {F(R)})";
    }

    /// <summary>The states of step <paramref name="step"/> of slot b.</summary>
    private string State(string step, int width) => $"states.Slice({Times("b", P.StatesStride)} + {Times(step, SW)}, {F(width)})";

    protected override void WriteForwardBody(IndentedTextWriter w)
    {
        string ss = F(P.StatesStride), sc = F(P.CacheStride), si = F(P.InputStride), inw = F(P.In), gh = F(GH);
        w.WriteLine($"{Span} batchStates = _batchStates;");
        foreach (string line in BlockMatrix.Of(P)) w.WriteLine(line);
        foreach (DirectionPlan d in P.Directions)
        {
            bool reverse = d.Direction == 1;
            string ih = $"k.Slice({Range(d.PackedInput!)})", bias = $"k.Slice({Range(d.PackedBias!)})";
            w.WriteLine(reverse ? "// reverse direction: t = steps − 1 … 0; its output is the second half of each step" : "// forward direction: t = 0 … steps − 1");
            using (w.WriteBlock())
            {
                w.WriteLine($"{Span} states = _{P.Field}States{d.Direction};");
                w.WriteLine($"{Span} cache = _{P.Field}Cache{d.Direction};");
                if (P.Layer.HasRecurrentDropout) w.WriteLine($"{Span} maskedH = _{P.Field}MaskedH{d.Direction};");
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    w.WriteLine($"batchStates.Slice(b * StateSize + {d.StateConstant}, {F(SW)}).CopyTo(states.Slice({Times("b", P.StatesStride)}, {F(SW)}));");
                // One sequence: its input side does not depend on the recurrence, so W_ih·x(t) + b for every step is one
                // matrix-matrix product before the walk (W_ih read once, not once per step). Per element the chain is
                // unchanged (bias, then x's columns, then h's), so it is bit-identical to forming it step by step, which
                // batches keep doing: there the whole batch's pre-activations would leave L2 before the walk reads them.
                string firstX = reverse ? Times("(steps - 1)", P.In) : "0", strideX = reverse ? "-" + inw : inw;
                using (w.WriteBlock("if (batch == 1)"))
                {
                    w.WriteLine($"// one sequence: {InputProductComment} for every step at once");
                    w.WriteLine($"for (int s = 0; s < steps; s++) {bias}.CopyTo(cache.Slice({Times("s", CW)}, {F(BiasFloats)}));");
                    w.WriteLine($"{K}.PackedMatMatAdd({ih}, input, {firstX}, {strideX}, cache, 0, {F(CW)}, steps, {gh}, {inw});   // W_ihᵀ [{inw} × {gh}]{(reverse ? ", x read from the last step back" : "")}");
                }
                using (w.WriteBlock("for (int s = 0; s < steps; s++)"))
                {
                    w.WriteLine(reverse ? "int t = steps - 1 - s;" : "int t = s;");
                    w.WriteLine(StepProductComment);
                    using (w.WriteBlock("if (batch > 1)"))   // one sequence's input side was formed above for all steps
                    {
                        using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                            w.WriteLine($"{bias}.CopyTo(cache.Slice({Times("b", P.CacheStride)} + {Times("s", CW)}, {F(BiasFloats)}));   // {(SeparateHidden ? "b_ih, b_hh" : "b_ih + b_hh")}");
                        w.WriteLine($"{K}.PackedMatMatAdd({ih}, input, {Times("t", P.In)}, {si}, cache, {Times("s", CW)}, {sc}, batch, {gh}, {inw});   // W_ihᵀ [{inw} × {gh}]");
                    }
                    if (P.ResetBefore)
                        WriteResetBeforeProducts(w, d, ss, sc);
                    else if (P.UnitDelay)
                    {
                        string hidden = $"{K}.PackedMatMatAdd(k.Slice({Range(d.PackedHidden!)}), states, {Times("s", SW)}, {ss}, cache, {Plus(Times("s", CW), HiddenAt)}, {sc}, batch, {gh}, {F(R)});   // W_hhᵀ [{F(R)} × {gh}]";
                        if (P.Layer.HasRecurrentDropout)
                        {
                            using (w.WriteBlock("if (_masked)"))
                            {
                                w.WriteLine("// recurrent dropout: W_hh·(m ⊙ h(t−1)), the sequence's one mask (a training pass runs one sequence)");
                                w.WriteLine($"{Support}.Mask(states.Slice({Times("s", SW)}, {F(H)}), _{P.Field}RecurrentMask{d.Direction}, maskedH.Slice({Times("s", H)}, {F(H)}));");
                                w.WriteLine($"{K}.PackedMatMatAdd(k.Slice({Range(d.PackedHidden!)}), maskedH, {Times("s", H)}, {F(H)}, cache, {Plus(Times("s", CW), HiddenAt)}, {sc}, 1, {gh}, {F(H)});   // W_hhᵀ [{F(H)} × {gh}]");
                            }
                            using (w.WriteBlock("else"))
                                w.WriteLine(hidden);
                        }
                        else
                            w.WriteLine(hidden);
                    }
                    WriteSkipProduct(w, d, ss, sc);
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    {
                        w.WriteLine($"{P.Name}Pointwise{(P.OutOfLinePointwise ? "OutOfLine" : "")}({State("s", SW)}, {State("(s + 1)", SW)}, cache.Slice({Times("b", P.CacheStride)} + {Times("s", CW)}, {F(CW)}){PointwiseArguments(d, backward: false)});");
                        WriteDelayLineForward(w, ss);
                        w.WriteLine($"{State("(s + 1)", R)}.CopyTo(output.Slice({Plus($"{Times("b", P.OutStride)} + {Times("t", P.Out)}", reverse ? R : 0)}, {F(R)}));");
                    }
                }
                using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    w.WriteLine($"{State("steps", SW)}.CopyTo(batchStates.Slice(b * StateSize + {d.StateConstant}, {F(SW)}));");
            }
        }
    }

    protected override void WriteBackwardBody(IndentedTextWriter w)
    {
        string ss = F(P.StatesStride), sc = F(P.CacheStride), sd = F(P.DzStride), si = F(P.InputStride), inw = F(P.In), gh = F(GH), sw = F(SW), record = F(Record), r = F(R);
        bool gru = SeparateHidden;
        w.WriteLine($"{Span} dState = _{P.Field}StateGradient;   // [batch × {sw}]");
        foreach (DirectionPlan d in P.Directions)
        {
            bool reverse = d.Direction == 1;
            string ihT = $"kb.Slice({Range(d.Input)})";
            w.WriteLine(reverse ? "// reverse direction, walked back from t = 0" : "// forward direction, walked back from the last step");
            using (w.WriteBlock())
            {
                w.WriteLine($"{ReadOnlySpan} states = _{P.Field}States{d.Direction};");
                w.WriteLine($"{ReadOnlySpan} cache = _{P.Field}Cache{d.Direction};");
                w.WriteLine($"{Span} dz = _{P.Field}Dz{d.Direction};");
                if (P.Layer.HasRecurrentDropout)
                {
                    w.WriteLine($"{ReadOnlySpan} maskedH = _{P.Field}MaskedH{d.Direction}, mask = _{P.Field}RecurrentMask{d.Direction};");
                    w.WriteLine($"{Span} maskedDh = _{P.Field}MaskedDh;");
                }
                w.WriteLine($"dState.Slice(0, {Times("batch", SW)}).Clear();");
                using (w.WriteBlock("for (int k = steps - 1; k >= 0; k--)"))
                {
                    w.WriteLine(reverse ? "int t = steps - 1 - k;" : "int t = k;");
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    {
                        w.WriteLine("// dh(t) += dy(t)");
                        w.WriteLine($"{K}.Add(dOut.Slice({Plus($"{Times("b", P.OutStride)} + {Times("t", P.Out)}", reverse ? R : 0)}, {r}), dState.Slice({Times("b", SW)}, {r}));");
                        w.WriteLine($"{P.Name}PointwiseBackward({State("k", SW)}, {State("(k + 1)", SW)}, cache.Slice({Times("b", P.CacheStride)} + {Times("k", CW)}, {F(CW)}), dState.Slice({Times("b", SW)}, {sw}), dz.Slice({Times("b", P.DzStride)} + {Times("k", Record)}, {record}){PointwiseArguments(d, backward: true)});");
                        if (ClearsHiddenGradient) w.WriteLine($"dState.Slice({Times("b", SW)}, {r}).Clear();");
                        WriteDelayLineBackward(w);
                    }
                    if (P.ResetBefore)
                        WriteResetBeforeGradientProducts(w, d, sd, ihT, si, inw, gh);
                    else
                    {
                        w.WriteLine(P.UnitDelay
                            ? $"// dx += W_ihᵀ·dz;  dh {(gru ? "+= W_hhᵀ·dz_h (after the direct path z ⊙ dh')" : "= W_hhᵀ·dz")}   (each weight row once for the whole batch; one sequence's dx waits for the whole walk)"
                            : "// dx += W_ihᵀ·dz   (each weight row once for the whole batch; one sequence's dx waits for the whole walk); no W_hh: h(t−1) reaches dz only through the skip connection");
                        w.WriteLine($"if (batch > 1) {K}.PackedMatMatAdd({ihT}, dz, {Times("k", Record)}, {sd}, dIn, {Times("t", P.In)}, {si}, batch, {inw}, {gh});");
                        if (P.UnitDelay)
                        {
                            string dh = $"{K}.PackedMatMatAdd(kb.Slice({Range(d.Hidden!)}), dz, {Plus(Times("k", Record), HiddenAt)}, {sd}, dState, 0, {sw}, batch, {r}, {gh});";
                            if (P.Layer.HasRecurrentDropout)
                            {
                                using (w.WriteBlock("if (_masked)"))
                                {
                                    w.WriteLine("// recurrent dropout: dh(t−1) += m ⊙ (W_hhᵀ·dz)");
                                    w.WriteLine("maskedDh.Clear();");
                                    w.WriteLine($"{K}.PackedMatMatAdd(kb.Slice({Range(d.Hidden!)}), dz, {Plus(Times("k", Record), HiddenAt)}, {sd}, maskedDh, 0, {r}, 1, {r}, {gh});");
                                    w.WriteLine($"{Support}.AddMasked(maskedDh, mask, dState.Slice(0, {r}));");
                                }
                                using (w.WriteBlock("else"))
                                    w.WriteLine(dh);
                            }
                            else
                                w.WriteLine(dh);
                        }
                    }
                    WriteSkipGradientProduct(w, d, sd);
                }
                string firstDx = reverse ? Times("(steps - 1)", P.In) : "0", strideDx = reverse ? "-" + inw : inw;
                w.WriteLine("// one sequence: dx(t) += W_ihᵀ·dz(t) for every step at once (nothing in the walk needs dx; W_ihᵀ read once)");
                w.WriteLine($"if (batch == 1) {K}.PackedMatMatAdd({ihT}, dz, 0, {record}, dIn, {firstDx}, {strideDx}, steps, {inw}, {gh});");
                w.WriteLine($"dState.Slice(0, {sw}).CopyTo(new {Span}(_initialStateGradients, {d.StateConstant}, {sw}));   // slot 0 (single-sequence API)");
                if (P.LearnedInitialState)
                {
                    w.WriteLine("// a pass from the learned initial state learns it: d initial_h += dL/dh(0)" + (d.InitialC is null ? "" : ", d initial_c += dL/dc(0)") + ", slot after slot");
                    using (w.WriteBlock("if (_fromInitialState)"))
                    using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                    {
                        w.WriteLine($"{K}.Add(dState.Slice({Times("b", SW)}, {F(H)}), g.Slice({Range(d.InitialH!)}));");
                        if (d.InitialC is not null) w.WriteLine($"{K}.Add(dState.Slice({Plus(Times("b", SW), H)}, {F(H)}), g.Slice({Range(d.InitialC)}));");
                    }
                }
                if (P.Layer.Reservoir)
                {
                    w.WriteLine("// a reservoir's weights are fixed: no weight gradients (its Gradients stay zero); dx and dh above still flow");
                    continue;
                }
                string hh = F(HiddenAt);
                w.WriteLine($"// dW_ih += Σ_b Σ_t dz(t)·x(t)ᵀ;  {(P.UnitDelay ? $"dW_hh += Σ_b Σ_t dz{(gru ? "_h" : "")}(t)·h(t−1)ᵀ;  " : "")}db_ih += Σ dz(t);  db_hh += Σ dz{(gru ? "_h" : "")}(t)");
                w.WriteLine("// (every sequence of the batch at once, slot after slot: each gradient row is read and written once)");
                w.WriteLine($"{K}.AddOuterProducts(g.Slice({Range(d.Input)}), dz, 0, {record}, input, {firstDx}, {strideDx}, steps, {gh}, {inw}, batch, {sd}, {si});");
                if (P.ResetBefore)
                    WriteResetBeforeWeightGradients(w, d, sd, ss, sc);
                else if (P.UnitDelay)
                {
                    string dwHidden = $"{K}.AddOuterProducts(g.Slice({Range(d.Hidden!)}), dz, {hh}, {record}, states, 0, {sw}, steps, {gh}, {r}, batch, {sd}, {ss});";
                    if (P.Layer.HasRecurrentDropout)
                    {
                        w.WriteLine($"if (_masked) {K}.AddOuterProducts(g.Slice({Range(d.Hidden!)}), dz, {hh}, {record}, maskedH, 0, {r}, steps, {gh}, {r}, 1, {sd}, {F(Model.Model.MaxSteps * H)});   // recurrent dropout: dW_hh += Σ_t dz(t)·(m ⊙ h(t−1))ᵀ");
                        w.WriteLine("else " + dwHidden);
                    }
                    else
                        w.WriteLine(dwHidden);
                }
                w.WriteLine($"{K}.AddStridedSum(g.Slice({Range(d.Bias!)}), dz, 0, {record}, steps, batch, {sd});");
                w.WriteLine($"{K}.AddStridedSum(g.Slice({Range(d.HiddenBias!)}), dz, {hh}, {record}, steps, batch, {sd});");
                foreach (string line in ExtraWeightGradients(d, sd, ss)) w.WriteLine(line);
            }
        }
    }

    // A GRU whose reset comes before the recurrent product (cache record [gi | gh | r ⊙ h̃], dz record [dgi | dgh]; h̃ is h
    // as the recurrent product reads it, m ⊙ h under recurrent dropout): W_hr, W_hz are one product, r follows, then W_hn
    // reads r ⊙ h̃ in a second. Its packed W_hhᵀ holds the two blocks one after the other, and so does the backward's.

    /// <summary>Forward walk: gh_r, gh_z, then r and r ⊙ h̃, then gh_n = W_hn·(r ⊙ h̃) + b_hn, for the whole batch.</summary>
    private void WriteResetBeforeProducts(IndentedTextWriter w, DirectionPlan d, string ss, string sc)
    {
        string h = F(H), rz = F(2 * H), hh0 = d.PackedHidden!.Constant;
        string cacheAt = Times("s", CW);
        void Products(string source, string offset, string stride, string batch, string hOf)
        {
            w.WriteLine($"{K}.PackedMatMatAdd(k.Slice({hh0}, {F(2 * H * H)}), {source}, {offset}, {stride}, cache, {Plus(cacheAt, GH)}, {sc}, {batch}, {rz}, {h});   // gh_r, gh_z: W_hrᵀ, W_hzᵀ [{h} × {rz}]");
            string record = batch == "1" ? cacheAt : $"{Times("b", P.CacheStride)} + {cacheAt}";
            string gate = $"{Cells}.GruCell.ResetBeforeGate({hOf}, cache.Slice({record}, {F(GH)}), cache.Slice({Plus(record, GH)}, {rz}), cache.Slice({Plus(record, 2 * GH)}, {h}), {h});   // r; r ⊙ h̃";
            if (batch == "1") w.WriteLine(gate);
            else
                using (w.WriteBlock($"for (int b = 0; b < {batch}; b++)"))
                    w.WriteLine(gate);
            w.WriteLine($"{K}.PackedMatMatAdd(k.Slice({hh0} + {F(2 * H * H)}, {F(H * H)}), cache, {Plus(cacheAt, 2 * GH)}, {sc}, cache, {Plus(cacheAt, GH + 2 * H)}, {sc}, {batch}, {h}, {h});   // gh_n = W_hn·(r ⊙ h̃) + b_hn: W_hnᵀ [{h} × {h}]");
        }
        w.WriteLine("// reset before the product: gh_r, gh_z = W_hr·h + b_hr, W_hz·h + b_hz;  r = σ(gi_r + gh_r);  gh_n = W_hn·(r ⊙ h) + b_hn");
        if (P.Layer.HasRecurrentDropout)
        {
            using (w.WriteBlock("if (_masked)"))
            {
                w.WriteLine("// recurrent dropout: h̃ = m ⊙ h(t−1), the sequence's one mask (a training pass runs one sequence)");
                w.WriteLine($"{Support}.Mask(states.Slice({Times("s", SW)}, {h}), _{P.Field}RecurrentMask{d.Direction}, maskedH.Slice({Times("s", H)}, {h}));");
                Products("maskedH", Times("s", H), h, "1", $"maskedH.Slice({Times("s", H)}, {h})");
            }
            using (w.WriteBlock("else"))
                Products("states", Times("s", SW), ss, "batch", State("s", H));
        }
        else
            Products("states", Times("s", SW), ss, "batch", State("s", H));
    }

    /// <summary>Backward walk, after the pointwise part: u = W_hnᵀ·dn into dr's slot, dr and dh̃ += r ⊙ u, dh̃ += W_hrᵀ·dr +
    /// W_hzᵀ·dz (times the mask under recurrent dropout), then dx += W_ihᵀ·dz of the batch.</summary>
    private void WriteResetBeforeGradientProducts(IndentedTextWriter w, DirectionPlan d, string sd, string ihT, string si, string inw, string gh)
    {
        string h = F(H), rz = F(2 * H), sw = F(SW), w0 = d.Hidden!.Constant, dzAt = Times("k", Record);
        string rzT = $"kb.Slice({w0}, {F(2 * H * H)})";
        w.WriteLine("// reset before the product: u = W_hnᵀ·dn (into dr's slot);  dr = u ⊙ h̃ ⊙ r(1 − r);  dh += r ⊙ u + W_hrᵀ·dr + W_hzᵀ·dz");
        w.WriteLine($"{K}.PackedMatMatAdd(kb.Slice({w0} + {F(2 * H * H)}, {F(H * H)}), dz, {Plus(dzAt, GH + 2 * H)}, {sd}, dz, {dzAt}, {sd}, batch, {h}, {h});");
        void Rest(string hOf, string record, string cacheRecord, string target, string targetStride, string batch)
        {
            string gate = $"{Cells}.GruCell.ResetBeforeBackwardGate({hOf}, cache.Slice({cacheRecord}, {F(CW)}), dz.Slice({record}, {gh}), dz.Slice({Plus(record, GH)}, {gh}), {target}, {h});";
            if (batch == "1") w.WriteLine(gate);
            else
                using (w.WriteBlock($"for (int b = 0; b < {batch}; b++)"))
                    w.WriteLine(gate);
            string all = target.StartsWith("maskedDh", System.StringComparison.Ordinal) ? "maskedDh" : "dState";
            w.WriteLine($"{K}.PackedMatMatAdd({rzT}, dz, {Plus(dzAt, GH)}, {sd}, {all}, 0, {targetStride}, {batch}, {h}, {rz});");
        }
        string slotRecord = $"{Times("b", P.DzStride)} + {dzAt}", slotCache = $"{Times("b", P.CacheStride)} + {Times("k", CW)}";
        if (P.Layer.HasRecurrentDropout)
        {
            using (w.WriteBlock("if (_masked)"))
            {
                w.WriteLine("// recurrent dropout: dh(t−1) += m ⊙ (r ⊙ u + W_hrᵀ·dr + W_hzᵀ·dz)");
                w.WriteLine("maskedDh.Clear();");
                Rest($"maskedH.Slice({Times("k", H)}, {h})", dzAt, Times("k", CW), "maskedDh", h, "1");
                w.WriteLine($"{Support}.AddMasked(maskedDh, mask, dState.Slice(0, {h}));");
            }
            using (w.WriteBlock("else"))
                Rest(State("k", H), slotRecord, slotCache, $"dState.Slice({Times("b", SW)}, {h})", sw, "batch");
        }
        else
            Rest(State("k", H), slotRecord, slotCache, $"dState.Slice({Times("b", SW)}, {h})", sw, "batch");
        w.WriteLine("// dx += W_ihᵀ·dz   (each weight row once for the whole batch; one sequence's dx waits for the whole walk)");
        w.WriteLine($"if (batch > 1) {K}.PackedMatMatAdd({ihT}, dz, {dzAt}, {sd}, dIn, {Times("t", P.In)}, {si}, batch, {inw}, {gh});");
    }

    /// <summary>dW_hr, dW_hz += Σ dz_{r,z}(t)·h̃(t−1)ᵀ and dW_hn += Σ dn(t)·(r ⊙ h̃)(t)ᵀ (r ⊙ h̃ from the cache).</summary>
    private void WriteResetBeforeWeightGradients(IndentedTextWriter w, DirectionPlan d, string sd, string ss, string sc)
    {
        string h = F(H), rz = F(2 * H), record = F(Record), w0 = d.Hidden!.Constant;
        string rzG = $"g.Slice({w0}, {F(2 * H * H)})", nG = $"g.Slice({w0} + {F(2 * H * H)}, {F(H * H)})";
        w.WriteLine("// reset before the product: dW_hr, dW_hz += Σ dz_h(t)·h(t−1)ᵀ;  dW_hn += Σ dn(t)·(r ⊙ h)(t)ᵀ");
        string rzStates = $"{K}.AddOuterProducts({rzG}, dz, {F(GH)}, {record}, states, 0, {F(SW)}, steps, {rz}, {h}, batch, {sd}, {ss});";
        if (P.Layer.HasRecurrentDropout)
        {
            w.WriteLine($"if (_masked) {K}.AddOuterProducts({rzG}, dz, {F(GH)}, {record}, maskedH, 0, {h}, steps, {rz}, {h}, 1, {sd}, {F(Model.Model.MaxSteps * H)});   // recurrent dropout: h̃ = m ⊙ h(t−1)");
            w.WriteLine("else " + rzStates);
        }
        else
            w.WriteLine(rzStates);
        w.WriteLine($"{K}.AddOuterProducts({nG}, dz, {F(GH + 2 * H)}, {record}, cache, {F(2 * GH)}, {F(CW)}, steps, {h}, {h}, batch, {sd}, {sc});");
    }

    public override void WriteCells(IndentedTextWriter w)
    {
        WriteStreamingCell(w);
        WritePointwise(w);
    }

    /// <summary>The streaming cell: the products from the packed weights, then the pointwise part.</summary>
    private void WriteStreamingCell(IndentedTextWriter w)
    {
        if (!P.Streaming) return;   // no Step to call it
        DirectionPlan d = P.Directions[0];
        string gh = F(GH), inw = F(P.In), h = F(R);
        string ih = $"k.Slice({Range(d.PackedInput!)})", hh = P.UnitDelay ? $"k.Slice({Range(d.PackedHidden!)})" : "";
        w.WriteLine($"/// <summary>{P.Name}: one step of one direction for streaming. <paramref name=\"previous\"/> and <paramref name=\"next\"/> may be the same state.");
        if (P.InlineCell)
        {
            w.WriteLine("/// Inlined into <c>Step</c>, its only caller (the model's one cell).</summary>");
            w.WriteLine(MethodImpl);
        }
        else
        {
            w.WriteLine("/// Called, not inlined: <c>Step</c> calls several cells, and inlining them all costs registers.</summary>");
            w.WriteLine(NoInlining);
        }
        using (w.WriteBlock($"private static void {P.Name}Cell({ReadOnlySpan} k, {ReadOnlySpan} x, {ReadOnlySpan} previous, {Span} next, {Span} cache)"))
        {
            w.WriteLine($"{ReadOnlySpan} h = previous.Slice(0, {h});");
            foreach (string line in BlockMatrix.Of(P)) w.WriteLine(line);
            if (P.ResetBefore)
            {
                string hh0 = d.PackedHidden!.Constant, rz = F(2 * H), hn = F(H);
                w.WriteLine($"k.Slice({Range(d.PackedBias!)}).CopyTo(cache);   // b_ih, b_hh");
                w.WriteLine($"{K}.PackedMatVecAdd({ih}, x, cache.Slice(0, {gh}), {gh}, {inw});   // W_ihᵀ [{inw} × {gh}]");
                w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({hh0}, {F(2 * H * H)}), h, cache.Slice({gh}, {rz}), {rz}, {h});   // gh_r, gh_z: W_hrᵀ, W_hzᵀ [{h} × {rz}]");
                w.WriteLine($"{Cells}.GruCell.ResetBeforeGate(h, cache.Slice(0, {gh}), cache.Slice({gh}, {rz}), cache.Slice({F(2 * GH)}, {hn}), {hn});   // r; r ⊙ h");
                w.WriteLine($"{K}.PackedMatVecAdd(k.Slice({hh0} + {F(2 * H * H)}, {F(H * H)}), cache.Slice({F(2 * GH)}, {hn}), cache.Slice({F(GH + 2 * H)}, {hn}), {hn}, {hn});   // gh_n = W_hn·(r ⊙ h) + b_hn: W_hnᵀ [{hn} × {hn}]");
            }
            else if (SeparateHidden)
            {
                w.WriteLine($"k.Slice({Range(d.PackedBias!)}).CopyTo(cache);   // b_ih, b_hh");
                w.WriteLine($"{K}.PackedMatVecAdd({ih}, x, cache.Slice(0, {gh}), {gh}, {inw});   // W_ihᵀ [{inw} × {gh}]");
                w.WriteLine($"{K}.PackedMatVecAdd({hh}, h, cache.Slice({gh}, {gh}), {gh}, {h});   // W_hhᵀ [{h} × {gh}]");
            }
            else if (!P.UnitDelay)
            {
                w.WriteLine($"k.Slice({Range(d.PackedBias!)}).CopyTo(cache);   // b_ih + b_hh (no W_hh: the skip connection replaces the unit delay)");
                w.WriteLine($"{K}.PackedMatVecAdd({ih}, x, cache.Slice(0, {gh}), {gh}, {inw});   // W_ihᵀ [{inw} × {gh}]");
            }
            else
                w.WriteLine($"{K}.PackedMatVec2Add(k.Slice({Range(d.PackedBias!)}), {ih}, x, {hh}, h, cache.Slice(0, {gh}), {gh}, {inw}, {h});   // b_ih + b_hh, W_ih [{gh} × {inw}], W_hh [{gh} × {h}], one pass");
            WriteStreamingSkip(w, d);
            w.WriteLine($"{P.Name}Pointwise(previous, next, cache{PointwiseArguments(d, backward: false)});");
        }
        w.WriteLine();
    }

    /// <summary>The weights the pointwise step reads beside its buffers: α of a learned leak, an LSTM's peepholes or projection.</summary>
    private string? ExtraPointwiseParameter => P.LearnedLeak ? "alpha" : P.Peepholes ? "peephole" : P.Projected ? "projection" : null;

    private string ExtraPointwiseDeclaration => ExtraPointwiseParameter is { } name ? $", {ReadOnlySpan} {name}" : "";

    private string PointwiseSignature =>
        $"private static void {P.Name}Pointwise({ReadOnlySpan} previous, {Span} next, {Span} cache{ExtraPointwiseDeclaration})";

    private string PointwiseBackwardSignature =>
        $"private static void {P.Name}PointwiseBackward({ReadOnlySpan} previous, {ReadOnlySpan} next, {ReadOnlySpan} cache, {Span} dState, {Span} dz{ExtraPointwiseDeclaration})";

    /// <summary>
    /// Writes <c>LayerNPointwise</c> (the step after its products), its NoInlining twin when the walks want one, and
    /// <c>LayerNPointwiseBackward</c>; each body is a comment with the equations and the call into the cell's math.
    /// </summary>
    /// <remarks>Why the twin: <see cref="LayerPlan.OutOfLinePointwise"/>.</remarks>
    protected void WritePointwiseMethods(IndentedTextWriter w, string forwardSummary, string[] forward, string backwardSummary, string[] backward)
    {
        WriteInlinedMethod(w, $"{P.Name}: {forwardSummary}", PointwiseSignature, forward);
        if (P.OutOfLinePointwise)
        {
            w.WriteLine($"/// <summary>{P.Name}Pointwise compiled as a method of its own, for the walks over whole sequences (inlined there, its registers spill).</summary>");
            w.WriteLine(NoInlining);
            string extra = ExtraPointwiseParameter is { } name ? ", " + name : "";
            w.WriteLine($"private static void {P.Name}PointwiseOutOfLine({ReadOnlySpan} previous, {Span} next, {Span} cache{ExtraPointwiseDeclaration}) => {P.Name}Pointwise(previous, next, cache{extra});");
            w.WriteLine();
        }
        WriteInlinedMethod(w, $"{P.Name}: {backwardSummary}", PointwiseBackwardSignature, backward);
    }

    private static void WriteInlinedMethod(IndentedTextWriter w, string summary, string signature, string[] body)
    {
        w.WriteLine($"/// <summary>{summary}</summary>");
        w.WriteLine(MethodImpl);
        using (w.WriteBlock(signature))
            foreach (string line in body) w.WriteLine(line);
        w.WriteLine();
    }

    public override void WritePacking(IndentedTextWriter w)
    {
        foreach (DirectionPlan d in P.Directions)
        {
            string gh = F(GH), inw = F(P.In), h = F(R);
            w.WriteLine($"// {P.Name} {d.Name}: W_ihᵀ, {(P.UnitDelay ? "W_hhᵀ, " : "")}{(SeparateHidden ? "b_ih, b_hh" : "b_ih + b_hh")}");
            WritePackingPrelude(w, d);
            w.WriteLine($"{K}.Transpose(p.Slice({Range(d.Input)}), k.Slice({Range(d.PackedInput!)}), {gh}, {inw});");
            if (P.ResetBefore)
            {
                // W_hr, W_hz (rows 0 … 2H) and W_hn packed apart: W_hn reads r ⊙ h in a product of its own
                string rz = F(2 * H * H), hn = F(H * H), w0 = d.Hidden!.Constant, k0 = d.PackedHidden!.Constant;
                w.WriteLine($"{K}.Transpose(p.Slice({w0}, {rz}), k.Slice({k0}, {rz}), {F(2 * H)}, {h});   // W_hr, W_hz");
                w.WriteLine($"{K}.Transpose(p.Slice({w0} + {rz}, {hn}), k.Slice({k0} + {rz}, {hn}), {h}, {h});   // W_hn");
                w.WriteLine($"{K}.PackTransposed(p.Slice({Range(d.Input)}), kb.Slice({Range(d.Input)}), {gh}, {inw});   // backward: dx = W_ihᵀ·dz");
                w.WriteLine($"{K}.PackTransposed(p.Slice({w0}, {rz}), kb.Slice({w0}, {rz}), {F(2 * H)}, {h});   // backward: dh += W_hrᵀ·dr + W_hzᵀ·dz");
                w.WriteLine($"{K}.PackTransposed(p.Slice({w0} + {rz}, {hn}), kb.Slice({w0} + {rz}, {hn}), {h}, {h});   // backward: u = W_hnᵀ·dn");
            }
            else
            {
                if (P.UnitDelay) w.WriteLine($"{K}.Transpose(p.Slice({Range(d.Hidden!)}), k.Slice({Range(d.PackedHidden!)}), {gh}, {h});");
                w.WriteLine($"{K}.PackTransposed(p.Slice({Range(d.Input)}), kb.Slice({Range(d.Input)}), {gh}, {inw});   // backward: dx = W_ihᵀ·dz");
                if (P.UnitDelay) w.WriteLine($"{K}.PackTransposed(p.Slice({Range(d.Hidden!)}), kb.Slice({Range(d.Hidden!)}), {gh}, {h});   // backward: dh = W_hhᵀ·dz");
            }
            WriteExtraPacking(w, d);
            w.WriteLine($"p.Slice({Range(d.Bias!)}).CopyTo(k.Slice({d.PackedBias!.Constant}, {gh}));");
            if (SeparateHidden)
                w.WriteLine($"p.Slice({Range(d.HiddenBias!)}).CopyTo(k.Slice({d.PackedBias.Constant} + {gh}, {gh}));");
            else
                w.WriteLine($"{K}.Add(p.Slice({Range(d.HiddenBias!)}), k.Slice({d.PackedBias.Constant}, {gh}));");
        }
    }
}
