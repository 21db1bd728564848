using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary><c>Step</c>: one input through every layer from a state, allocation-free (or the throwing stubs of a model
/// with a bidirectional layer, which cannot be stepped).</summary>
internal static class StreamingMembers
{
    public static void Write(IndentedTextWriter w, ModelPlan plan, IReadOnlyList<LayerEmitter> layers)
    {
        ModelSpec model = plan.Model;
        bool tokens = model.UsesTokens;
        string wrongInput = $"{Support}.{(tokens ? "FloatInputs" : "TokenInputs")}()";
        if (!plan.Streaming)
        {
            LayerPlan both = plan.Layers.First(x => x.DirectionCount == 2);
            string reason = $"This model has a bidirectional layer (layer {both.Index + 1}, {both.Layer.Declaration}): its output at each step depends on the steps after it, " +
                "so it cannot be stepped one input at a time. Run whole sequences with Forward (or ForwardBatch).";
            w.WriteLine("// No streaming Step: a bidirectional layer's output at step t depends on the inputs after t.");
            w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step({ReadOnlySpan} input, {Span} output) => throw {(tokens ? wrongInput : "NotStreaming()")};");
            w.WriteLine($"void global::RnnGen.IRecurrentNetwork.Step(int token, {Span} output) => throw {(tokens ? "NotStreaming()" : wrongInput)};");
            w.WriteLine();
            w.WriteLine("/// <summary>Not supported: a bidirectional layer cannot be stepped (see <c>Forward</c>).</summary>");
            w.WriteLine($"public void Step(global::System.Span<State> states, {(tokens ? ReadOnlySpanInt + " tokens" : ReadOnlySpan + " inputs")}, {Span} outputs) => throw NotStreaming();");
            w.WriteLine();
            w.WriteLine($"private static global::System.NotSupportedException NotStreaming() => new(\"{reason}\");");
            w.WriteLine();
            return;
        }
        string inputParameter = tokens ? "int token" : ReadOnlySpan + " input";
        w.WriteLine("/// <summary>Advances <paramref name=\"state\"/> by one step and writes that step's output (OutputSize floats).");
        w.WriteLine("/// Reads only the parameters, so any number of states may be stepped concurrently. Records nothing for <c>Backward</c>.</summary>");
        using (w.WriteBlock($"public void Step(ref State state, {inputParameter}, {Span} output)"))
        {
            if (tokens)
            {
                string vocabulary = F(model.Layers[0].Vocabulary);
                w.WriteLine($"if ((uint)token >= {vocabulary}u) {Support}.ThrowToken(token, 0, {vocabulary});");
            }
            else
                w.WriteLine($"if (input.Length != {F(model.InputSize)}) {Support}.ThrowLength(nameof(input), input.Length, {F(model.InputSize)}, \"InputSize\");");
            w.WriteLine($"if (output.Length != {F(model.OutputSize)}) {Support}.ThrowLength(nameof(output), output.Length, {F(model.OutputSize)}, \"OutputSize\");");
            StreamingKernels.WriteStepDispatch(w, plan, tokens ? "ref state, token, output" : "ref state, input, output");
            if (StreamingKernels.Tiers(plan).Any()) w.WriteLine("// elsewhere (Vector128, scalar): the portable kernels");
            w.WriteLine("if (!_packedValid) EnsurePacked();   // the check inline, the packing out of line");
            w.WriteLine($"{ReadOnlySpan} {(tokens ? "p = _parameters, " : "")}k = _packed.Span;");
            w.WriteLine($"{Span} s = Values(ref state);");
            // A layer writes its output to buffer0 or buffer1 (alternating) when it is an embedding or a Dense layer
            // other than the last (the last writes straight into output); only the buffers some layer writes are
            // declared (stackalloc zeroes them).
            bool[] used = new bool[2];
            for (int i = 0; i < layers.Count; i++)
                if (layers[i].WritesStepBuffer) used[i % 2] = true;
            if (!plan.StackScratch)
                w.WriteLine($"float[] scratch = t_stepScratch ??= new float[{F(plan.MaxCache + 2 * plan.MaxWidth)}];");
            w.WriteLine($"{Span} gates = {(plan.StackScratch ? $"stackalloc float[{F(plan.MaxCache)}]" : $"scratch.AsSpan(0, {F(plan.MaxCache)})")};");
            for (int b = 0; b < 2; b++)
                if (used[b])
                    w.WriteLine($"{Span} buffer{b} = {(plan.StackScratch ? $"stackalloc float[{F(plan.MaxWidth)}]" : $"scratch.AsSpan({F(plan.MaxCache + b * plan.MaxWidth)}, {F(plan.MaxWidth)})")};");
            string x = tokens ? "" : "input";
            for (int i = 0; i < layers.Count; i++)
            {
                w.WriteLine();
                w.WriteLine($"// {layers[i].P.Name}: {layers[i].P.Title}");
                x = layers[i].WriteStep(w, x, i % 2 == 0 ? "buffer0" : "buffer1");
            }
            if (x != "output") w.WriteLine($"{x}.CopyTo(output);");
        }
        w.WriteLine();
        w.WriteLine("/// <summary>Advances <see cref=\"CurrentState\"/> by one step and writes that step's output. Records nothing for <c>Backward</c>:");
        w.WriteLine("/// after it, <c>Backward</c> throws until the next <c>Forward</c>, <c>ForwardContinue</c> or <c>ForwardBatch</c>.</summary>");
        using (w.WriteBlock($"public void Step({inputParameter}, {Span} output)"))
        {
            w.WriteLine($"Step(ref _state, {(tokens ? "token" : "input")}, output);");
            w.WriteLine("_recordedBatch = 0;   // what the last forward pass recorded no longer matches CurrentState");
        }
        w.WriteLine();
        WriteManyStreams(w, plan);
        w.WriteLine(tokens
            ? $"void global::RnnGen.IRecurrentNetwork.Step({ReadOnlySpan} input, {Span} output) => throw {wrongInput};"
            : $"void global::RnnGen.IRecurrentNetwork.Step(int token, {Span} output) => throw {wrongInput};");
        w.WriteLine();
    }

    /// <summary>The many-stream <c>Step(Span&lt;State&gt;, …)</c>: every state one step on, bit-identical to stepping each alone.</summary>
    private static void WriteManyStreams(IndentedTextWriter w, ModelPlan plan)
    {
        ModelSpec model = plan.Model;
        bool tokens = model.UsesTokens;
        string @in = F(model.InputSize), @out = F(model.OutputSize);
        w.WriteLine("/// <summary>Advances each of <paramref name=\"states\"/> by one step: stream i reads its input at i·InputSize of");
        w.WriteLine($"/// <paramref name=\"{(tokens ? "tokens" : "inputs")}\"/> and writes its output at i·OutputSize of <paramref name=\"outputs\"/>. Bit-identical to");
        w.WriteLine("/// <c>Step(ref states[i], …)</c> for each; allocation-free; reads only the parameters, so disjoint spans of states may be");
        w.WriteLine("/// stepped on several threads at once. Each weight vector is loaded once per tile of streams.</summary>");
        using (w.WriteBlock($"public void Step(global::System.Span<State> states, {(tokens ? ReadOnlySpanInt + " tokens" : ReadOnlySpan + " inputs")}, {Span} outputs)"))
        {
            if (tokens)
                w.WriteLine($"if (tokens.Length != states.Length) {Support}.ThrowLength(nameof(tokens), tokens.Length, states.Length, \"states.Length (one token per stream)\");");
            else
                w.WriteLine($"if (inputs.Length != (long)states.Length * {@in}) {Support}.ThrowLength(nameof(inputs), inputs.Length, (int)global::System.Math.Min(int.MaxValue, (long)states.Length * {@in}), \"states.Length × InputSize\");");
            w.WriteLine($"if (outputs.Length != (long)states.Length * {@out}) {Support}.ThrowLength(nameof(outputs), outputs.Length, (int)global::System.Math.Min(int.MaxValue, (long)states.Length * {@out}), \"states.Length × OutputSize\");");
            StreamingKernels.WriteStreamsDispatch(w, plan);
            w.WriteLine(tokens
                ? $"for (int i = 0; i < states.Length; i++) Step(ref states[i], tokens[i], outputs.Slice({Times("i", model.OutputSize)}, {@out}));"
                : $"for (int i = 0; i < states.Length; i++) Step(ref states[i], inputs.Slice({Times("i", model.InputSize)}, {@in}), outputs.Slice({Times("i", model.OutputSize)}, {@out}));");
        }
        w.WriteLine();
    }
}
