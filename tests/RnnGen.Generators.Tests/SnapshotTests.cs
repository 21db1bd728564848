namespace RnnGen.Generators.Tests;

/// <summary>The generated source of representative models, compared with committed snapshots so that any
/// change to what users see in their generated code is deliberate.</summary>
public sealed class SnapshotTests
{
    public static TheoryData<string, string> Models() => new()
    {
        { "Forecaster", "namespace Demo; [RnnModel(InputSize = 4, MaxSteps = 64, Loss = LossKind.MeanSquaredError)] [Lstm(32)] [Gru(16, Bidirectional = true)] [Dense(4, Activation.Tanh)] public partial class Forecaster;" },
        { "CharLanguageModel", "namespace Demo.Text; [RnnModel(MaxSteps = 64, Loss = LossKind.CrossEntropy)] [Embedding(65, 32)] [Lstm(128)] [Dense(65, Activation.Softmax)] internal partial class CharLanguageModel;" },
        { "Sentiment", "[RnnModel(InputSize = 3, MaxSteps = 20, Loss = LossKind.BinaryCrossEntropy, Reduction = Reduction.Sum, Output = OutputMode.LastStep)] [Dense(8, Activation.Relu)] [Rnn(13, Activation = Activation.Relu, Bidirectional = true)] [Dense(1)] public partial class Sentiment;" },
        { "TinyElman", "namespace Demo; [RnnModel(InputSize = 1, MaxSteps = 8, Loss = LossKind.None)] [Rnn(3)] public partial class TinyElman;" },
        // a sequence-to-sequence pair (wired by RnnGen.Training.EncoderDecoder): the encoder's last output is the context
        { "Seq2SeqEncoder", "namespace Demo; [RnnModel(MaxSteps = 8, Loss = LossKind.None, Output = OutputMode.LastStep)] [Embedding(12, 16)] [Gru(64)] public partial class Seq2SeqEncoder;" },
        { "Seq2SeqDecoder", "namespace Demo; [RnnModel(MaxSteps = 9, Loss = LossKind.CrossEntropy)] [Embedding(12, 16)] [Gru(64)] [Dense(12, Activation.Softmax)] public partial class Seq2SeqDecoder;" },
        // the streaming kernels written for one shape (the size README quotes: lines and IL bytes)
        { "StreamingLstm", "namespace Demo; [RnnModel(InputSize = 8, MaxSteps = 64)] [Lstm(32)] [Dense(8)] public partial class StreamingLstm;" },
        // diagonal peepholes: p_i, p_f read c(t−1), p_o reads c(t); the streaming Step keeps the portable cell
        { "PeepholeLstm", "namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 16)] [Lstm(12, Peepholes = true)] [Dense(2)] public partial class PeepholeLstm;" },
        // a projection (PyTorch's proj_size): h' = W_hr·(o ⊙ tanh(c')) is 4 wide, c stays 12; the streaming Step keeps the portable cell
        { "ProjectedLstm", "namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 16)] [Lstm(12, ProjectionSize = 4)] [Dense(2)] public partial class ProjectedLstm;" },
        // a GRU with the reset before the recurrent product: W_hn reads r ⊙ h in a second product; the streaming Step keeps the portable cell
        { "ResetBeforeGru", "namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 16)] [Gru(8, ResetAfter = false)] [Dense(2)] public partial class ResetBeforeGru;" },
        // a Clockwork RNN (groups with periods 1, 2, 4, 8) under an Elman layer that reads only h(t − 3)
        { "ClockworkRnn", "namespace Demo; [RnnModel(InputSize = 2, MaxSteps = 32)] [Rnn(16, ClockPeriods = new[] { 1, 2, 4, 8 })] [Rnn(8, SkipDelay = 3, ReplaceUnitDelay = true)] [Dense(2)] public partial class ClockworkRnn;" },
        // dropout on outputs and on h(t−1) in the recurrent products (a model without dropout gets none of its code)
        // the course material's mechanisms together: a peephole LSTM with a learned initial state and output dropout under
        // a Clockwork RNN (periods 1, 2, 4, 8) with output dropout
        { "CourseMechanisms", "namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 16)] [Lstm(12, Peepholes = true, LearnInitialState = true, Dropout = 0.2f)] [Rnn(8, ClockPeriods = new[] { 1, 2, 4, 8 }, Dropout = 0.1f)] [Dense(2)] public partial class CourseMechanisms;" },
        { "DropoutStack", "namespace Demo; [RnnModel(InputSize = 4, MaxSteps = 16)] [Lstm(8, Dropout = 0.25f, RecurrentDropout = 0.2f)] [Gru(6, Bidirectional = true, RecurrentDropout = 0.1f)] [Rnn(5, Dropout = 0.3f, RecurrentDropout = 0.5f)] [Dense(5, Activation.Tanh, Dropout = 0.3f)] [Dense(2)] public partial class DropoutStack;" },
        // learned initial states: a bidirectional LSTM whose h(0), c(0) of both directions are parameters
        { "LearnedStateLstm", "namespace Demo; [RnnModel(InputSize = 3, MaxSteps = 16)] [Lstm(6, Bidirectional = true, LearnInitialState = true)] [Dense(2)] public partial class LearnedStateLstm;" },
        { "EchoStateNetwork", "namespace Demo; [RnnModel(InputSize = 1, MaxSteps = 16)] [Reservoir(40, SpectralRadius = 0.95f, Density = 0.1f, InputScaling = 0.5f, Leak = 0.3f)] [Dense(1)] public partial class EchoStateNetwork;" },
    };

    [Theory, MemberData(nameof(Models))]
    public void Generated_source_matches_the_snapshot(string name, string declaration)
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings + declaration);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        Snapshot.Verify(name, run.Source(name + ".g.cs"));
    }
}
