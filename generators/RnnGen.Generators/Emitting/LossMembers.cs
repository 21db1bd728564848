using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary><c>Backward</c> and <c>BackwardBatch</c> for the model's loss (the overloads that do not fit it implement the
/// interfaces explicitly and throw), the loss of one slot, and <c>BackPropagate</c>, which walks the layers back.</summary>
internal static class LossMembers
{
    public static void Write(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        string o = F(model.OutputSize), outSteps = plan.OutputSteps;
        bool classes = model.Loss == LossKind.CrossEntropy;
        if (classes)
        {
            w.WriteLine($"float global::RnnGen.IRecurrentNetwork.Backward({ReadOnlySpan} targets) => throw new global::System.InvalidOperationException(\"Loss = CrossEntropy takes class ids: call Backward(ReadOnlySpan<int>).\");");
            w.WriteLine($"float global::RnnGen.IBatchedNetwork.BackwardBatch({ReadOnlySpan} targets) => throw new global::System.InvalidOperationException(\"Loss = CrossEntropy takes class ids: call BackwardBatch(ReadOnlySpan<int>).\");");
            w.WriteLine();
            WriteBackward(w, batched: false, $"{ReadOnlySpanInt} classIds", "BPTT for cross-entropy: one class id per output step.",
                "classIds", outSteps, "one class id per output step", "SlotLoss(0, steps, classIds)");
            WriteBackward(w, batched: true, $"{ReadOnlySpanInt} classIds", "BPTT through the last <c>ForwardBatch</c> for cross-entropy: class ids [batch × output steps]; returns the sum of the losses.",
                "classIds", Product("batch", outSteps), "batch × output steps", $"SlotLoss(b, steps, classIds.Slice({Product("b", outSteps)}, {outSteps}))");
        }
        else
        {
            string wrongKind = $"Class ids are targets for Loss = CrossEntropy; this model's loss is {model.Loss}";
            string targetsDoc = model.Loss == LossKind.None
                ? "With LossKind.None, <paramref name=\"targets\"/> is dLoss/dOutputs itself and the result is 0."
                : "<paramref name=\"targets\"/> has the outputs' shape.";
            w.WriteLine($"float global::RnnGen.IRecurrentNetwork.Backward({ReadOnlySpanInt} classIds) => throw new global::System.InvalidOperationException(\"{wrongKind}: call Backward(ReadOnlySpan<float>).\");");
            w.WriteLine($"float global::RnnGen.IBatchedNetwork.BackwardBatch({ReadOnlySpanInt} classIds) => throw new global::System.InvalidOperationException(\"{wrongKind}: call BackwardBatch(ReadOnlySpan<float>).\");");
            w.WriteLine();
            WriteBackward(w, batched: false, $"{ReadOnlySpan} targets", "BPTT through the last forward pass: returns the loss and accumulates dLoss/dθ into <see cref=\"Gradients\"/>. " + targetsDoc,
                "targets", Product(outSteps, o), "output steps × OutputSize", "SlotLoss(0, steps, targets)");
            WriteBackward(w, batched: true, $"{ReadOnlySpan} targets", "BPTT through the last <c>ForwardBatch</c>: targets [batch × output steps × OutputSize]; returns the sum of the " +
                "sequences' losses and accumulates their gradients into <see cref=\"Gradients\"/> (bit-identical to one sequence at a time, in order).",
                "targets", Product("batch", outSteps, o), "batch × output steps × OutputSize", $"SlotLoss(b, steps, targets.Slice({Product("b", outSteps, o)}, {Product(outSteps, o)}))");
        }
        WriteSlotLoss(w, plan);
        using (w.WriteBlock("private void BackPropagate(int batch, int steps)"))
        {
            w.WriteLine("EnsurePacked();");
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                if (plan.Layers[i].Layer.HasDropout) w.WriteLine($"{plan.Layers[i].Name}DropoutBackward(steps);");
                w.WriteLine($"{plan.Layers[i].Name}Backward(batch, steps);");
            }
        }
        w.WriteLine();
    }

    /// <summary><c>Backward</c> (one recorded sequence) or <c>BackwardBatch</c> (every recorded slot, losses summed in order).</summary>
    private static void WriteBackward(IndentedTextWriter w, bool batched, string parameter, string summary, string name, string length, string what, string loss)
    {
        w.WriteLine($"/// <summary>{summary}</summary>");
        using (w.WriteBlock($"public float {(batched ? "BackwardBatch" : "Backward")}({parameter})"))
        {
            w.WriteLine($"int steps = {Support}.RequireRecorded(_recordedSteps, _recordedBatch, single: {(batched ? "false), batch = _recordedBatch" : "true)")};");
            w.WriteLine($"if ({name}.Length != {length}) {Support}.ThrowLength(nameof({name}), {name}.Length, {length}, \"{what}\");");
            if (batched)
            {
                w.WriteLine("float loss = 0f;");
                w.WriteLine($"for (int b = 0; b < batch; b++) loss += {loss};");
            }
            else
                w.WriteLine($"float loss = {loss};");
            w.WriteLine($"BackPropagate({(batched ? "batch" : "1")}, steps);");
            w.WriteLine("return loss;");
        }
        w.WriteLine();
    }

    private static void WriteSlotLoss(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        LayerPlan last = plan.Last;
        int o = model.OutputSize;
        bool lastStep = model.Output == OutputMode.LastStep;
        string reduction = "global::RnnGen.Reduction." + model.Reduction;
        string slot = Times("slot", last.OutStride), scoredLength = lastStep ? F(o) : Times("steps", o);
        w.WriteLine("/// <summary>The loss of slot <paramref name=\"slot\"/>; writes its dLoss/d(outputs) (or d(logits)).</summary>");
        using (w.WriteBlock($"private float SlotLoss(int slot, int steps, {(model.Loss == LossKind.CrossEntropy ? ReadOnlySpanInt + " classIds" : ReadOnlySpan + " targets")})"))
        {
            w.WriteLine($"var dOut = new {Span}(_{last.Field}OutGradient, {slot}, {Times("steps", o)});");
            w.WriteLine("dOut.Clear();");
            w.WriteLine(lastStep
                ? $"var scored = dOut.Slice({Times("(steps - 1)", o)}, {F(o)});   // LastStep: only the last step is scored"
                : "var scored = dOut;   // every step is scored");
            string Scored(string field) => $"new {ReadOnlySpan}({field}, {(lastStep ? $"{slot} + {Times("(steps - 1)", o)}" : slot)}, {scoredLength})";
            switch (model.Loss)
            {
                case LossKind.MeanSquaredError:
                    w.WriteLine($"// L = Σ (y − t)²{(model.Reduction == Reduction.Mean ? " / N" : "")};  dL/dy = 2(y − t){(model.Reduction == Reduction.Mean ? " / N" : "")}");
                    w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.MeanSquaredError({Scored($"_{last.Field}Out")}, targets, scored, {reduction});");
                    break;
                case LossKind.BinaryCrossEntropy:
                    w.WriteLine("// L = Σ max(z, 0) − z·t + log(1 + e^−|z|) from the logits z;  dL/dz = σ(z) − t");
                    w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.BinaryCrossEntropyWithLogits({Scored($"_{last.Field}Pre")}, targets, scored, {reduction});");
                    break;
                case LossKind.CrossEntropy:
                    w.WriteLine("// L = Σ log Σ e^z − z_class from the logits z;  dL/dz = softmax(z) − onehot(class)");
                    w.WriteLine($"return global::RnnGen.Kernels.Losses<float>.CrossEntropy({Scored($"_{last.Field}Pre")}, {F(o)}, classIds, scored, {reduction});");
                    break;
                default:
                    w.WriteLine("// LossKind.None: the targets are dLoss/dOutputs");
                    w.WriteLine("targets.CopyTo(scored);");
                    w.WriteLine("return 0f;");
                    break;
            }
        }
        w.WriteLine();
    }
}
