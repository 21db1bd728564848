namespace RnnGen.Training;

/// <summary>
/// One training example: a sequence of inputs (floats [Steps × InputSize], or one token id per step) and its targets
/// (floats with the outputs' shape, or one class id per output step). Sequences in one data set may have different
/// lengths: each is run at its own length, so nothing is padded.
/// </summary>
public sealed class Sequence
{
    private Sequence(int steps, float[]? inputs, int[]? tokens, float[]? targets, int[]? classIds)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps = {steps}; a sequence has at least one step.");
        Steps = steps;
        Inputs = inputs;
        Tokens = tokens;
        Targets = targets;
        ClassIds = classIds;
    }

    /// <summary>Steps in the sequence.</summary>
    public int Steps { get; }
    /// <summary>Float inputs [Steps × InputSize], or null for a token sequence.</summary>
    public float[]? Inputs { get; }
    /// <summary>Token ids [Steps], or null for float inputs.</summary>
    public int[]? Tokens { get; }
    /// <summary>Float targets with the outputs' shape (NaN: not scored), or null when <see cref="ClassIds"/> is set.</summary>
    public float[]? Targets { get; }
    /// <summary>Class ids, one per output step (<see cref="Kernels.Losses{T}.IgnoreIndex"/>: not scored), or null.</summary>
    public int[]? ClassIds { get; }

    /// <summary>Float inputs [steps × InputSize] with float targets.</summary>
    public static Sequence FromFloats(float[] inputs, int steps, float[] targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        return new Sequence(steps, inputs, null, targets, null);
    }

    /// <summary>Float inputs [steps × InputSize] with class ids (one per output step).</summary>
    public static Sequence FromFloats(float[] inputs, int steps, int[] classIds)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(classIds);
        return new Sequence(steps, inputs, null, null, classIds);
    }

    /// <summary>Token ids with class ids (one per output step).</summary>
    public static Sequence FromTokens(int[] tokens, int[] classIds)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(classIds);
        return new Sequence(tokens.Length, null, tokens, null, classIds);
    }

    /// <summary>Token ids with float targets.</summary>
    public static Sequence FromTokens(int[] tokens, float[] targets)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(targets);
        return new Sequence(tokens.Length, null, tokens, targets, null);
    }

    /// <summary>Checks that this sequence fits <paramref name="network"/>.</summary>
    /// <exception cref="ArgumentException">It does not fit; the message names the example, the expected and the actual size.</exception>
    public void Validate(IRecurrentNetwork network, string name)
    {
        ArgumentNullException.ThrowIfNull(network);
        string? problem = Problem(network);
        if (problem is not null) throw new ArgumentException(name + problem, name);
    }

    /// <summary>Null when the sequence fits; otherwise what is wrong (text after the example's name). Allocates only on failure.</summary>
    internal string? Problem(IRecurrentNetwork network)
    {
        string? problem = InputProblem(network);
        if (problem is not null) return problem;
        int outputSteps = network.Spec.Output == OutputMode.LastStep ? 1 : Steps;
        bool classes = network.Spec.Loss == LossKind.CrossEntropy;
        if (classes && ClassIds is null)
            return " has float targets; Loss = CrossEntropy takes one class id per output step.";
        if (!classes && Targets is null)
            return $" has class ids; Loss = {network.Spec.Loss} takes float targets.";
        if (ClassIds is not null && ClassIds.Length != outputSteps)
            return $".ClassIds has {ClassIds.Length} elements; expected {outputSteps} (one per output step).";
        if (Targets is not null && Targets.Length != outputSteps * network.OutputSize)
            return $".Targets has {Targets.Length} elements; expected {outputSteps * network.OutputSize} (output steps {outputSteps} × OutputSize {network.OutputSize}).";
        return null;
    }

    /// <summary>Null when the inputs fit <paramref name="network"/> (the targets are not looked at); otherwise what is
    /// wrong, as for <see cref="Problem"/>.</summary>
    internal string? InputProblem(IRecurrentNetwork network)
    {
        if (Steps > network.MaxSteps)
            return $" has {Steps} steps; expected at most {network.MaxSteps} (MaxSteps).";
        bool tokenModel = network.InputSize == 0;
        if (tokenModel && Tokens is null)
            return " has float inputs; this network reads token ids (its first layer is an Embedding).";
        if (!tokenModel && Inputs is null)
            return $" has token ids; this network reads {network.InputSize} floats per step.";
        if (Inputs is not null && Inputs.Length != Steps * network.InputSize)
            return $".Inputs has {Inputs.Length} elements; expected {Steps * network.InputSize} (steps {Steps} × InputSize {network.InputSize}).";
        return null;
    }
}
