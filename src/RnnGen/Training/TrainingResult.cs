namespace RnnGen.Training;

/// <summary>A run's outcome.</summary>
public sealed record TrainingResult(
    long Updates, int Epochs, double SmoothedLoss, double BestValidationLoss, string StopReason, TimeSpan Elapsed,
    IReadOnlyList<EpochSummary> History);
