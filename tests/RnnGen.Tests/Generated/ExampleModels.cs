namespace RnnGen.Tests.Generated;

/// <summary>The model from the generator's contract (issue text / README).</summary>
[RnnModel(InputSize = 4, MaxSteps = 64, Loss = LossKind.MeanSquaredError)]
[Lstm(32)]
[Gru(16, Bidirectional = true)]
[Dense(4, Activation.Tanh)]
public partial class Forecaster;

[RnnModel(MaxSteps = 16, Loss = LossKind.CrossEntropy)]
[Embedding(13, 5)]
[Lstm(13)]
[Dense(13, Activation.Softmax)]
public partial class CharModel;
