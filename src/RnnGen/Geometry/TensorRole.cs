namespace RnnGen.Geometry;

/// <summary>What a parameter tensor is for; <see cref="TensorGeometry.BaseName"/> is its PyTorch name stem.</summary>
internal enum TensorRole
{
    /// <summary>Embedding <c>weight</c> [V, E] or Dense <c>weight</c> [U, I].</summary>
    Weight,
    /// <summary>Dense <c>bias</c> [U].</summary>
    Bias,
    /// <summary>Recurrent <c>weight_ih</c> [G·H, I].</summary>
    WeightIh,
    /// <summary>Recurrent <c>weight_hh</c> [G·H, H].</summary>
    WeightHh,
    /// <summary>Recurrent <c>bias_ih</c> [G·H].</summary>
    BiasIh,
    /// <summary>Recurrent <c>bias_hh</c> [G·H].</summary>
    BiasHh,
    /// <summary>Rnn skip connection through time <c>weight_skip</c> [H, H].</summary>
    WeightSkip,
    /// <summary>Rnn learned leak logits <c>leak</c> [H].</summary>
    Leak,
    /// <summary>LSTM diagonal peephole weights <c>weight_peephole</c> [3, H], rows p_i, p_o, p_f (ONNX's order).</summary>
    Peephole,
    /// <summary>LSTM projection <c>weight_hr</c> [p, H] (PyTorch's <c>proj_size</c>): h = W_hr·(o ⊙ tanh(c)).</summary>
    Projection,
    /// <summary>Learned initial hidden state <c>initial_h</c> [H] of a layer with <c>LearnInitialState</c>.</summary>
    InitialH,
    /// <summary>Learned initial cell state <c>initial_c</c> [H] of an LSTM with <c>LearnInitialState</c>.</summary>
    InitialC,
}
