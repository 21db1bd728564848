namespace RnnGen.Safetensors;

/// <summary>One weight array of a Keras layer, as the file holds it (row-major, Keras' layout).</summary>
/// <param name="Source">Where it came from, for messages and <c>rnngen import</c>'s listing (<c>layers[1].weights[0]</c>,
/// <c>model_weights/lstm/lstm/lstm_cell/kernel:0</c>).</param>
/// <param name="Shape">Its dimensions.</param>
/// <param name="Values">Its values, row-major.</param>
public sealed record KerasTensor(string Source, IReadOnlyList<int> Shape, float[] Values)
{
    /// <summary>The shape as text, e.g. <c>[3, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// One layer of a Keras model in the terms <see cref="KerasJsonImport.Build"/> maps to RnnGen: RTNeural's layer types
/// (<c>dense</c>, <c>time-distributed-dense</c>, <c>lstm</c>, <c>gru</c>, <c>activation</c>), plus <c>simple-rnn</c>;
/// with the weights in Keras' order (kernel, recurrent kernel, bias).
/// </summary>
/// <param name="Type">The layer type.</param>
/// <param name="Activation">Keras' activation name (<c>tanh</c>, <c>relu</c>, <c>sigmoid</c>, <c>softmax</c>, <c>linear</c>
/// or empty for none).</param>
/// <param name="Units">Output units as the file states them (the last entry of RTNeural's <c>shape</c>, Keras'
/// <c>units</c>), or 0 when it does not.</param>
/// <param name="Weights">The weight arrays.</param>
public sealed record KerasLayer(string Type, string Activation, int Units, IReadOnlyList<KerasTensor> Weights)
{
    /// <summary>The layer's name in the file, for messages; empty when it has none.</summary>
    public string Name { get; init; } = "";

    /// <summary>Recurrent layers: Keras' <c>return_sequences</c>. False only on the last recurrent layer, whose last
    /// step is then the network's output (<see cref="OutputMode.LastStep"/>).</summary>
    public bool ReturnSequences { get; init; } = true;

    /// <summary>Recurrent layers: Keras' <c>recurrent_activation</c> (RnnGen's gates are <c>sigmoid</c>).</summary>
    public string RecurrentActivation { get; init; } = "sigmoid";

    /// <summary>GRU: Keras' <c>reset_after</c>, or null to tell it from the bias shape ([2, 3u]: true, [3u]: false).</summary>
    public bool? ResetAfter { get; init; }
}
