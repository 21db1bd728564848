using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary><c>Forward</c>, <c>ForwardContinue</c> and <c>ForwardBatch</c>: the checks, the copies into the sequence
/// buffers, and <c>Run</c>, which walks every layer over whole sequences.</summary>
internal static class SequenceMembers
{
    public static void Write(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        bool tokens = model.UsesTokens;
        bool lastStep = model.Output == OutputMode.LastStep;
        string outSteps = plan.OutputSteps;
        string input = tokens ? "tokens" : "inputs";
        string inputType = tokens ? ReadOnlySpanInt : ReadOnlySpan;
        string perStep = tokens ? "one token id per step" : "steps × InputSize";
        string vocabulary = tokens ? F(model.Layers[0].Vocabulary) : "";

        bool learned = plan.LearnsInitialState;
        string start = learned ? "the initial state (the learned one, which <c>Backward</c> then learns)" : "the zero state";
        w.WriteLine($"/// <summary>Runs a new {(tokens ? "token " : "")}sequence from {start}: {(tokens ? "tokens [steps]" : "inputs [steps × InputSize]")} → outputs {(lastStep ? "[1 × OutputSize] (last step only)" : "[steps × OutputSize]")}; records what <c>Backward</c> needs.</summary>");
        using (w.WriteBlock($"public void Forward({inputType} {input}, int steps, {Span} outputs)"))
        {
            w.WriteLine(learned ? "ResetState();" : "_state = default;");
            if (DropoutMembers.AnyRecurrent(plan)) w.WriteLine("_recurrentMasksStale = true;   // a new sequence: new recurrent dropout masks");
            w.WriteLine($"ForwardContinue({input}, steps, outputs);");
            if (learned) w.WriteLine("_fromInitialState = true;");
        }
        w.WriteLine();
        w.WriteLine(learned
            ? "/// <summary>Runs a chunk from <see cref=\"CurrentState\"/> (truncated BPTT: the gradient stops at the chunk's first step; the state is the caller's, so the learned initial state gets no gradient).</summary>"
            : "/// <summary>Runs a chunk from <see cref=\"CurrentState\"/> (truncated BPTT: the gradient stops at the chunk's first step).</summary>");
        using (w.WriteBlock($"public void ForwardContinue({inputType} {input}, int steps, {Span} outputs)"))
        {
            if (learned) w.WriteLine("_fromInitialState = false;");
            string length = tokens ? "steps" : Times("steps", model.InputSize), outputs = lastStep ? F(model.OutputSize) : Times("steps", model.OutputSize);
            w.WriteLine($"{Support}.CheckSteps(steps, MaxSteps);");
            w.WriteLine($"if ({input}.Length != {length}) {Support}.ThrowLength(nameof({input}), {input}.Length, {length}, \"{perStep}\");");
            w.WriteLine($"if (outputs.Length != {outputs}) {Support}.ThrowLength(nameof(outputs), outputs.Length, {outputs}, \"{(lastStep ? "LastStep mode: 1 × OutputSize" : "steps × OutputSize")}\");");
            if (tokens)
            {
                w.WriteLine($"{Support}.CheckTokens(tokens, {vocabulary});");
                w.WriteLine("tokens.CopyTo(_tokens);");
            }
            else
                w.WriteLine("inputs.CopyTo(_inputs);");
            w.WriteLine("Values(ref _state).CopyTo(_batchStates);   // slot 0");
            w.WriteLine("Run(1, steps);");
            w.WriteLine($"new {ReadOnlySpan}(_batchStates, 0, StateSize).CopyTo(Values(ref _state));");
            w.WriteLine("CopyOutputs(0, steps, outputs);");
        }
        w.WriteLine();
        // The overloads of the other input kind implement the interfaces explicitly and throw.
        string otherType = tokens ? ReadOnlySpan : ReadOnlySpanInt, other = tokens ? "inputs" : "tokens";
        string wrongInput = $"{Support}.{(tokens ? "FloatInputs" : "TokenInputs")}()";
        w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Forward({otherType} {other}, int steps, {Span} outputs) => throw {wrongInput};");
        w.WriteLine($"void global::RnnGen.IRecurrentNetwork.ForwardContinue({otherType} {other}, int steps, {Span} outputs) => throw {wrongInput};");
        w.WriteLine($"void global::RnnGen.IBatchedNetwork.ForwardBatch({otherType} {other}, int batch, int steps, {Span} outputs, {ReadOnlySpan} initialStates, {Span} finalStates) => throw {wrongInput};");
        w.WriteLine();
        w.WriteLine($"/// <summary>");
        w.WriteLine($"/// Runs <paramref name=\"batch\"/> (1 … BatchTile = {F(plan.Tile)}) sequences of <paramref name=\"steps\"/> steps in lockstep, so that each weight");
        w.WriteLine($"/// block is loaded once per step for all of them: {(tokens ? "tokens [batch × steps]" : "inputs [batch × steps × InputSize]")} → outputs [batch × {outSteps} × OutputSize].");
        w.WriteLine(learned
            ? "/// Each sequence starts from its row of <paramref name=\"initialStates\"/> [batch × StateSize] (the learned initial state when empty, which only then <c>BackwardBatch</c> learns) and its final state"
            : "/// Each sequence starts from its row of <paramref name=\"initialStates\"/> [batch × StateSize] (zeros when empty) and its final state");
        w.WriteLine("/// goes to <paramref name=\"finalStates\"/> (when not empty); <see cref=\"CurrentState\"/> is not used. Records what <c>BackwardBatch</c> needs.");
        w.WriteLine("/// The results are bit-identical to running the sequences one at a time.");
        w.WriteLine($"/// </summary>");
        using (w.WriteBlock($"public void ForwardBatch({inputType} {input}, int batch, int steps, {Span} outputs, {ReadOnlySpan} initialStates = default, {Span} finalStates = default)"))
        {
            string length = tokens ? "batch * steps" : Times("batch * steps", model.InputSize);
            w.WriteLine($"{Support}.CheckBatch(batch, BatchTile);");
            if (DropoutMembers.Any(plan)) w.WriteLine($"if (Training) throw {Support}.DropoutBatch();");
            w.WriteLine($"{Support}.CheckSteps(steps, MaxSteps);");
            w.WriteLine($"if ({input}.Length != {length}) {Support}.ThrowLength(nameof({input}), {input}.Length, {length}, \"batch × {(tokens ? "steps" : "steps × InputSize")}\");");
            string outputsLength = Product("batch", outSteps, "OutputSize");
            w.WriteLine($"if (outputs.Length != {outputsLength}) {Support}.ThrowLength(nameof(outputs), outputs.Length, {outputsLength}, \"batch × {outSteps} × OutputSize\");");
            w.WriteLine($"if (!initialStates.IsEmpty && initialStates.Length != batch * StateSize) {Support}.ThrowLength(nameof(initialStates), initialStates.Length, batch * StateSize, \"batch × StateSize, or empty for zeros\");");
            w.WriteLine($"if (!finalStates.IsEmpty && finalStates.Length != batch * StateSize) {Support}.ThrowLength(nameof(finalStates), finalStates.Length, batch * StateSize, \"batch × StateSize, or empty\");");
            if (tokens)
                w.WriteLine($"{Support}.CheckTokens(tokens, {vocabulary});");
            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
            {
                if (tokens)
                    w.WriteLine($"tokens.Slice(b * steps, steps).CopyTo(new global::System.Span<int>(_tokens, {Times("b", model.MaxSteps)}, steps));");
                else
                {
                    string sequence = Times("steps", model.InputSize);
                    w.WriteLine($"inputs.Slice({Times("b * steps", model.InputSize)}, {sequence}).CopyTo(new {Span}(_inputs, {Times("b", plan.InputStride)}, {sequence}));");
                }
            }
            if (learned)
            {
                using (w.WriteBlock("if (initialStates.IsEmpty)"))
                {
                    w.WriteLine($"new {Span}(_batchStates, 0, batch * StateSize).Clear();");
                    w.WriteLine($"for (int b = 0; b < batch; b++) LoadInitialState(new {Span}(_batchStates, b * StateSize, StateSize));   // the default state is the learned one");
                }
                w.WriteLine("else initialStates.CopyTo(_batchStates);");
                w.WriteLine("_fromInitialState = initialStates.IsEmpty;   // a given state wins, and the learned one gets no gradient");
            }
            else
                w.WriteLine($"if (initialStates.IsEmpty) new {Span}(_batchStates, 0, batch * StateSize).Clear(); else initialStates.CopyTo(_batchStates);");
            w.WriteLine("Run(batch, steps);");
            w.WriteLine($"if (!finalStates.IsEmpty) new {ReadOnlySpan}(_batchStates, 0, batch * StateSize).CopyTo(finalStates);");
            using (w.WriteBlock("for (int b = 0; b < batch; b++)"))
                w.WriteLine($"CopyOutputs(b, steps, outputs.Slice({Product("b", outSteps, "OutputSize")}, {Product(outSteps, "OutputSize")}));");
        }
        w.WriteLine();
        using (w.WriteBlock("private void Run(int batch, int steps)"))
        {
            w.WriteLine("EnsurePacked();");
            DropoutMembers.WriteRunStart(w, plan);
            foreach (LayerPlan p in plan.Layers)
            {
                w.WriteLine($"{p.Name}Forward(batch, steps);");
                if (p.Layer.HasDropout) w.WriteLine($"{p.Name}Dropout(batch, steps);");
            }
            w.WriteLine("_recordedSteps = steps;");
            w.WriteLine("_recordedBatch = batch;");
        }
        w.WriteLine();
        LayerPlan last = plan.Last;
        using (w.WriteBlock($"private void CopyOutputs(int slot, int steps, {Span} outputs)"))
        {
            string from = lastStep ? $"{Times("slot", last.OutStride)} + {Times("(steps - 1)", last.Out)}" : Times("slot", last.OutStride);
            w.WriteLine($"new {ReadOnlySpan}(_{last.Field}Out, {from}, {(lastStep ? F(last.Out) : Times("steps", last.Out))}).CopyTo(outputs);");
        }
        w.WriteLine();
    }
}
