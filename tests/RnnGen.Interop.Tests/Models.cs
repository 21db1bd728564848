namespace RnnGen.Interop.Tests;

// Generated twins of two fixtures (the shapes torch exported), loaded with the imported parameters.
[RnnModel(InputSize = 3, MaxSteps = 64)]
[Lstm(5)]
[Lstm(5)]
[Dense(2)]
public partial class OnnxLstmStack;

[RnnModel(InputSize = 4, MaxSteps = 64)]
[Gru(6, Bidirectional = true)]
[Dense(3, Activation.Softmax)]
public partial class OnnxBiGruSoftmax;

[RnnModel(InputSize = 2, MaxSteps = 64, Output = OutputMode.LastStep)]
[Lstm(8)]
[Dense(3, Activation.Sigmoid)]
public partial class OnnxLstmLastStep;

// Generated models exported to ONNX.
[RnnModel(InputSize = 3, MaxSteps = 32)]
[Lstm(5)]
[Lstm(4)]
[Dense(2)]
public partial class ExportLstmStack;

[RnnModel(InputSize = 4, MaxSteps = 32)]
[Gru(6, Bidirectional = true)]
[Dense(3, Activation.Softmax)]
public partial class ExportBiGru;

[RnnModel(InputSize = 3, MaxSteps = 32)]
[Rnn(7, Activation = Activation.Relu)]
[Dense(2, Activation.Tanh)]
public partial class ExportRnnRelu;

[RnnModel(InputSize = 0, MaxSteps = 32)]
[Embedding(10, 4)]
[Lstm(5)]
[Dense(10, Activation.Softmax)]
public partial class ExportEmbeddingLstm;

[RnnModel(InputSize = 2, MaxSteps = 32, Output = OutputMode.LastStep)]
[Lstm(8, Bidirectional = true)]
[Dense(3, Activation.Sigmoid)]
public partial class ExportLastStep;

[RnnModel(InputSize = 2, MaxSteps = 32)]
[Lstm(3, Peepholes = true, LearnInitialState = true)]
[Dense(2)]
public partial class ExportPeepholes;

[RnnModel(InputSize = 3, MaxSteps = 32)]
[Gru(5, Bidirectional = true, ResetAfter = false)]
[Gru(4, ResetAfter = false)]
[Dense(2)]
public partial class ExportGruResetBefore;

// The generated twin of ONNX's default GRU (linear_before_reset = 0).
[RnnModel(InputSize = 3, MaxSteps = 64)]
[Gru(5, ResetAfter = false)]
public partial class OnnxGruLbr0;
