namespace RnnGen;

/// <summary>Element-wise activation of a layer.</summary>
public enum Activation
{
    /// <summary>y = x.</summary>
    Identity = 0,
    /// <summary>y = tanh(x).</summary>
    Tanh = 1,
    /// <summary>y = 1 / (1 + e^-x).</summary>
    Sigmoid = 2,
    /// <summary>y = max(0, x).</summary>
    Relu = 3,
    /// <summary>y_i = e^x_i / Σ_j e^x_j over the units of one step (final layer only).</summary>
    Softmax = 4,
}

/// <summary>The loss <c>Backward</c> computes from the network's outputs.</summary>
public enum LossKind
{
    /// <summary>No loss: <c>Backward</c> takes dLoss/dOutput directly and returns 0.</summary>
    None = 0,
    /// <summary>Mean squared error on the activated output (PyTorch <c>MSELoss</c>).</summary>
    MeanSquaredError = 1,
    /// <summary>Cross-entropy over class ids, computed from the logits (PyTorch <c>CrossEntropyLoss</c>).</summary>
    CrossEntropy = 2,
    /// <summary>Binary cross-entropy computed from the logits (PyTorch <c>BCEWithLogitsLoss</c>).</summary>
    BinaryCrossEntropy = 3,
}

/// <summary>How per-element losses are combined (PyTorch's <c>reduction</c>).</summary>
public enum Reduction
{
    /// <summary>Average over elements (MSE, BCE) or over scored steps (cross-entropy). PyTorch's default.</summary>
    Mean = 0,
    /// <summary>Sum of all per-element losses.</summary>
    Sum = 1,
}

/// <summary>Which steps produce outputs and are scored by the loss.</summary>
public enum OutputMode
{
    /// <summary>Many-to-many: every step has an output and a target.</summary>
    EveryStep = 0,
    /// <summary>Many-to-one: only the last step has an output and a target.</summary>
    LastStep = 1,
}

/// <summary>The kind of one layer of a <see cref="NetworkSpec"/>.</summary>
public enum LayerKind
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
