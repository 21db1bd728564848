namespace RnnGen.Generated;

// Dropout masks, shared by the reference runtime and the generated models so that one seed gives the same masks on
// both (the parity tests compare them with dropout on).
public static partial class GeneratedModelSupport
{
    /// <summary>The generator of the masks after <see cref="IRecurrentNetwork.DropoutSeed"/> = <paramref name="seed"/>.</summary>
    public static DeterministicRandom DropoutRandom(ulong seed) => new(seed ^ 0xD50F_D50F_D50F_D50FUL);

    /// <summary>
    /// Draws an inverted-dropout mask: each element is 0 with probability <paramref name="p"/>, else 1/(1 − p) (in
    /// float), one <see cref="DeterministicRandom.NextDouble"/> per element, in order.
    /// </summary>
    public static void DrawDropoutMask(ref DeterministicRandom random, float p, Span<float> mask)
    {
        float scale = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++) mask[i] = random.NextDouble() < p ? 0f : scale;
    }

    /// <summary>y = x ⊙ m, element by element.</summary>
    public static void Mask(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] * mask[i];
    }

    /// <summary>y += x ⊙ m, element by element.</summary>
    public static void AddMasked(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += x[i] * mask[i];
    }

    /// <summary>The error of <c>ForwardBatch</c> on a model with dropout while <see cref="IRecurrentNetwork.Training"/>.</summary>
    public static InvalidOperationException DropoutBatch() =>
        new("This model has dropout and Training is true: ForwardBatch runs inference only (one mask per sequence is drawn by Forward). " +
            "Train one sequence at a time with Forward (the Trainer does so for dropout models), or set Training = false.");
}
