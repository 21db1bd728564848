namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>LSTM layer with PyTorch's equations and gate order (i, f, g, o).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
    /// <summary>
    /// Diagonal peephole connections (Gers &amp; Schmidhuber; ONNX's LSTM <c>P</c> input): i and f also read p_i ⊙ c(t−1)
    /// and p_f ⊙ c(t−1), o reads p_o ⊙ c(t). One more tensor per direction, <c>weight_peephole_l0</c> [3, H], rows i, o, f.
    /// </summary>
    public bool Peepholes { get; set; }
    /// <summary>Inverted dropout of this layer's outputs while training (<see cref="IRecurrentNetwork.Training"/>): each
    /// output element is kept with probability 1 − p and scaled by 1/(1 − p), or set to 0. p ∈ [0, 1); 0 (default): none.
    /// Not on the final layer (see <see cref="LayerSpec.Dropout"/>).</summary>
    public float Dropout { get; set; }
    /// <summary>Variational dropout of h(t−1) in the recurrent product while training: one mask per sequence and
    /// direction, the same at every step (Gal &amp; Ghahramani; Keras' <c>recurrent_dropout</c>). p ∈ [0, 1); 0 (default):
    /// none (see <see cref="LayerSpec.RecurrentDropout"/>).</summary>
    public float RecurrentDropout { get; set; }
    /// <summary>
    /// A projection of h to this width p (0: none), PyTorch's <c>nn.LSTM(…, proj_size=p)</c>: h(t) = W_hr·(o ⊙ tanh(c(t))),
    /// one more tensor per direction, <c>weight_hr_l0</c> [p, H], and <c>weight_hh_l0</c> is [4·H, p]. The layer's output and
    /// h are p wide (2p bidirectional); c stays H wide. It must be in 1 … H − 1, and a layer cannot also have Peepholes.
    /// </summary>
    public int ProjectionSize { get; set; }
    /// <summary>
    /// Learn the initial state: h(0) and c(0) of each direction are parameters (<c>initial_h_l0</c> [H], <c>initial_c_l0</c> [H]; <c>_reverse</c> for
    /// the reverse direction), starting at zero, used whenever a sequence starts from the default state (<c>Forward</c>,
    /// <c>ResetState</c>, <c>ForwardBatch</c> without initial states) and learned by <c>Backward</c>. A state the caller
    /// gives (<c>ForwardContinue</c>, <c>ForwardBatch</c> with initial states) wins and the learned one gets no gradient.
    /// </summary>
    public bool LearnInitialState { get; set; }
}
