using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
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

            /// <summary>Sets <see cref="CurrentState"/> to zero.</summary>
            public void ResetState() => _state = default;

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
}
