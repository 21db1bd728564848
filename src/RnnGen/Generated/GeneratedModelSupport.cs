using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace RnnGen.Generated;

/// <summary>
/// The argument checks and throw helpers every generated model shares, kept here once instead of in each model.
/// Called by the code RnnGen generates in the user's assembly; not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class GeneratedModelSupport
{
    /// <summary>Throws the <see cref="ArgumentException"/> for a span of the wrong length.</summary>
    [DoesNotReturn]
    public static void ThrowLength(string name, int actual, int expected, string what) => Guard.ThrowLength(actual, expected, name, what);

    /// <summary>Checks 1 ≤ <paramref name="steps"/> ≤ <paramref name="maxSteps"/>.</summary>
    public static void CheckSteps(int steps, int maxSteps) => Guard.Steps(steps, maxSteps);

    /// <summary>Checks 1 ≤ <paramref name="batch"/> ≤ <paramref name="batchTile"/>.</summary>
    public static void CheckBatch(int batch, int batchTile)
    {
        if (batch < 1 || batch > batchTile)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch = " + batch + "; expected 1.." + batchTile + " (BatchTile).");
    }

    /// <summary>Checks that every token id is below <paramref name="vocabulary"/>.</summary>
    public static void CheckTokens(ReadOnlySpan<int> tokens, int vocabulary)
    {
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabulary) ThrowToken(tokens[i], i, vocabulary);
    }

    /// <summary>Throws the <see cref="ArgumentOutOfRangeException"/> for <c>tokens[index]</c> outside the vocabulary.</summary>
    [DoesNotReturn]
    public static void ThrowToken(int token, int index, int vocabulary) =>
        throw new ArgumentOutOfRangeException("tokens", token, "tokens[" + index + "] = " + token + "; expected 0.." + (vocabulary - 1) + " (the Embedding's vocabulary).");

    /// <summary>The exception for float inputs given to a model that reads token ids.</summary>
    public static InvalidOperationException FloatInputs() =>
        new("This model's first layer is an Embedding: pass token ids, not floats.");

    /// <summary>The exception for token ids given to a model that reads floats.</summary>
    public static InvalidOperationException TokenInputs() =>
        new("This model reads float inputs; token ids need an [Embedding] as the first layer.");

    /// <summary>The steps of the recorded forward pass; throws when there is none, or when
    /// <paramref name="single"/> asks for one sequence and a batch was recorded.</summary>
    public static int RequireRecorded(int recordedSteps, int recordedBatch, bool single)
    {
        if (recordedSteps == 0 || recordedBatch == 0)
            throw new InvalidOperationException("Backward needs a recorded sequence: call Forward, ForwardContinue or ForwardBatch first (Step records nothing for Backward).");
        if (single && recordedBatch != 1)
            throw new InvalidOperationException("The last forward pass ran a batch of " + recordedBatch + " sequences: call BackwardBatch.");
        return recordedSteps;
    }
}
