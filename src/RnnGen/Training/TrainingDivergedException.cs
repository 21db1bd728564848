namespace RnnGen.Training;

/// <summary>Training stopped because a loss or gradient was NaN or infinite. The parameters are those before the
/// failing update; the last checkpoint (if any) was written before it and is intact.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, long update) : base(message) => Update = update;

    /// <summary>The 1-based update that failed.</summary>
    public long Update { get; }
}
