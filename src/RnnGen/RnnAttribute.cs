namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>Elman recurrent layer: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RnnAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary><see cref="RnnGen.Activation.Tanh"/> (default) or <see cref="RnnGen.Activation.Relu"/>.</summary>
    public Activation Activation { get; set; } = Activation.Tanh;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
    /// <summary>
    /// Leaky units: h(t) = α·h(t−1) + (1 − α)·act(W_ih·x + b_ih + W_hh·h(t−1) + b_hh) with α = Leak ∈ [0, 1), the same
    /// fixed α for every unit. 0 (the default) is the ordinary Elman layer; α near 1 makes slow units whose state
    /// decays over about 1/(1 − α) steps, and the gradient through time is carried by α as well as by W_hh.
    /// </summary>
    public float Leak { get; set; }
    /// <summary>
    /// Skip connection through time: with d = SkipDelay ≥ 2 the layer also reads h(t − d) through its own weights
    /// W_skip [H × H] (tensor <c>weight_skip_l0</c>): a = W_ih·x + b_ih + W_hh·h(t−1) + b_hh + W_skip·h(t−d), so a
    /// gradient crosses τ steps in about τ/d products instead of τ. 0 (default): none.
    /// </summary>
    public int SkipDelay { get; set; }
    /// <summary>
    /// With <see cref="SkipDelay"/> = d ≥ 2: the skip connection replaces the unit delay, so the units read only h(t − d):
    /// a = W_ih·x + b_ih + b_hh + W_skip·h(t−d), with no W_hh·h(t−1) term and no <c>weight_hh_l0</c> tensor.
    /// </summary>
    public bool ReplaceUnitDelay { get; set; }
    /// <summary>
    /// Clockwork RNN (Koutník et al. 2014), e.g. <c>ClockPeriods = new[] { 1, 2, 4, 8 }</c>: the units form equal groups,
    /// one per period T_g in this order; at step t (t = 0 the sequence's first step) group g updates when t mod T_g = 0
    /// and otherwise keeps its state, reading the previous states of the groups with the same or a longer period
    /// (W_hh block upper triangular, stored whole with the other blocks held at zero; W_ih full). Periods ≥ 1, strictly
    /// increasing, dividing the units evenly, least common multiple ≤ 2^24; not with Bidirectional, Leak or SkipDelay.
    /// </summary>
    public int[]? ClockPeriods { get; set; }
    /// <summary>
    /// Learn the leak per unit: α_j = σ(λ_j), λ a parameter vector (tensor <c>leak_l0</c>) starting at logit(Leak), so
    /// <see cref="Leak"/> must be in (0, 1) and every unit starts there; α stays in (0, 1) as λ learns.
    /// </summary>
    public bool LearnLeak { get; set; }
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
    /// gives (<c>ForwardContinue</c>, <c>ForwardBatch</c> with initial states) wins and the learned one gets no gradient. Not with <see cref="SkipDelay"/>.
    /// </summary>
    public bool LearnInitialState { get; set; }
}
