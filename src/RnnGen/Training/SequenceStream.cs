namespace RnnGen.Training;

/// <summary>
/// A long sequence for truncated BPTT (<see cref="Trainer.FitStream"/>): inputs and targets for every step, with
/// the outputs at every step. The trainer cuts it into <c>BatchSize</c> parallel streams and walks them in chunks,
/// carrying each stream's state from chunk to chunk.
/// </summary>
public sealed class SequenceStream
{
    private SequenceStream(int length, float[]? inputs, int[]? tokens, float[]? targets, int[]? classIds)
    {
        if (length < 1) throw new ArgumentException("A stream needs at least one step.", nameof(length));
        Length = length;
        Inputs = inputs;
        Tokens = tokens;
        Targets = targets;
        ClassIds = classIds;
    }

    /// <summary>Steps in the stream.</summary>
    public int Length { get; }
    /// <summary>Float inputs [Length × InputSize] or null.</summary>
    public float[]? Inputs { get; }
    /// <summary>Token ids [Length] or null.</summary>
    public int[]? Tokens { get; }
    /// <summary>Float targets [Length × OutputSize] or null.</summary>
    public float[]? Targets { get; }
    /// <summary>Class ids [Length] or null.</summary>
    public int[]? ClassIds { get; }

    /// <summary>Language modelling on a token sequence: the input at t is <c>tokens[t]</c>, the target <c>tokens[t + 1]</c>.</summary>
    public static SequenceStream NextToken(int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length < 2) throw new ArgumentException($"tokens has {tokens.Length} elements; expected at least 2.", nameof(tokens));
        return new SequenceStream(tokens.Length - 1, null, tokens[..^1], null, tokens[1..]);
    }

    /// <summary>Float inputs [length × inputSize] with float targets [length × outputSize].</summary>
    public static SequenceStream FromFloats(float[] inputs, int inputSize, float[] targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputSize < 1 || inputs.Length % inputSize != 0)
            throw new ArgumentException($"inputs has {inputs.Length} elements; expected a multiple of inputSize {inputSize}.", nameof(inputs));
        return new SequenceStream(inputs.Length / inputSize, inputs, null, targets, null);
    }

    /// <summary>Token ids with class ids, one each per step.</summary>
    public static SequenceStream FromTokens(int[] tokens, int[] classIds)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(classIds);
        Guard.Length(classIds.Length, tokens.Length, nameof(classIds));
        return new SequenceStream(tokens.Length, null, tokens, null, classIds);
    }

    internal void Validate(IRecurrentNetwork network, string name)
    {
        if (network.Spec.Output != OutputMode.EveryStep)
            throw new ArgumentException($"Stream training needs OutputMode.EveryStep; this network outputs {network.Spec.Output}.", name);
        bool tokenModel = network.InputSize == 0;
        if (tokenModel != (Tokens is not null))
            throw new ArgumentException(tokenModel ? $"{name} has float inputs; this network reads token ids." : $"{name} has token ids; this network reads {network.InputSize} floats per step.", name);
        if (Inputs is not null && Inputs.Length != Length * network.InputSize)
            throw new ArgumentException($"{name}.Inputs has {Inputs.Length} elements; expected {Length * network.InputSize} (length {Length} × InputSize {network.InputSize}).", name);
        bool classes = network.Spec.Loss == LossKind.CrossEntropy;
        if (classes != (ClassIds is not null))
            throw new ArgumentException(classes ? $"{name} has float targets; Loss = CrossEntropy takes class ids." : $"{name} has class ids; Loss = {network.Spec.Loss} takes float targets.", name);
        if (Targets is not null && Targets.Length != Length * network.OutputSize)
            throw new ArgumentException($"{name}.Targets has {Targets.Length} elements; expected {Length * network.OutputSize} (length {Length} × OutputSize {network.OutputSize}).", name);
    }
}
