namespace RnnGen.Training;

/// <summary>Free-running generation from a model that outputs a probability distribution per step.</summary>
public static class Generation
{
    /// <summary>
    /// Draws an index from <paramref name="probabilities"/> sharpened by <paramref name="temperature"/>
    /// (p_i^(1/T), renormalised; T → 0 is greedy, T = 1 samples the model's distribution as it is).
    /// </summary>
    public static int Sample(ReadOnlySpan<float> probabilities, float temperature, ref DeterministicRandom random)
    {
        if (probabilities.IsEmpty) throw new ArgumentException("probabilities is empty.", nameof(probabilities));
        if (!(temperature >= 0f) || float.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number ≥ 0 (0: greedy).");
        if (temperature < 1e-3f) return ArgMax(probabilities);
        double max = 0;
        foreach (float p in probabilities) max = Math.Max(max, p);
        if (!(max > 0)) return ArgMax(probabilities);
        double total = 0, inverse = 1.0 / temperature;
        foreach (float p in probabilities) total += p > 0 ? Math.Pow(p / max, inverse) : 0;
        double u = random.NextDouble() * total, running = 0;
        int last = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (!(probabilities[i] > 0)) continue;
            running += Math.Pow(probabilities[i] / max, inverse);
            last = i;
            if (u < running) return i;
        }
        return last;
    }

    /// <summary>The index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// Token generation for an Embedding → … → softmax model: resets the state, feeds <paramref name="prompt"/>, then
    /// samples <paramref name="count"/> tokens, feeding each back as the next input.
    /// </summary>
    public static int[] Tokens(IRecurrentNetwork network, ReadOnlySpan<int> prompt, int count, float temperature, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.InputSize != 0) throw new ArgumentException("Token generation needs a model whose first layer is an Embedding.", nameof(network));
        if (prompt.IsEmpty) throw new ArgumentException("The prompt needs at least one token.", nameof(prompt));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new DeterministicRandom((ulong)(uint)seed);
        float[] output = new float[network.OutputSize];
        network.ResetState();
        foreach (int token in prompt) network.Step(token, output);
        int[] generated = new int[count];
        for (int i = 0; i < count; i++)
        {
            generated[i] = Sample(output, temperature, ref random);
            network.Step(generated[i], output);
        }
        return generated;
    }
}
