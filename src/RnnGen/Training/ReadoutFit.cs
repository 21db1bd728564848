namespace RnnGen.Training;

/// <summary>What <see cref="EchoState.FitReadout"/> fitted: samples used and the readout's error on them.</summary>
/// <param name="Samples">Steps after the washout whose reservoir states entered the regression.</param>
/// <param name="TrainingMse">Mean squared error of the fitted readout on those steps (teacher-forced, one step ahead).</param>
/// <param name="TrainingNrmse">√(MSE / variance of the targets): 0 is perfect, 1 is no better than predicting the mean.</param>
public readonly record struct ReadoutFit(int Samples, double TrainingMse, double TrainingNrmse);
