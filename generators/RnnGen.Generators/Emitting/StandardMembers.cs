using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>The members every model has in the same form: the interface's sizes, parameters and gradients, the
/// state, initialisation and safetensors I/O.</summary>
internal static class StandardMembers
{
    /// <param name="streamKernels">The model has specialised streaming kernels, whose packed copy goes stale with the parameters.</param>
    public static void Write(IndentedTextWriter w, ModelSpec model, bool streamKernels)
    {
        string text = $$"""
            global::RnnGen.NetworkSpec global::RnnGen.IRecurrentNetwork.Spec => Spec;
            int global::RnnGen.IRecurrentNetwork.InputSize => InputSize;
            int global::RnnGen.IRecurrentNetwork.OutputSize => OutputSize;
            int global::RnnGen.IRecurrentNetwork.MaxSteps => MaxSteps;
            int global::RnnGen.IRecurrentNetwork.ParameterCount => ParameterCount;
            int global::RnnGen.IBatchedNetwork.BatchTile => BatchTile;
            int global::RnnGen.IRecurrentNetwork.StateSize => StateSize;

            /// <summary>The flat parameter buffer; layout in <c>Spec.ParameterLayout</c> (PyTorch names and order).
            /// Each access marks the forward kernels' transposed copy stale; it is rebuilt before the next forward
            /// pass. Write parameters through a fresh access (not through a span kept across Step or Forward calls).</summary>
            public {{Span}} Parameters
            {
                get
                {
                    _packedValid = false;
                    _streamPackedValid = false;
                    return _parameters;
                }
            }

            /// <summary>dLoss/dParameters, accumulated by <c>Backward</c> until <see cref="ZeroGradients"/>.</summary>
            public {{Span}} Gradients => _gradients.Span;

            /// <summary>The state the instance <c>Step</c>, <c>Forward</c> and <c>ForwardContinue</c> carry.</summary>
            public {{Span}} CurrentState => Values(ref _state);

            /// <summary>dLoss/dInputs of the last <c>Backward</c>: [steps × InputSize]{{(model.UsesTokens ? " (empty: token ids have no gradient)" : "")}}.</summary>
            public {{ReadOnlySpan}} InputGradients => {{(model.UsesTokens ? ReadOnlySpan + ".Empty" : "new " + ReadOnlySpan + "(_inputGradients, 0, _recordedSteps * InputSize)")}};

            /// <summary>dLoss/d(initial state) of the last <c>Backward</c>.</summary>
            public {{ReadOnlySpan}} InitialStateGradients => _initialStateGradients;

            /// <summary>PyTorch's default initialisation from <paramref name="seed"/> (identical to the reference runtime's).</summary>
            public void InitializeParameters(int seed)
            {
                global::RnnGen.ParameterInitializer.Initialize(Spec, _parameters, seed);
                _packedValid = false;
                _streamPackedValid = false;
            }

            /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
            public void ZeroGradients() => _gradients.Span.Clear();

            /// <summary>Loads parameters saved with PyTorch's names (all-or-nothing).</summary>
            public void LoadSafetensors(string path) => LoadSafetensors(path, s_noMap, false, false);

            /// <summary>Loads parameters, reading for each of our names the file tensor <paramref name="nameMap"/> gives.</summary>
            public void LoadSafetensors(string path, global::System.Collections.Generic.IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors = false, bool ignoreSpecMismatch = false)
            {
                global::RnnGen.Safetensors.ParameterIO.Load(path, Spec, nameMap, ignoreUnusedTensors, ignoreSpecMismatch, _parameters);
                _packedValid = false;
                _streamPackedValid = false;
            }

            /// <summary>Saves parameters with PyTorch's names (temporary file, then rename).</summary>
            public void SaveSafetensors(string path) => global::RnnGen.Safetensors.ParameterIO.Save(path, Spec, _parameters);

            private static readonly global::System.Collections.Generic.IReadOnlyDictionary<string, string> s_noMap =
                new global::System.Collections.Generic.Dictionary<string, string>();

            /// <summary>The floats of <paramref name="state"/> as a span.</summary>
            public static {{Span}} Values(ref State state) =>
                global::System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref global::System.Runtime.CompilerServices.Unsafe.As<State, float>(ref state), StateSize);

            """;
        if (!streamKernels)
            text = string.Join("\n", text.Split('\n').Where(line => !line.Contains("_streamPackedValid")));
        w.WriteLines(text);
    }

