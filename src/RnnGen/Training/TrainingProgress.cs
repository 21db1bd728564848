namespace RnnGen.Training;

/// <summary>What a <see cref="Trainer"/> reports after an update (see <see cref="TrainerOptions.Progress"/>).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Update">Updates done so far (including those before a resume).</param>
/// <param name="TotalUpdates">Updates planned in all.</param>
/// <param name="Loss">This update's batch loss.</param>
/// <param name="SmoothedLoss">Exponential moving average of the batch loss (weight <see cref="TrainerOptions.LossSmoothing"/>).</param>
/// <param name="ValidationLoss">The latest validation loss, or NaN before the first evaluation.</param>
/// <param name="LearningRate">The rate this update used.</param>
/// <param name="GradientNorm">‖g‖₂ of the batch gradient before clipping.</param>
/// <param name="SequencesPerSecond">Training throughput of this run so far (sequences, or stream chunks).</param>
/// <param name="Elapsed">Wall time of this run so far.</param>
/// <param name="Remaining">Estimated time to the planned end (<see cref="TimeSpan.MaxValue"/> when that is beyond its range).</param>
/// <param name="ValidationAccuracy">The latest validation accuracy (<see cref="Evaluation.Accuracy"/>), or null before the
/// first evaluation and for losses other than CrossEntropy and BinaryCrossEntropy.</param>
public readonly record struct TrainingProgress(
    int Epoch, int Epochs, long Update, long TotalUpdates, double Loss, double SmoothedLoss, double ValidationLoss,
    float LearningRate, float GradientNorm, double SequencesPerSecond, TimeSpan Elapsed, TimeSpan Remaining,
    double? ValidationAccuracy = null);
