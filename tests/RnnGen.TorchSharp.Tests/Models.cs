using RnnGen;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGenTorchSharp.Tests;

// RegisterComponents() names each submodule after its field, and those names are the parameters' names
// (recurrent.weight_ih_l0, head.bias): the fields are named as a PyTorch model names its modules.
#pragma warning disable IDE1006

// The RnnGen models the tests copy TorchSharp modules into, declared as a user would declare them.

/// <summary>nn.LSTM(3, 5, numLayers: 2) then nn.Linear(5, 2).</summary>
[RnnModel(InputSize = 3, MaxSteps = 16)]
[Lstm(5)]
[Lstm(5)]
[Dense(2)]
public partial class LstmStack;

/// <summary>nn.GRU(4, 6, numLayers: 2, bidirectional: true) then nn.Linear(12, 3).</summary>
[RnnModel(InputSize = 4, MaxSteps = 16)]
[Gru(6, Bidirectional = true)]
[Gru(6, Bidirectional = true)]
[Dense(3)]
public partial class BidirectionalGru;

/// <summary>nn.RNN(3, 5) (tanh), nn.RNN(5, 4, numLayers: 2, nonLinearity: ReLU), then nn.Linear(4, 2).</summary>
[RnnModel(InputSize = 3, MaxSteps = 16)]
[Rnn(5)]
[Rnn(4, Activation = Activation.Relu)]
[Rnn(4, Activation = Activation.Relu)]
[Dense(2)]
public partial class TanhReluRnn;

/// <summary>nn.Embedding(10, 4), nn.LSTM(4, 6), nn.Linear(6, 10): a character model.</summary>
[RnnModel(MaxSteps = 16)]
[Embedding(10, 4)]
[Lstm(6)]
[Dense(10)]
public partial class TokenLstm;

/// <summary>nn.LSTM(3, 5) then nn.Linear(5, 2), as a Sequential.</summary>
[RnnModel(InputSize = 3, MaxSteps = 16)]
[Lstm(5)]
[Dense(2)]
public partial class SequentialLstm;

/// <summary>A recurrent module and a Linear head: the usual custom TorchSharp model.</summary>
internal sealed class RecurrentWithHead : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module recurrent;
    private readonly Linear head;

    public RecurrentWithHead(nn.Module recurrent, Linear head)
        : base(nameof(RecurrentWithHead))
    {
        this.recurrent = recurrent;
        this.head = head;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.call(Recurrent.Run(recurrent, x));
}

/// <summary>Two recurrent modules and a Linear head.</summary>
internal sealed class TwoRecurrentWithHead : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module first;
    private readonly nn.Module second;
    private readonly Linear head;

    public TwoRecurrentWithHead(nn.Module first, nn.Module second, Linear head)
        : base(nameof(TwoRecurrentWithHead))
    {
        this.first = first;
        this.second = second;
        this.head = head;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => head.call(Recurrent.Run(second, Recurrent.Run(first, x)));
}

/// <summary>nn.Embedding, a recurrent module and a Linear head: token ids [steps, 1] (int64) in.</summary>
internal sealed class EmbeddingRecurrentHead : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly nn.Module lstm;
    private readonly Linear decoder;

    public EmbeddingRecurrentHead(Embedding embedding, nn.Module lstm, Linear decoder)
        : base(nameof(EmbeddingRecurrentHead))
    {
        this.embedding = embedding;
        this.lstm = lstm;
        this.decoder = decoder;
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens) => decoder.call(Recurrent.Run(lstm, embedding.call(tokens)));
}

/// <summary>A recurrent module's output sequence as a Module&lt;Tensor, Tensor&gt;, so that it fits in a Sequential.</summary>
internal sealed class SequenceOutput : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module lstm;

    public SequenceOutput(nn.Module lstm)
        : base(nameof(SequenceOutput))
    {
        this.lstm = lstm;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Recurrent.Run(lstm, x);
}

internal static class Recurrent
{
    /// <summary>The output sequence [steps, 1, hidden · directions] of an LSTM, GRU or RNN from zero state.</summary>
    public static Tensor Run(nn.Module module, Tensor x) => module switch
    {
        LSTM lstm => lstm.call(x).Item1,
        GRU gru => gru.call(x).Item1,
        RNN rnn => rnn.call(x).Item1,
        _ => throw new ArgumentException($"not a recurrent module: {module.GetType().Name}"),
    };
}
