namespace RnnGen.Training;

/// <summary>
/// One training example of an <see cref="EncoderDecoder"/>: a source (token ids, or float vectors
/// [SourceSteps × encoder InputSize]) and the target token ids it should produce, without the start and end tokens.
/// Pairs in one data set may have different source and target lengths: nothing is padded.
/// </summary>
public sealed class SequencePair
{
    private SequencePair(int sourceSteps, int[]? sourceTokens, float[]? sourceInputs, int[] target)
    {
        if (sourceSteps < 1) throw new ArgumentOutOfRangeException(nameof(sourceSteps), sourceSteps, $"sourceSteps = {sourceSteps}; a source has at least one step.");
        SourceSteps = sourceSteps;
        SourceTokens = sourceTokens;
        SourceInputs = sourceInputs;
        Target = target;
    }

    /// <summary>Steps in the source.</summary>
    public int SourceSteps { get; }
    /// <summary>Source token ids [SourceSteps], or null for float inputs.</summary>
    public int[]? SourceTokens { get; }
    /// <summary>Source floats [SourceSteps × encoder InputSize], or null for a token source.</summary>
    public float[]? SourceInputs { get; }
    /// <summary>Target token ids, without start and end (0 … <see cref="EncoderDecoder.MaxTargetLength"/> of them).</summary>
    public int[] Target { get; }

    /// <summary>A token source with its target.</summary>
    public static SequencePair FromTokens(int[] source, int[] target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Length == 0) throw new ArgumentException("source is empty; expected at least one token.", nameof(source));
        return new SequencePair(source.Length, source, null, target);
    }

    /// <summary>A float source [sourceSteps × encoder InputSize] (one step for one-to-many) with its target.</summary>
    public static SequencePair FromFloats(float[] source, int sourceSteps, int[] target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return new SequencePair(sourceSteps, null, source, target);
    }

    /// <summary>Checks that this pair fits <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">It does not fit; the message names the example, the expected and the actual size.</exception>
    public void Validate(EncoderDecoder model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        string? problem = Problem(model);
        if (problem is not null) throw new ArgumentException(name + problem, name);
    }

    /// <summary>Null when the pair fits; otherwise what is wrong (text after the example's name). Allocates only on failure.</summary>
    internal string? Problem(EncoderDecoder model)
    {
        IRecurrentNetwork encoder = model.Encoder;
        if (SourceSteps > encoder.MaxSteps)
            return $" has a source of {SourceSteps} steps; expected at most {encoder.MaxSteps} (the encoder's MaxSteps).";
        bool tokenEncoder = encoder.InputSize == 0;
        if (tokenEncoder && SourceTokens is null)
            return " has a float source; this encoder reads token ids (its first layer is an Embedding).";
        if (!tokenEncoder && SourceInputs is null)
            return $" has a token source; this encoder reads {encoder.InputSize} floats per step.";
        if (SourceInputs is not null && SourceInputs.Length != SourceSteps * encoder.InputSize)
            return $".SourceInputs has {SourceInputs.Length} elements; expected {SourceSteps * encoder.InputSize} (steps {SourceSteps} × InputSize {encoder.InputSize}).";
        if (SourceTokens is not null && OutOfRange(SourceTokens, encoder.Spec.Layers[0].Vocabulary) is int bad)
            return $".SourceTokens[{bad}] is {SourceTokens[bad]}; expected a token id in 0..{encoder.Spec.Layers[0].Vocabulary - 1}.";
        if (Target.Length > model.MaxTargetLength)
            return $".Target has {Target.Length} tokens; expected at most {model.MaxTargetLength} (the decoder's MaxSteps {model.Decoder.MaxSteps}, one step for the end token).";
        if (OutOfRange(Target, model.Decoder.OutputSize) is int wrong)
            return $".Target[{wrong}] is {Target[wrong]}; expected a token id in 0..{model.Decoder.OutputSize - 1}.";
        return null;
    }

    private static int? OutOfRange(int[] ids, int count)
    {
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)count) return i;
        return null;
    }
}
