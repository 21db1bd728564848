using RnnGen.Kernels;
using RnnGen.Optimization;

namespace RnnGen.Training;

/// <summary>
/// Sequence to sequence (and one to many) from two ordinary networks, generated or reference alike:
/// <list type="bullet">
/// <item>the <b>encoder</b> reads the source (tokens or float vectors; <c>Output = LastStep</c>, <c>Loss = None</c>); its
/// output at the last step is the context C (its final hidden state when its last layer is recurrent, or a Dense
/// projection of the input, e.g. one step of <c>[Dense(H, Tanh)]</c> for one-to-many);</item>
/// <item>the <b>decoder</b> (<c>[Embedding] … [Dense(V, Softmax)]</c>, <c>Loss = CrossEntropy</c>) starts from C as the
/// hidden state h of its first recurrent layer (c, or the rest of a skip delay line, start at 0) and produces the target
/// sequence, of any length, one token per step.</item>
/// </list>
/// Training is teacher-forced (<see cref="Backward(ReadOnlySpan{int}, ReadOnlySpan{int})"/>: the decoder reads
/// [start, y₁ … y_T] and is scored on [y₁ … y_T, end]); the decoder's dLoss/d(initial state) is the encoder's dLoss/dC,
/// so one call runs BPTT through both networks. Inference runs free (<see cref="Generate(ReadOnlySpan{int}, Span{int}, float, ref DeterministicRandom)"/>):
/// greedy at temperature 0, sampled otherwise. Not thread-safe (it drives the two networks' own state).
/// </summary>
public sealed class EncoderDecoder
{
    private readonly int[] _decoderInputs, _decoderTargets;
    private readonly float[] _context, _probabilities, _step, _contextGradient;

    /// <summary>Wires <paramref name="encoder"/> to <paramref name="decoder"/>; <paramref name="startToken"/> is the decoder's
    /// first input, <paramref name="endToken"/> the token that ends a target (and generation).</summary>
    /// <exception cref="ArgumentException">The networks do not fit together; the message says which rule failed.</exception>
    public EncoderDecoder(IRecurrentNetwork encoder, IRecurrentNetwork decoder, int startToken, int endToken)
    {
        Encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (ReferenceEquals(encoder, decoder)) throw new ArgumentException("The encoder and the decoder must be two networks (each keeps its own recorded sequence).", nameof(decoder));
        NetworkSpec e = encoder.Spec, d = decoder.Spec;
        if (e.Output != OutputMode.LastStep || e.Loss != LossKind.None)
            throw new ArgumentException($"The encoder must have Output = LastStep and Loss = None (its last output is the context); it has {e.Output}, {e.Loss}.", nameof(encoder));
        if (!d.UsesTokens || d.Loss != LossKind.CrossEntropy || d.Output != OutputMode.EveryStep)
            throw new ArgumentException($"The decoder must read tokens (an Embedding first) and have Loss = CrossEntropy, Output = EveryStep; it is {d}.", nameof(decoder));
        if (d.Layers[^1].Activation != Activation.Softmax)
            throw new ArgumentException($"The decoder's last layer must be Dense(V, Activation.Softmax) (generation samples its probabilities); it is {d.Layers[^1].Kind} with {d.Layers[^1].Activation}.", nameof(decoder));
        LayerSpec? first = d.Layers.FirstOrDefault(l => l.IsRecurrent);
        if (first is null || first.Bidirectional)
            throw new ArgumentException("The decoder needs a one-direction recurrent layer whose initial state the context sets.", nameof(decoder));
        if (first.OutputWidth != encoder.OutputSize)
            throw new ArgumentException($"The context has {encoder.OutputSize} floats (the encoder's OutputSize) but the decoder's first recurrent layer's h has {first.OutputWidth}; they must be equal.", nameof(decoder));
        int vocabulary = d.Layers[0].Vocabulary;
        if (decoder.OutputSize != vocabulary)
            throw new ArgumentException($"The decoder predicts {decoder.OutputSize} classes but reads {vocabulary} token ids; they must be the same vocabulary.", nameof(decoder));
        if ((uint)startToken >= (uint)vocabulary) throw new ArgumentOutOfRangeException(nameof(startToken), startToken, $"expected 0..{vocabulary - 1}");
        if ((uint)endToken >= (uint)vocabulary) throw new ArgumentOutOfRangeException(nameof(endToken), endToken, $"expected 0..{vocabulary - 1}");
        StartToken = startToken;
        EndToken = endToken;
        ContextSize = encoder.OutputSize;
        _decoderInputs = new int[decoder.MaxSteps];
        _decoderTargets = new int[decoder.MaxSteps];
        _context = new float[ContextSize];
        _contextGradient = new float[ContextSize];
        _probabilities = new float[decoder.MaxSteps * vocabulary];
        _step = new float[vocabulary];
    }

    /// <summary>The network that reads the source.</summary>
    public IRecurrentNetwork Encoder { get; }

    /// <summary>The network that writes the target.</summary>
    public IRecurrentNetwork Decoder { get; }

    /// <summary>The decoder's first input.</summary>
    public int StartToken { get; }

    /// <summary>The token that ends a target sequence.</summary>
    public int EndToken { get; }

    /// <summary>Floats in the context C.</summary>
    public int ContextSize { get; }

    /// <summary>Longest target (without the end token) the decoder's buffers hold: its MaxSteps − 1.</summary>
    public int MaxTargetLength => Decoder.MaxSteps - 1;

    /// <summary>The context of the last encoded source.</summary>
    public ReadOnlySpan<float> Context => _context;

