namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>GRU layer with PyTorch's equations and gate order (r, z, n); <see cref="ResetAfter"/> = false moves the reset gate before the recurrent product.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
    /// <summary>Inverted dropout of this layer's outputs while training (<see cref="IRecurrentNetwork.Training"/>): each
    /// output element is kept with probability 1 − p and scaled by 1/(1 − p), or set to 0. p ∈ [0, 1); 0 (default): none.
    /// Not on the final layer (see <see cref="LayerSpec.Dropout"/>).</summary>
    public float Dropout { get; set; }
    /// <summary>Variational dropout of h(t−1) in the recurrent product while training: one mask per sequence and
    /// direction, the same at every step (Gal &amp; Ghahramani; Keras' <c>recurrent_dropout</c>). p ∈ [0, 1); 0 (default):
    /// none (see <see cref="LayerSpec.RecurrentDropout"/>).</summary>
    public float RecurrentDropout { get; set; }
    /// <summary>
    /// Learn the initial state: h(0) of each direction are parameters (<c>initial_h_l0</c> [H]; <c>_reverse</c> for
    /// the reverse direction), starting at zero, used whenever a sequence starts from the default state (<c>Forward</c>,
    /// <c>ResetState</c>, <c>ForwardBatch</c> without initial states) and learned by <c>Backward</c>. A state the caller
    /// gives (<c>ForwardContinue</c>, <c>ForwardBatch</c> with initial states) wins and the learned one gets no gradient.
    /// </summary>
    public bool LearnInitialState { get; set; }
    /// <summary>
    /// Where the reset gate applies. True (the default): PyTorch's <c>nn.GRU</c>, n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
    /// False: before the recurrent product, n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn), as ONNX's GRU with
    /// <c>linear_before_reset = 0</c> and Keras' <c>reset_after = False</c>. The tensors and the gate order are the same
    /// (see <see cref="LayerSpec.ResetAfter"/>).
    /// </summary>
    public bool ResetAfter { get; set; } = true;
}
