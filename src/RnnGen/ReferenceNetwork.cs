using System.Numerics;
using RnnGen.Geometry;
using RnnGen.Kernels;
using RnnGen.Reference;
using RnnGen.Safetensors;

namespace RnnGen;

/// <summary>
/// The reference runtime: any <see cref="NetworkSpec"/> with sizes known only at run time, written as plain loops
/// so that it is obviously correct. It is the ground truth the generated models are checked against, and the
/// fallback when shapes are not known at compile time. Generic over the element type so that gradient checks
/// can run in <see cref="double"/>; <see cref="ReferenceNetwork"/> is the <see cref="float"/> network.
/// Buffers are sized for <see cref="NetworkSpec.MaxSteps"/> at construction; nothing is allocated per call.
/// </summary>
public class ReferenceNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Layer<T>[] _layers;
    private readonly T[] _parameters;
    private readonly T[] _gradients;
    private readonly T[] _reservoirScratch;   // gradients of reservoir layers, discarded
    private readonly T[] _state;
    private readonly T[] _initialStateGradients;
    private readonly T[] _inputs;          // [MaxSteps × InputSize] copy of the recorded inputs
    private readonly int[] _tokens;        // [MaxSteps] recorded token ids
    private readonly T[] _outputGradient;  // [MaxSteps × OutputSize] dLoss/dOutput of the last layer
    private readonly T[][] _inputGradients; // per layer: [MaxSteps × InputWidth]
    private readonly DenseLayer<T>? _logitsLayer; // final Dense whose pre-activation the CE/BCE losses read
    private int _recordedSteps;
    private bool _recording;               // the buffers hold the last Forward/ForwardContinue (a Step clears it)
    private bool _fromInitialState;        // the recorded pass started from the default state (Forward): Backward learns it
    private readonly int _bidirectionalLayer; // the first bidirectional layer (no streaming Step), or -1
    // Dropout (all empty without): per layer with Dropout, its mask [MaxSteps × OutputWidth] and its dropped outputs,
    // which the next layer reads while a pass is masked.
    private readonly bool _hasDropout;
    private readonly T[][] _dropoutMasks, _dropped;
    private readonly float[] _maskScratch;
    private DeterministicRandom _dropoutRandom = Generated.GeneratedModelSupport.DropoutRandom(0);
    private ulong _dropoutSeed;
    private bool _recurrentMasksStale = true;   // the next masked pass draws new recurrent masks (a new sequence)
    private bool _masked;                        // the recorded pass applied the masks

    /// <summary>Builds the network described by <paramref name="spec"/> with zero parameters.</summary>
    public ReferenceNetwork(NetworkSpec spec)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        int maxSteps = spec.MaxSteps;
        _layers = new Layer<T>[spec.Layers.Count];
        _inputGradients = new T[spec.Layers.Count][];
        NetworkGeometry geometry = spec.Geometry;
        for (int i = 0; i < _layers.Length; i++)
        {
            LayerSpec l = spec.Layers[i];
            int inWidth = spec.LayerInputWidth(i);
            int offset = geometry.ParameterOffset(i), stateOffset = geometry.StateOffset(i);
            _layers[i] = l.Kind switch
            {
                LayerKind.Embedding => new EmbeddingLayer<T>(l, offset, maxSteps),
                LayerKind.Dense => new DenseLayer<T>(l, inWidth, offset, maxSteps),
                LayerKind.Rnn => new ElmanLayer<T>(l, inWidth, offset, stateOffset, maxSteps),
                LayerKind.Lstm => new LstmLayer<T>(l, inWidth, offset, stateOffset, maxSteps),
                LayerKind.Gru => new GruLayer<T>(l, inWidth, offset, stateOffset, maxSteps),
                _ => throw new ArgumentException($"Layers[{i}].Kind = {l.Kind} is not supported.", nameof(spec)),
            };
            _inputGradients[i] = new T[maxSteps * inWidth];
        }
        _bidirectionalLayer = spec.Layers.ToList().FindIndex(l => l.Directions == 2);
        _hasDropout = spec.Layers.Any(l => l.HasDropout);
        _dropoutMasks = new T[_layers.Length][];
        _dropped = new T[_layers.Length][];
        for (int i = 0; i < _layers.Length; i++)
        {
            int size = spec.Layers[i].Dropout != 0f ? maxSteps * spec.Layers[i].OutputWidth : 0;
            _dropoutMasks[i] = new T[size];
            _dropped[i] = new T[size];
        }
        _maskScratch = new float[_dropoutMasks.Max(m => m.Length)];
        _parameters = new T[spec.ParameterCount];
        _gradients = new T[spec.ParameterCount];
        _reservoirScratch = new T[_layers.Where(l => l.Spec.IsReservoir).Select(l => l.ParameterCount).DefaultIfEmpty(0).Max()];
        _state = new T[spec.StateSize];
        _initialStateGradients = new T[spec.StateSize];
        _inputs = new T[maxSteps * spec.InputSize];
        _tokens = new int[spec.UsesTokens ? maxSteps : 0];
        _outputGradient = new T[maxSteps * spec.OutputSize];
        if (spec.Loss is LossKind.CrossEntropy or LossKind.BinaryCrossEntropy)
        {
            _logitsLayer = (DenseLayer<T>)_layers[^1];
            _logitsLayer.GradientIsPreActivation = true;
        }
    }

    /// <summary>The network this instance computes.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Floats per input step (0 for token models, which read one token id per step).</summary>
    public int InputSize => Spec.InputSize;

    /// <summary>Floats per output step.</summary>
    public int OutputSize => Spec.OutputSize;

    /// <summary>The longest sequence accepted.</summary>
    public int MaxSteps => Spec.MaxSteps;

    /// <summary>Number of parameters.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>Floats of recurrent state (see <see cref="NetworkSpec.StateSize"/> for the layout).</summary>
    public int StateSize => _state.Length;

    /// <summary>Steps recorded by the last forward pass (what <c>Backward</c> will differentiate).</summary>
    public int RecordedSteps => _recordedSteps;

    /// <summary>The flat parameter buffer; layout in <see cref="NetworkSpec.ParameterLayout"/>.</summary>
    public Span<T> Parameters => _parameters;

    /// <summary>dLoss/dParameters, accumulated by <c>Backward</c> until <see cref="ZeroGradients"/>.</summary>
    public Span<T> Gradients => _gradients;

    /// <summary>The recurrent state carried between calls.</summary>
    public Span<T> CurrentState => _state;

    /// <summary>dLoss/dInputs of the last <c>Backward</c>: [steps × InputSize]; empty for token models.</summary>
    public ReadOnlySpan<T> InputGradients =>
        Spec.UsesTokens ? ReadOnlySpan<T>.Empty : _inputGradients[0].AsSpan(0, _recordedSteps * InputSize);

    /// <summary>dLoss/d(initial state) of the last <c>Backward</c>.</summary>
    public ReadOnlySpan<T> InitialStateGradients => _initialStateGradients;

    /// <summary>Training mode: while true, <see cref="LayerSpec.Dropout"/> and <see cref="LayerSpec.RecurrentDropout"/>
    /// act in forward passes (see <see cref="IRecurrentNetwork.Training"/>). Default false.</summary>
    public bool Training { get; set; }

    /// <summary>Restarts the dropout masks' generator (see <see cref="IRecurrentNetwork.DropoutSeed"/>).</summary>
    public ulong DropoutSeed
    {
        get => _dropoutSeed;
        set
        {
            _dropoutSeed = value;
            _dropoutRandom = Generated.GeneratedModelSupport.DropoutRandom(value);
            _recurrentMasksStale = true;
        }
    }

    /// <summary>The view of one named parameter tensor, e.g. <c>Parameter("layers.0.weight_hh_l0")</c>.</summary>
    public Span<T> Parameter(string name)
    {
        ParameterTensor t = Spec.ParameterLayout[name];
        return _parameters.AsSpan(t.Offset, t.Length);
    }

    /// <summary>The gradient of one named parameter tensor.</summary>
    public Span<T> Gradient(string name)
    {
        ParameterTensor t = Spec.ParameterLayout[name];
        return _gradients.AsSpan(t.Offset, t.Length);
    }

    /// <summary>PyTorch's default initialisation from <paramref name="seed"/> (see <see cref="ParameterInitializer"/>).</summary>
    public void InitializeParameters(int seed)
    {
        var values = new float[_parameters.Length];
        ParameterInitializer.Initialize(Spec, values, seed);
        for (int i = 0; i < values.Length; i++) _parameters[i] = T.CreateChecked(values[i]);
    }

    /// <summary>Sets <see cref="Gradients"/> to zero.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);

    /// <summary>Sets <see cref="CurrentState"/> to the initial state: zero, or a layer's learned initial state when it has
    /// <see cref="LayerSpec.LearnInitialState"/>.</summary>
    public void ResetState()
    {
        Array.Clear(_state);
        foreach (Layer<T> layer in _layers)
        {
            if (layer is RecurrentLayer<T> recurrent && layer.Spec.LearnInitialState)
                recurrent.LoadInitialState(_parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount), _state.AsSpan(layer.StateOffset, layer.Spec.StateWidth));
        }
    }

    /// <summary>Advances <see cref="CurrentState"/> by one input step; writes that step's output (OutputSize floats).
    /// Records nothing for <c>Backward</c>: after a step, <c>Backward</c> throws until the next <c>Forward</c> or
    /// <c>ForwardContinue</c>, as on a generated model.</summary>
    /// <exception cref="NotSupportedException">The network has a bidirectional layer.</exception>
    public void Step(ReadOnlySpan<T> input, Span<T> output)
    {
        RequireStreaming();
        int recorded = _recordedSteps;
        bool training = Training;
        Training = false;   // streaming is inference: no dropout
        try { ForwardContinue(input, 1, output); }
        finally { Training = training; }
        EndStep(recorded);
    }

    /// <summary>Advances <see cref="CurrentState"/> by one token (Embedding models); records nothing for <c>Backward</c>.</summary>
    /// <exception cref="NotSupportedException">The network has a bidirectional layer.</exception>
    public void Step(int token, Span<T> output)
    {
        RequireStreaming();
        int recorded = _recordedSteps;
        bool training = Training;
        Training = false;   // streaming is inference: no dropout
        try { ForwardContinue([token], 1, output); }
        finally { Training = training; }
        EndStep(recorded);
    }

    private void RequireStreaming()
    {
        int both = _bidirectionalLayer;
        if (both >= 0)
            throw new NotSupportedException($"This network has a bidirectional layer (layer {both + 1}, {NetworkSpec.Describe(Spec.Layers[both])}): its output at each step " +
                "depends on the steps after it, so it cannot be stepped one input at a time. Run whole sequences with Forward.");
    }

    /// <summary>A step ran through the recording buffers: what they held no longer belongs to a forward pass.</summary>
    private void EndStep(int recorded)
    {
        _recordedSteps = recorded;   // InputGradients of the last Backward keep their length
        _recording = false;
    }

    /// <summary>Runs a new sequence from the initial state (zero, or the learned one, see <see cref="ResetState"/>): inputs
    /// [steps × InputSize] → outputs [steps × OutputSize] ([1 × OutputSize] in LastStep mode), recording what
    /// <c>Backward</c> needs (which then also learns a learned initial state).</summary>
    public void Forward(ReadOnlySpan<T> inputs, int steps, Span<T> outputs)
    {
        ResetState();
        _recurrentMasksStale = true;
        ForwardContinue(inputs, steps, outputs);
        _fromInitialState = true;
    }

    /// <summary>Runs a new token sequence from the initial state (Embedding models).</summary>
    public void Forward(ReadOnlySpan<int> tokens, int steps, Span<T> outputs)
    {
        ResetState();
        _recurrentMasksStale = true;
        ForwardContinue(tokens, steps, outputs);
        _fromInitialState = true;
    }

    /// <summary>Runs a chunk from the current <see cref="CurrentState"/> (truncated BPTT: the gradient stops at the
    /// chunk's first step; <see cref="InitialStateGradients"/> reports dLoss/d(that state)). The state is the caller's:
    /// a learned initial state gets no gradient from this pass.</summary>
    public void ForwardContinue(ReadOnlySpan<T> inputs, int steps, Span<T> outputs)
    {
        if (Spec.UsesTokens)
            throw new InvalidOperationException("This network's first layer is an Embedding: pass token ids (ReadOnlySpan<int>), not floats.");
        Guard.Steps(steps, MaxSteps);
        if (inputs.Length != steps * InputSize)
            Guard.ThrowLength(inputs.Length, steps * InputSize, nameof(inputs), $"{steps} steps × InputSize {InputSize}");
        CheckOutputs(outputs.Length, steps);
        inputs.CopyTo(_inputs);
        Run(steps, outputs);
    }

    /// <summary>Runs a token chunk from the current <see cref="CurrentState"/> (truncated BPTT, Embedding models).</summary>
    public void ForwardContinue(ReadOnlySpan<int> tokens, int steps, Span<T> outputs)
    {
        if (!Spec.UsesTokens)
            throw new InvalidOperationException("This network reads float inputs; token ids need an Embedding as the first layer.");
        Guard.Steps(steps, MaxSteps);
        if (tokens.Length != steps)
            Guard.ThrowLength(tokens.Length, steps, nameof(tokens), $"one token id per step, {steps} steps");
        CheckOutputs(outputs.Length, steps);
        int vocabulary = Spec.Layers[0].Vocabulary;
        for (int t = 0; t < steps; t++)
        {
            if ((uint)tokens[t] >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[t], $"tokens[{t}] = {tokens[t]}; expected 0..{vocabulary - 1} (the Embedding's vocabulary).");
        }
        tokens.CopyTo(_tokens);
        Run(steps, outputs);
    }

    private void CheckOutputs(int length, int steps)
    {
        int expected = OutputSteps(steps) * OutputSize;
        if (length != expected)
            Guard.ThrowLength(length, expected, "outputs", Spec.Output == OutputMode.LastStep
                ? $"LastStep mode: 1 × OutputSize {OutputSize}"
                : $"{steps} steps × OutputSize {OutputSize}");
    }

    private int OutputSteps(int steps) => Spec.Output == OutputMode.LastStep ? 1 : steps;

    private void Run(int steps, Span<T> outputs)
    {
        _masked = Training && _hasDropout;
        if (_masked) DrawMasks(steps);
        ReadOnlySpan<T> input = _inputs;
        for (int i = 0; i < _layers.Length; i++)
        {
            Layer<T> layer = _layers[i];
            if (layer is RecurrentLayer<T> recurrent) recurrent.RecurrentMasked = _masked && layer.Spec.RecurrentDropout != 0f;
            layer.Forward(input, _tokens, steps, _parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount),
                _state.AsSpan(layer.StateOffset, layer.Spec.StateWidth));
            input = LayerOutput(i);
            if (_masked && layer.Spec.Dropout != 0f)
            {
                // y' = y ⊙ m: the next layer reads the dropped outputs
                T[] mask = _dropoutMasks[i], dropped = _dropped[i];
                for (int k = 0; k < steps * layer.OutputWidth; k++) dropped[k] = layer.Output[k] * mask[k];
            }
        }
        int first = Spec.Output == OutputMode.LastStep ? steps - 1 : 0;
        _layers[^1].Output.AsSpan(first * OutputSize, outputs.Length).CopyTo(outputs);
        _recordedSteps = steps;
        _recording = true;
        _fromInitialState = false;
    }

    /// <summary>What the layer after layer <paramref name="i"/> reads: its dropped outputs in a masked pass, else its outputs.</summary>
    private T[] LayerOutput(int i) => _masked && _layers[i].Spec.Dropout != 0f ? _dropped[i] : _layers[i].Output;

    /// <summary>The masks of a training pass, in a fixed order: the recurrent masks when a new sequence starts (each
    /// layer with RecurrentDropout, forward direction then reverse), then each layer's output mask for these steps.</summary>
    private void DrawMasks(int steps)
    {
        if (_recurrentMasksStale)
        {
            foreach (Layer<T> layer in _layers)
                if (layer is RecurrentLayer<T> recurrent && layer.Spec.RecurrentDropout != 0f) recurrent.DrawRecurrentMasks(ref _dropoutRandom);
            _recurrentMasksStale = false;
        }
        for (int i = 0; i < _layers.Length; i++)
        {
            float p = _layers[i].Spec.Dropout;
            if (p == 0f) continue;
            Span<float> scratch = _maskScratch.AsSpan(0, steps * _layers[i].OutputWidth);
            Generated.GeneratedModelSupport.DrawDropoutMask(ref _dropoutRandom, p, scratch);
            for (int k = 0; k < scratch.Length; k++) _dropoutMasks[i][k] = T.CreateChecked(scratch[k]);
        }
    }

    /// <summary>
    /// BPTT through the last forward pass. <paramref name="targets"/>: for MSE and BCE the outputs' shape; for
    /// <see cref="LossKind.None"/> dLoss/dOutputs itself. Returns the loss (0 for None), accumulates
    /// dLoss/dθ into <see cref="Gradients"/>, and sets <see cref="InputGradients"/> and <see cref="InitialStateGradients"/>.
    /// </summary>
    public T Backward(ReadOnlySpan<T> targets)
    {
        int steps = RequireRecorded();
        if (Spec.Loss == LossKind.CrossEntropy)
            throw new InvalidOperationException("Loss = CrossEntropy takes class ids: call Backward(ReadOnlySpan<int>).");
        int outSteps = OutputSteps(steps);
        if (targets.Length != outSteps * OutputSize)
            Guard.ThrowLength(targets.Length, outSteps * OutputSize, nameof(targets), $"{outSteps} output steps × OutputSize {OutputSize}");
        int first = steps - outSteps;
        Span<T> dOut = _outputGradient.AsSpan(0, steps * OutputSize);
        dOut.Clear();
        Span<T> dScored = dOut.Slice(first * OutputSize, outSteps * OutputSize);
        T loss = Spec.Loss switch
        {
            LossKind.MeanSquaredError => Losses<T>.MeanSquaredError(_layers[^1].Output.AsSpan(first * OutputSize, dScored.Length), targets, dScored, Spec.Reduction),
            LossKind.BinaryCrossEntropy => Losses<T>.BinaryCrossEntropyWithLogits(_logitsLayer!.PreActivation.Slice(first * OutputSize, dScored.Length), targets, dScored, Spec.Reduction),
            _ => CopyGradient(targets, dScored),
        };
        BackPropagate(steps);
        return loss;
    }

    /// <summary>BPTT for cross-entropy: one class id per output step (every step, or only the last).</summary>
    public T Backward(ReadOnlySpan<int> classIds)
    {
        int steps = RequireRecorded();
        if (Spec.Loss != LossKind.CrossEntropy)
            throw new InvalidOperationException($"Class ids are targets for Loss = CrossEntropy; this network's loss is {Spec.Loss}: call Backward(ReadOnlySpan<{typeof(T).Name}>).");
        int outSteps = OutputSteps(steps);
        if (classIds.Length != outSteps)
            Guard.ThrowLength(classIds.Length, outSteps, nameof(classIds), $"one class id per output step, {outSteps} output steps");
        int first = steps - outSteps;
        Span<T> dOut = _outputGradient.AsSpan(0, steps * OutputSize);
        dOut.Clear();
        T loss = Losses<T>.CrossEntropy(_logitsLayer!.PreActivation.Slice(first * OutputSize, outSteps * OutputSize), OutputSize,
            classIds, dOut.Slice(first * OutputSize, outSteps * OutputSize), Spec.Reduction);
        BackPropagate(steps);
        return loss;
    }

    private static T CopyGradient(ReadOnlySpan<T> gradient, Span<T> destination)
    {
        gradient.CopyTo(destination);
        return T.Zero;
    }

    private int RequireRecorded() => _recording
        ? _recordedSteps
        : throw new InvalidOperationException("Backward needs a recorded sequence: call Forward or ForwardContinue first (Step records nothing for Backward).");

    private void BackPropagate(int steps)
    {
        ReadOnlySpan<T> dOut = _outputGradient.AsSpan(0, steps * OutputSize);
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            Layer<T> layer = _layers[i];
            ReadOnlySpan<T> input = i == 0 ? _inputs : LayerOutput(i - 1);
            Span<T> dIn = _inputGradients[i];
            if (_masked && layer.Spec.Dropout != 0f)
            {
                // dL/dy = dL/dy' ⊙ m (never the final layer: dOut is the next layer's input gradient)
                Span<T> dy = _inputGradients[i + 1].AsSpan(0, steps * layer.OutputWidth);
                T[] mask = _dropoutMasks[i];
                for (int k = 0; k < dy.Length; k++) dy[k] *= mask[k];
            }
            // A reservoir is never learned: its gradients go to scratch, and Gradients keeps zeros there.
            Span<T> gradients = layer.Spec.IsReservoir
                ? _reservoirScratch.AsSpan(0, layer.ParameterCount)
                : _gradients.AsSpan(layer.ParameterOffset, layer.ParameterCount);
            if (layer.Spec.IsReservoir) gradients.Clear();
            layer.Backward(input, _tokens, steps,
                _parameters.AsSpan(layer.ParameterOffset, layer.ParameterCount),
                gradients,
                dOut, dIn, _initialStateGradients.AsSpan(layer.StateOffset, layer.Spec.StateWidth));
            dOut = dIn[..(steps * layer.InputWidth)];
            // A pass that began at the learned initial state learns it: dLoss/dh(0) (and dc(0)) are its gradients.
            if (_fromInitialState && layer is RecurrentLayer<T> recurrent && layer.Spec.LearnInitialState)
                recurrent.AddInitialStateGradient(gradients, _initialStateGradients.AsSpan(layer.StateOffset, layer.Spec.StateWidth));
        }
    }

    /// <summary>Loads parameters saved with PyTorch's names. All-or-nothing: on any error the parameters are unchanged.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt, or a tensor is missing, extra, mis-shaped or of an unsupported dtype.</exception>
    public void LoadSafetensors(string path) => LoadSafetensors(path, EmptyMap);

    /// <summary>Loads parameters, reading for each of our tensor names the file tensor that
    /// <paramref name="nameMap"/> gives (names not in the map are looked up unchanged).</summary>
    /// <param name="path">The safetensors file.</param>
    /// <param name="nameMap">Our name (e.g. <c>layers.0.weight_ih_l0</c>) → the file's name (e.g. <c>encoder.lstm.weight_ih_l0</c>).</param>
    /// <param name="ignoreUnusedTensors">Accept file tensors that no parameter reads (otherwise an error names them).</param>
    /// <param name="ignoreSpecMismatch">Load the tensors even when the file records that it was saved from a network with
    /// other activations, loss, reduction or output mode.</param>
    public void LoadSafetensors(string path, IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors = false, bool ignoreSpecMismatch = false)
    {
        var values = new float[_parameters.Length];
        ParameterIO.Load(path, Spec, nameMap, ignoreUnusedTensors, ignoreSpecMismatch, values);
        for (int i = 0; i < values.Length; i++) _parameters[i] = T.CreateChecked(values[i]);
    }

    /// <summary>Saves parameters with PyTorch's names (and the spec as JSON metadata), writing a temporary
    /// file and renaming it over <paramref name="path"/>.</summary>
    public void SaveSafetensors(string path)
    {
        var values = new float[_parameters.Length];
        for (int i = 0; i < values.Length; i++) values[i] = float.CreateChecked(_parameters[i]);
        ParameterIO.Save(path, Spec, values);
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();
}

/// <summary>
/// The reference runtime in single precision: what users run when shapes are known only at run time, and the
/// ground truth for generated models. See <see cref="ReferenceNetwork{T}"/>.
/// </summary>
public sealed class ReferenceNetwork(NetworkSpec spec) : ReferenceNetwork<float>(spec), IRecurrentNetwork;