    /// <summary>Clears both networks' gradients.</summary>
    public void ZeroGradients()
    {
        Encoder.ZeroGradients();
        Decoder.ZeroGradients();
    }

    /// <summary>Scales both networks' gradients together so their joint L2 norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public float ClipGradients(float maxNorm) => GradientClipping.ClipJointly(Encoder.Gradients, Decoder.Gradients, maxNorm);

    /// <summary>Teacher-forced loss of one pair and BPTT through decoder and encoder; gradients accumulate.</summary>
    /// <param name="source">The source token ids (1 … encoder MaxSteps).</param>
    /// <param name="target">The target token ids without start and end (0 … <see cref="MaxTargetLength"/>).</param>
    /// <returns>The decoder's cross-entropy over the target and the end token (its declared reduction).</returns>
    public float Backward(ReadOnlySpan<int> source, ReadOnlySpan<int> target) => DecodeAndBackward(Encode(source), target);

    /// <summary>The same for a float source [sourceSteps × encoder InputSize] (one step for one-to-many).</summary>
    public float Backward(ReadOnlySpan<float> source, int sourceSteps, ReadOnlySpan<int> target) =>
        DecodeAndBackward(Encode(source, sourceSteps), target);

    private float DecodeAndBackward(ReadOnlySpan<float> context, ReadOnlySpan<int> target)
    {
        int steps = TeacherForced(context, target);
        float loss = Decoder.Backward(_decoderTargets.AsSpan(0, steps));
        // dLoss/dC is the decoder's dLoss/d(initial h); the encoder (Loss = None) takes it as dLoss/d(its last output).
        Decoder.InitialStateGradients[..ContextSize].CopyTo(_contextGradient);
        Encoder.Backward(_contextGradient);
        return loss;
    }

    /// <summary>Teacher-forced loss of one pair, without gradients (for validation).</summary>
    public float Loss(ReadOnlySpan<int> source, ReadOnlySpan<int> target) => TeacherForcedLoss(Encode(source), target);

    /// <summary>Teacher-forced loss of one pair with a float source, without gradients.</summary>
    public float Loss(ReadOnlySpan<float> source, int sourceSteps, ReadOnlySpan<int> target) =>
        TeacherForcedLoss(Encode(source, sourceSteps), target);

    private float TeacherForcedLoss(ReadOnlySpan<float> context, ReadOnlySpan<int> target)
    {
        int steps = TeacherForced(context, target);
        int v = Decoder.OutputSize;
        return Losses<float>.CrossEntropyOfProbabilities(_probabilities.AsSpan(0, steps * v), v, _decoderTargets.AsSpan(0, steps), Decoder.Spec.Reduction);
    }

    /// <summary>Runs the encoder over a token source; returns the context (its output at the last step).</summary>
    private ReadOnlySpan<float> Encode(ReadOnlySpan<int> source)
    {
        Encoder.Forward(source, source.Length, _context);
        return _context;
    }

    /// <summary>Runs the encoder over a float source [steps × InputSize]; returns the context.</summary>
    private ReadOnlySpan<float> Encode(ReadOnlySpan<float> source, int steps)
    {
        Encoder.Forward(source, steps, _context);
        return _context;
    }

    /// <summary>Runs the decoder teacher-forced from the context; returns its step count (target length + 1).</summary>
    private int TeacherForced(ReadOnlySpan<float> context, ReadOnlySpan<int> target)
    {
        if (target.Length > MaxTargetLength)
            throw new ArgumentException($"target has {target.Length} tokens; the decoder's MaxSteps {Decoder.MaxSteps} allows at most {MaxTargetLength} (one step is the end token).", nameof(target));
        int steps = target.Length + 1;
        _decoderInputs[0] = StartToken;
        target.CopyTo(_decoderInputs.AsSpan(1));
        target.CopyTo(_decoderTargets);
        _decoderTargets[target.Length] = EndToken;
        StartDecoder(context);
        Decoder.ForwardContinue(_decoderInputs.AsSpan(0, steps), steps, _probabilities.AsSpan(0, steps * Decoder.OutputSize));
        return steps;
    }

    private void StartDecoder(ReadOnlySpan<float> context)
    {
        Span<float> state = Decoder.CurrentState;
        state.Clear();
        context.CopyTo(state);   // h of the first recurrent layer comes first in the decoder's state
    }

    /// <summary>
    /// Encodes <paramref name="source"/> and decodes freely into <paramref name="output"/>: greedy when
    /// <paramref name="temperature"/> is 0, else sampled from the decoder's distribution sharpened by it. Stops at the end
    /// token (not written) or when <paramref name="output"/> is full; returns the number of tokens written.
    /// </summary>
    public int Generate(ReadOnlySpan<int> source, Span<int> output, float temperature, ref DeterministicRandom random) =>
        FreeRun(Encode(source), output, temperature, ref random);

    /// <summary>The same for a float source [sourceSteps × encoder InputSize].</summary>
    public int Generate(ReadOnlySpan<float> source, int sourceSteps, Span<int> output, float temperature, ref DeterministicRandom random) =>
        FreeRun(Encode(source, sourceSteps), output, temperature, ref random);

    private int FreeRun(ReadOnlySpan<float> context, Span<int> output, float temperature, ref DeterministicRandom random)
    {
        StartDecoder(context);
        int token = StartToken;
        for (int t = 0; t < output.Length; t++)
        {
            Decoder.Step(token, _step);
            token = temperature <= 0f ? Generation.ArgMax(_step) : Generation.Sample(_step, temperature, ref random);
            if (token == EndToken) return t;
            output[t] = token;
        }
        return output.Length;
    }
}
