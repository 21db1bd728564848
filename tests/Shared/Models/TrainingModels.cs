// The generated models the trainer tests and the training benchmarks declare by hand, declared once and linked into
// tests/RnnGen.Tests and benchmarks/RnnGen.Benchmarks. (The parity tests' 68 models are generated separately, by
// tools/make_model_matrix.py.)

namespace RnnGen.SharedModels;

// ---- Trainer tests: small models that train in milliseconds ----

/// <summary>Float sequences → LSTM(8) → Dense(2), scored at every step.</summary>
[RnnModel(InputSize = 3, MaxSteps = 12, Loss = LossKind.MeanSquaredError, Output = OutputMode.EveryStep)] [Lstm(8)] [Dense(2)]
public partial class TrainerLstm;

/// <summary>The adding problem at T ≤ 20, scored at the last step.</summary>
[RnnModel(InputSize = 2, MaxSteps = 20, Loss = LossKind.MeanSquaredError, Output = OutputMode.LastStep)] [Lstm(16)] [Dense(1)]
public partial class AddingLstm;

/// <summary>A character model over 7 symbols, for token batches and truncated BPTT on streams.</summary>
[RnnModel(MaxSteps = 24, Loss = LossKind.CrossEntropy, Output = OutputMode.EveryStep)] [Embedding(7, 5)] [Gru(12)] [Dense(7, Activation.Softmax)]
public partial class TinyCharModel;

/// <summary>Many-to-one classification through a bidirectional GRU.</summary>
[RnnModel(MaxSteps = 16, Loss = LossKind.CrossEntropy, Output = OutputMode.LastStep)] [Embedding(9, 4)] [Gru(6, Bidirectional = true)] [Dense(2, Activation.Softmax)]
public partial class TinyClassifier;

// ---- Encoder–decoder tests ----

/// <summary>The encoder of the tests' sequence-to-sequence pair: token ids → GRU(6); its last output is the context.</summary>
[RnnModel(MaxSteps = 8, Loss = LossKind.None, Output = OutputMode.LastStep)] [Embedding(7, 4)] [Gru(6)]
public partial class TinyEncoder;

/// <summary>The decoder: starts from the context as its LSTM's h, predicts the next token.</summary>
[RnnModel(MaxSteps = 9, Loss = LossKind.CrossEntropy)] [Embedding(7, 3)] [Lstm(6)] [Dense(7, Activation.Softmax)]
public partial class TinyDecoder;

/// <summary>One-to-many: one float vector → a Dense projection that becomes the decoder's initial state.</summary>
[RnnModel(InputSize = 4, MaxSteps = 1, Loss = LossKind.None, Output = OutputMode.LastStep)] [Dense(6, Activation.Tanh)]
public partial class TinyConditioner;

/// <summary>A wider pair for the learning test: the encoder.</summary>
[RnnModel(MaxSteps = 8, Loss = LossKind.None, Output = OutputMode.LastStep)] [Embedding(7, 8)] [Gru(32)]
public partial class ReverseEncoder;

/// <summary>A wider pair for the learning test: the decoder.</summary>
[RnnModel(MaxSteps = 9, Loss = LossKind.CrossEntropy)] [Embedding(7, 8)] [Gru(32)] [Dense(7, Activation.Softmax)]
public partial class ReverseDecoder;

// ---- Training benchmarks: the character language model at its real size (65 symbols, T = 64) ----

/// <summary>Embedding(65, 32) → LSTM(128) → Linear(65).</summary>
[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.EveryStep)] [Embedding(65, 32)] [Lstm(128)] [Dense(65, Activation.Softmax)]
public partial class CharLmLstm128;

/// <summary>Embedding(65, 32) → LSTM(32) → Linear(65).</summary>
[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.EveryStep)] [Embedding(65, 32)] [Lstm(32)] [Dense(65, Activation.Softmax)]
public partial class CharLmLstm32;

/// <summary>Embedding(65, 32) → GRU(128) → Linear(65).</summary>
[RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy, Output = OutputMode.EveryStep)] [Embedding(65, 32)] [Gru(128)] [Dense(65, Activation.Softmax)]
public partial class CharLmGru128;

// ---- Clockwork long-memory test: the sign of a long sequence's first input, two layers of 16 units ----

/// <summary>A Clockwork RNN(16) with periods 1, 4, 16, 96 (four groups of 4 units), scored at the last step.</summary>
[RnnModel(InputSize = 1, MaxSteps = 96, Loss = LossKind.BinaryCrossEntropy, Output = OutputMode.LastStep)] [Rnn(16, ClockPeriods = new[] { 1, 4, 16, 96 })] [Dense(1)]
public partial class ClockworkMemory;

/// <summary>The plain Elman RNN(16) of the same size, for comparison.</summary>
[RnnModel(InputSize = 1, MaxSteps = 96, Loss = LossKind.BinaryCrossEntropy, Output = OutputMode.LastStep)] [Rnn(16)] [Dense(1)]
public partial class ElmanMemory;