    /// <summary><c>ResetState</c>: <see cref="CurrentState"/>, one <c>State</c> or many return to the initial state,
    /// zero or, for the layers with <c>LearnInitialState</c>, their learned h(0) (and c(0)).</summary>
    public static void WriteResetState(IndentedTextWriter w, ModelPlan plan)
    {
        if (!plan.LearnsInitialState)
        {
            w.WriteLine("/// <summary>Sets <see cref=\"CurrentState\"/> to zero.</summary>");
            w.WriteLine("public void ResetState() => _state = default;");
            w.WriteLine();
            w.WriteLine("/// <summary>Sets <paramref name=\"state\"/> to the initial state (zero).</summary>");
            w.WriteLine("public void ResetState(ref State state) => state = default;");
            w.WriteLine();
            w.WriteLine("/// <summary>Sets each of <paramref name=\"states\"/> to the initial state (zero), to start streams for <c>Step(Span&lt;State&gt;, …)</c>.</summary>");
            w.WriteLine("public void ResetState(global::System.Span<State> states) => states.Clear();");
            w.WriteLine();
            return;
        }
        w.WriteLine("/// <summary>Sets <see cref=\"CurrentState\"/> to the initial state: the learned initial state of the layers that learn it, zero elsewhere.</summary>");
        w.WriteLine("public void ResetState() => ResetState(ref _state);");
        w.WriteLine();
        w.WriteLine("/// <summary>Sets <paramref name=\"state\"/> to the initial state (the learned one of the layers that learn it, zero elsewhere).");
        w.WriteLine("/// Reads only the parameters.</summary>");
        using (w.WriteBlock("public void ResetState(ref State state)"))
        {
            w.WriteLine("state = default;");
            w.WriteLine("LoadInitialState(Values(ref state));");
        }
        w.WriteLine();
        w.WriteLine("/// <summary>Sets each of <paramref name=\"states\"/> to the initial state, to start streams for <c>Step(Span&lt;State&gt;, …)</c>.</summary>");
        using (w.WriteBlock("public void ResetState(global::System.Span<State> states)"))
            w.WriteLine("for (int i = 0; i < states.Length; i++) ResetState(ref states[i]);");
        w.WriteLine();
        w.WriteLine("/// <summary>Writes the learned initial states into <paramref name=\"s\"/> [StateSize]; the other layers' parts are left as they are.</summary>");
        using (w.WriteBlock($"private void LoadInitialState({Span} s)"))
        {
            foreach (LayerPlan p in plan.Layers.Where(p => p.LearnedInitialState))
            {
                foreach (DirectionPlan d in p.Directions)
                {
                    string where = d.Direction == 0 ? "h(0)" : "h at the last step, where it starts", cell = d.Direction == 0 ? "c(0)" : "c";
                    w.WriteLine($"// layers.{F(p.Index)} {d.Name}: {where} ← {d.InitialH!.Name}{(d.InitialC is null ? "" : $", {cell} ← {d.InitialC.Name}")}");
                    w.WriteLine($"new {ReadOnlySpan}(_parameters, {Range(d.InitialH)}).CopyTo(s.Slice({d.StateConstant}, {F(p.H)}));");
                    if (d.InitialC is not null)
                        w.WriteLine($"new {ReadOnlySpan}(_parameters, {Range(d.InitialC)}).CopyTo(s.Slice({d.StateConstant} + {F(p.H)}, {F(p.H)}));");
                }
            }
        }
        w.WriteLine();
    }
}
