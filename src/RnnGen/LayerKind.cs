namespace RnnGen;

// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
/// <summary>The kind of one layer of a <see cref="NetworkSpec"/>.</summary>
#if RNNGEN_GENERATOR
internal
#else
public
#endif
enum LayerKind
{
    /// <summary>Token id → learned vector (PyTorch <c>nn.Embedding</c>); first layer only.</summary>
    Embedding = 0,
    /// <summary>Elman RNN, tanh or ReLU (PyTorch <c>nn.RNN</c>).</summary>
    Rnn = 1,
    /// <summary>Long short-term memory (PyTorch <c>nn.LSTM</c>), gates i, f, g, o.</summary>
    Lstm = 2,
    /// <summary>Gated recurrent unit (PyTorch <c>nn.GRU</c>), gates r, z, n.</summary>
    Gru = 3,
    /// <summary>Affine map plus activation applied at every step (PyTorch <c>nn.Linear</c>).</summary>
    Dense = 4,
}
