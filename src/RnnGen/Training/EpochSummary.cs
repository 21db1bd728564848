namespace RnnGen.Training;

/// <summary>One epoch: mean training loss and (if there is a validation set) validation loss and, for classification
/// losses, validation accuracy.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainingLoss">The mean of the epoch's batch losses.</param>
/// <param name="ValidationLoss">The validation loss after the epoch, or NaN without validation data.</param>
/// <param name="ValidationAccuracy">The validation accuracy after the epoch (<see cref="Evaluation.Accuracy"/>); null
/// without validation data or for losses other than CrossEntropy and BinaryCrossEntropy.</param>
public readonly record struct EpochSummary(int Epoch, double TrainingLoss, double ValidationLoss, double? ValidationAccuracy = null);
