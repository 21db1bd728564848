using Orleans;

namespace RnnGen.Orleans;

/// <summary>One stream of the model <typeparamref name="TModel"/>, keyed by the stream's id.</summary>
/// <typeparam name="TModel">The generated model class (also registered on the silos with <c>AddRnnModel</c>).</typeparam>
public interface IRnnStreamGrain<TModel> : IGrainWithStringKey
    where TModel : class, IRecurrentNetwork
{
    /// <summary>Steps the stream one step on and returns the output. Not idempotent: a caller that retries after a
    /// failure may apply the step twice; use <see cref="StepAtAsync"/> for exactly-once steps.</summary>
    Task<float[]> StepAsync(float[] input);

    /// <summary>
    /// Applies step number <paramref name="sequence"/> (1 for the stream's first step after creation or reset).
    /// <paramref name="sequence"/> = the stored step count + 1 applies it; = the stored step count returns the stored
    /// result of that step without stepping again (<see cref="StepResult.Replayed"/>); any other number is refused with
    /// a <see cref="StepSequenceException"/> carrying the stored step count.
    /// </summary>
    Task<StepResult> StepAtAsync(long sequence, float[] input);

    /// <summary>Sets the stream back to the initial state and its step count to 0, and writes it to storage.</summary>
    Task ResetAsync();

    /// <summary>The stored step count and the weights version of the last step.</summary>
    Task<StreamStatus> GetStatusAsync();
}

/// <summary>The result of one sequenced step.</summary>
[GenerateSerializer, Immutable]
public sealed class StepResult
{
    /// <summary>The step's number.</summary>
    [Id(0)] public long Sequence { get; init; }

    /// <summary>The model's output for the step.</summary>
    [Id(1)] public float[] Output { get; init; } = [];

    /// <summary>The weights version the step ran on.</summary>
    [Id(2)] public string WeightsVersion { get; init; } = "";

    /// <summary>True when this is the stored result of a step already applied (a repeated call), not a new step.</summary>
    [Id(3)] public bool Replayed { get; init; }

    /// <summary>The silo that served the call.</summary>
    [Id(4)] public string Silo { get; init; } = "";
}

/// <summary>A stream's stored progress.</summary>
[GenerateSerializer, Immutable]
public sealed class StreamStatus
{
    /// <summary>Steps applied since creation or the last reset.</summary>
    [Id(0)] public long Steps { get; init; }

    /// <summary>Steps applied and written to storage (equal to <see cref="Steps"/> when state is written every step).</summary>
    [Id(1)] public long StoredSteps { get; init; }

    /// <summary>The weights version of the last step, empty before the first.</summary>
    [Id(2)] public string WeightsVersion { get; init; } = "";
}

/// <summary>A sequenced step was refused: its number was neither the next step nor the last applied one.</summary>
[GenerateSerializer]
public sealed class StepSequenceException : Exception
{
    /// <summary>For the serializer.</summary>
    public StepSequenceException() { }

    /// <summary>A refusal of step <paramref name="requested"/> of a stream that has applied <paramref name="steps"/>.</summary>
    public StepSequenceException(string streamId, long requested, long steps)
        : base($"Stream '{streamId}': step {requested} refused; the stream has applied {steps} steps, so the next is {steps + 1}.")
    {
        StreamId = streamId;
        Requested = requested;
        Steps = steps;
    }

    /// <summary>The stream's id.</summary>
    [Id(0)] public string StreamId { get; init; } = "";

    /// <summary>The refused step number.</summary>
    [Id(1)] public long Requested { get; init; }

    /// <summary>The steps the stream has applied: resend from <c>Steps + 1</c>.</summary>
    [Id(2)] public long Steps { get; init; }
}

/// <summary>A stream's state as grain storage holds it.</summary>
[GenerateSerializer]
public sealed class RnnStreamState
{
    /// <summary>The model's state floats; null before the first step (the initial state).</summary>
    [Id(0)] public float[]? Values { get; set; }

    /// <summary>Steps applied.</summary>
    [Id(1)] public long Steps { get; set; }

    /// <summary>The weights version of the last step.</summary>
    [Id(2)] public string WeightsVersion { get; set; } = "";

    /// <summary>The output of the last step (returned again for a repeated sequenced call).</summary>
    [Id(3)] public float[]? LastOutput { get; set; }
}
