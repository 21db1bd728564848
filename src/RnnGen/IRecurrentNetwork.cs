namespace RnnGen;

/// <summary>
/// What every RnnGen network offers — the reference runtime (<see cref="ReferenceNetwork"/>) and every generated
/// model alike — so that a trainer, a benchmark or a parity check can take either.
/// </summary>
/// <remarks>
/// <para><b>State.</b> <see cref="CurrentState"/> is the recurrent state carried between calls: <see cref="Step(ReadOnlySpan{float}, Span{float})"/>
/// reads and updates it; <see cref="Forward(ReadOnlySpan{float}, int, Span{float})"/> starts a new sequence from
/// the initial state (zero, or the learned one of a layer with <see cref="LayerSpec.LearnInitialState"/>, which
/// <c>Backward</c> then learns); <see cref="ForwardContinue(ReadOnlySpan{float}, int, Span{float})"/> starts from
/// <see cref="CurrentState"/> (truncated BPTT: the gradient stops at the chunk edge, like PyTorch's <c>detach()</c>);
/// both leave the final state in <see cref="CurrentState"/>. To start from a given state, write it into
/// <see cref="CurrentState"/> and call <c>ForwardContinue</c>.</para>
/// <para><b>Layouts.</b> Inputs are row-major [steps × InputSize]; outputs [steps × OutputSize], or
/// [1 × OutputSize] in <see cref="OutputMode.LastStep"/> mode. Targets have the outputs' shape, or one class id
/// per output step for cross-entropy.</para>
/// <para><b>Threads.</b> An instance is not thread-safe: one thread at a time.</para>
/// </remarks>
public interface IRecurrentNetwork
{
    /// <summary>The network this instance computes.</summary>
    NetworkSpec Spec { get; }

    /// <summary>Floats per input step (0 for token models).</summary>
    int InputSize { get; }

    /// <summary>Floats per output step.</summary>
    int OutputSize { get; }

    /// <summary>The longest sequence accepted.</summary>
    int MaxSteps { get; }

    /// <summary>Floats in <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>Floats in <see cref="CurrentState"/>.</summary>
    int StateSize { get; }

    /// <summary>The flat parameter buffer (layout: <see cref="NetworkSpec.ParameterLayout"/>).</summary>
    Span<float> Parameters { get; }

    /// <summary>dLoss/dParameters, accumulated by <c>Backward</c> until <see cref="ZeroGradients"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>The recurrent state carried between calls.</summary>
    Span<float> CurrentState { get; }

    /// <summary>dLoss/dInputs of the last <c>Backward</c>, [steps × InputSize] (empty for token models).</summary>
    ReadOnlySpan<float> InputGradients { get; }

    /// <summary>dLoss/d(initial state) of the last <c>Backward</c>, <see cref="StateSize"/> floats.</summary>
    ReadOnlySpan<float> InitialStateGradients { get; }

    /// <summary>
    /// Training mode (default false). While true, the layers' <see cref="LayerSpec.Dropout"/> and
    /// <see cref="LayerSpec.RecurrentDropout"/> act in <c>Forward</c> and <c>ForwardContinue</c> (with masks from
    /// <see cref="DropoutSeed"/>) and <c>Backward</c> differentiates through the same masks; while false dropout is the
    /// identity and the outputs are bit for bit those of the network without it. <c>Step</c> is inference and ignores
    /// it. The <c>Trainer</c> sets it during <c>Fit</c> updates, clears it for evaluation and restores it afterwards.
    /// A network without dropout has nothing to switch: its default implementation reads false and ignores writes.
    /// </summary>
    bool Training { get => false; set { } }

    /// <summary>
    /// Seeds the dropout masks: setting it restarts the mask generator from this value, and the next forward pass
    /// draws fresh recurrent masks (one per direction of each layer with <see cref="LayerSpec.RecurrentDropout"/>),
    /// then the output masks of its steps. <c>Forward</c> draws fresh recurrent masks too; <c>ForwardContinue</c>
    /// keeps them (the same sequence goes on) and draws new output masks. So the masks of a pass depend only on the
    /// seed and the calls since it was set: the <c>Trainer</c> sets it from (its seed, the update, the example) before
    /// each training forward pass, which makes training identical for any number of workers.
    /// A network without dropout ignores it.
    /// </summary>
    ulong DropoutSeed { get => 0; set { } }

