namespace RnnGen.Training;

/// <summary>One epoch: mean training loss and (if there is a validation set) validation loss.</summary>
public readonly record struct EpochSummary(int Epoch, double TrainingLoss, double ValidationLoss);
