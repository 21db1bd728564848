namespace RnnGen.Training;

/// <summary>
/// Output feedback with ordinary layers: a model whose input at step t is [x(t); y(t − 1)] is trained with teacher
/// forcing (the true previous target is fed, <see cref="Inputs"/>) and run free at inference, feeding back its own
/// previous output (<see cref="FreeRun"/>).
/// </summary>
public static class TeacherForcing
{
    /// <summary>
    /// Builds inputs [steps × (exogenousSize + outputSize)]: row t is [x(t); target(t − 1)], with target(−1) =
    /// <paramref name="start"/> (zeros when empty).
    /// </summary>
    public static float[] Inputs(ReadOnlySpan<float> exogenous, int exogenousSize, ReadOnlySpan<float> targets, int outputSize, int steps, ReadOnlySpan<float> start = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(exogenousSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Guard.Length(exogenous.Length, steps * exogenousSize, nameof(exogenous));
        Guard.Length(targets.Length, steps * outputSize, nameof(targets));
        if (!start.IsEmpty) Guard.Length(start.Length, outputSize, nameof(start));
        int width = exogenousSize + outputSize;
        float[] inputs = new float[steps * width];
        for (int t = 0; t < steps; t++)
        {
            Span<float> row = inputs.AsSpan(t * width, width);
            exogenous.Slice(t * exogenousSize, exogenousSize).CopyTo(row);
            if (t > 0) targets.Slice((t - 1) * outputSize, outputSize).CopyTo(row[exogenousSize..]);
            else if (!start.IsEmpty) start.CopyTo(row[exogenousSize..]);
        }
        return inputs;
    }

    /// <summary>
    /// Runs <paramref name="network"/> free for <paramref name="steps"/> steps from its current state, feeding back
    /// its own previous output: input(t) = [x(t); y(t − 1)], y(−1) = <paramref name="start"/> (zeros when empty).
    /// Writes outputs [steps × OutputSize]. The network's InputSize must be exogenousSize + OutputSize.
    /// </summary>
    public static void FreeRun(IRecurrentNetwork network, ReadOnlySpan<float> exogenous, int exogenousSize, int steps, Span<float> outputs, ReadOnlySpan<float> start = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        int outputSize = network.OutputSize;
        Guard.Length(network.InputSize, exogenousSize + outputSize, "network.InputSize");
        Guard.Length(exogenous.Length, steps * exogenousSize, nameof(exogenous));
        Guard.Length(outputs.Length, steps * outputSize, nameof(outputs));
        if (!start.IsEmpty) Guard.Length(start.Length, outputSize, nameof(start));
        Span<float> input = network.InputSize <= 1024 ? stackalloc float[network.InputSize] : new float[network.InputSize];
        for (int t = 0; t < steps; t++)
        {
            exogenous.Slice(t * exogenousSize, exogenousSize).CopyTo(input);
            if (t > 0) outputs.Slice((t - 1) * outputSize, outputSize).CopyTo(input[exogenousSize..]);
            else if (!start.IsEmpty) start.CopyTo(input[exogenousSize..]);
            else input[exogenousSize..].Clear();
            network.Step(input, outputs.Slice(t * outputSize, outputSize));
        }
    }
}