    /// <summary>PyTorch's default initialisation from <paramref name="seed"/>.</summary>
    void InitializeParameters(int seed);

    /// <summary>Loads parameters saved with PyTorch's names (see <see cref="NetworkSpec.ParameterLayout"/>): a file from
    /// <see cref="SaveSafetensors"/>, a trainer checkpoint (its optimizer and trainer tensors are skipped) or a PyTorch
    /// <c>state_dict</c> with the same names. All-or-nothing: on any error the parameters are unchanged.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, extra or mis-shaped, the file is corrupt, or it records
    /// that it was saved from a network with other activations, loss or output mode (the message names the field).</exception>
    void LoadSafetensors(string path);

    /// <summary>Loads parameters, reading the tensor that <paramref name="nameMap"/> gives for each of our names
    /// (names not in the map are looked up as they are).</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="nameMap">Our name (e.g. <c>layers.0.weight_ih_l0</c>) → the file's name (e.g. <c>encoder.lstm.weight_ih_l0</c>).</param>
    /// <param name="ignoreUnusedTensors">Accept file tensors that no parameter reads (otherwise an error names them).</param>
    /// <param name="ignoreSpecMismatch">Load the tensors even when the file says it was saved from a network that
    /// computes something else (other activations, loss, reduction or output mode).</param>
    void LoadSafetensors(string path, IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors = false, bool ignoreSpecMismatch = false);

    /// <summary>Saves parameters with PyTorch's names (written to a temporary file, then renamed).</summary>
    void SaveSafetensors(string path);

    /// <summary>Sets <see cref="CurrentState"/> to the initial state: zero, except for the layers with
    /// <see cref="LayerSpec.LearnInitialState"/>, which return to their learned initial state.</summary>
    void ResetState();

    /// <summary>Advances <see cref="CurrentState"/> by one input step and writes that step's output. Records nothing
    /// for <c>Backward</c>: after a <c>Step</c>, <c>Backward</c> throws until the next <c>Forward</c> or <c>ForwardContinue</c>.</summary>
    /// <exception cref="NotSupportedException">The network has a bidirectional layer, whose output at a step depends on
    /// the steps after it: run whole sequences with <c>Forward</c>.</exception>
    void Step(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Advances <see cref="CurrentState"/> by one token (Embedding models); records nothing for <c>Backward</c>.</summary>
    /// <exception cref="NotSupportedException">The network has a bidirectional layer (see the other overload).</exception>
    void Step(int token, Span<float> output);

    /// <summary>Runs a new sequence from the initial state (zero, or a layer's learned one: see <see cref="ResetState"/>) and
    /// records what <c>Backward</c> needs; <c>Backward</c> then also learns the learned initial states.</summary>
    void Forward(ReadOnlySpan<float> inputs, int steps, Span<float> outputs);

    /// <summary>Runs a new token sequence from the initial state (Embedding models).</summary>
    void Forward(ReadOnlySpan<int> tokens, int steps, Span<float> outputs);

    /// <summary>Runs a sequence chunk from the current <see cref="CurrentState"/> (truncated BPTT). The state is the
    /// caller's: a learned initial state gets no gradient from this pass.</summary>
    void ForwardContinue(ReadOnlySpan<float> inputs, int steps, Span<float> outputs);

    /// <summary>Runs a token chunk from the current <see cref="CurrentState"/> (truncated BPTT, Embedding models).</summary>
    void ForwardContinue(ReadOnlySpan<int> tokens, int steps, Span<float> outputs);

    /// <summary>BPTT through the last <c>Forward</c> or <c>ForwardContinue</c>: returns the loss and accumulates into
    /// <see cref="Gradients"/>.</summary>
    /// <exception cref="InvalidOperationException">Nothing is recorded: no forward pass yet, or a <c>Step</c> since the last one.</exception>
    float Backward(ReadOnlySpan<float> targets);

    /// <summary>BPTT for cross-entropy over class ids, one per output step.</summary>
    float Backward(ReadOnlySpan<int> classIds);

    /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
    void ZeroGradients();
}
