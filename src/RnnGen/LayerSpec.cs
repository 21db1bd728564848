using System.Text.Json.Serialization;
using RnnGen.Geometry;

namespace RnnGen;

/// <summary>
/// One layer of a <see cref="NetworkSpec"/>. Create layers with the factory methods
/// (<see cref="Lstm"/>, <see cref="Dense"/>, …); <see cref="NetworkSpec"/> validates them as a whole.
/// </summary>
public sealed record LayerSpec
{
    /// <summary>An empty layer; the factory methods set its fields.</summary>
    public LayerSpec() { }

    // How the JSON reads a layer: the other fields are init properties, and a missing "resetAfter" is true, the
    // default (an init property alone would read as false).
    [JsonConstructor]
    internal LayerSpec(bool resetAfter = true) => ResetAfter = resetAfter;

    /// <summary>The kind of layer.</summary>
    public LayerKind Kind { get; init; }

    /// <summary>Hidden units per direction (recurrent), output units (Dense) or vector width (Embedding).</summary>
    public int Size { get; init; }

    /// <summary>Activation: Tanh or Relu for <see cref="LayerKind.Rnn"/>, any for <see cref="LayerKind.Dense"/>;
    /// LSTM and GRU use their fixed equations (Tanh here); Embedding is Identity.</summary>
    public Activation Activation { get; init; }

    /// <summary>Recurrent layers only: run the sequence in both directions and concatenate (forward‖backward).</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Rnn only: leaky integration α ∈ [0, 1), h' = α·h + (1 − α)·act(…); 0 is the ordinary Elman layer.</summary>
    public float Leak { get; init; }

    /// <summary>
    /// Rnn only: learn a leak per unit. α_j = σ(λ_j) with λ (tensor <c>leak_l0</c> [H], after the weights) starting at
    /// logit(<see cref="Leak"/>), which must then be in (0, 1); α stays in (0, 1) whatever λ becomes.
    /// </summary>
    public bool LearnLeak { get; init; }

    /// <summary>
    /// Rnn only: a skip connection through time with this delay d ≥ 2 (0: none). The layer also reads h(t − d) through
    /// its own weights W_skip [H × H] (tensor <c>weight_skip_l0</c>, after PyTorch's four): a = W_ih·x + b_ih + W_hh·h(t−1)
    /// + b_hh + W_skip·h(t−d), so a gradient crosses τ steps in about τ/d multiplications instead of τ. The state per
    /// direction is the last d hidden states [h(t−1), …, h(t−d)].
    /// </summary>
    public int SkipDelay { get; init; }

    /// <summary>
    /// Rnn only: the skip connection replaces the unit delay. The units read only h(t − d) (d = <see cref="SkipDelay"/>,
    /// which must be ≥ 2): a = W_ih·x + b_ih + b_hh + W_skip·h(t−d), with no W_hh·h(t−1) term and no <c>weight_hh_l0</c>
    /// tensor. Without <see cref="Leak"/> the layer then runs as d interleaved chains of steps, each with the period d.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReplaceUnitDelay { get; init; }

    /// <summary>
    /// Rnn only: a Clockwork RNN (Koutník et al. 2014), null for an ordinary layer. The H units form equal groups, one
    /// per period T_g, in this order (group g is units [g·H/G, (g+1)·H/G)). At step t, counted from the sequence's first
    /// step (t = 0), group g updates when t mod T_g = 0 and otherwise keeps its state; it reads the previous states of
    /// the groups with the same or a longer period (g' ≥ g), so W_hh is block upper triangular, and W_ih is full.
    /// <c>weight_hh_l0</c> is stored whole [H, H]: the blocks below the diagonal are initialised to zero, never read
    /// and their gradients stay zero. The state per direction is h, then the step counter t mod lcm(T) (a float).
    /// Periods must be ≥ 1 and strictly increasing, at most H of them dividing H evenly, with a least common multiple
    /// of at most 2^24; not with Bidirectional, Leak, LearnLeak, SkipDelay or a reservoir.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? ClockPeriods
    {
        get => _clockPeriods;
        init => _clockPeriods = value is null ? null : new ClockPeriodList(value);
    }

    private readonly ClockPeriodList? _clockPeriods;   // a copy, compared by value (the record's equality reads this field)

    /// <summary>
    /// Rnn only: an echo-state reservoir. Its weights are drawn once by <see cref="ParameterInitializer"/> (sparse
    /// W_hh rescaled to <see cref="SpectralRadius"/>, W_ih and b_ih uniform in ±<see cref="InputScaling"/>, b_hh = 0)
    /// and never learned: <c>Backward</c> leaves its gradients at zero, and the readout after it is fitted in closed
    /// form by <c>RnnGen.Training.EchoState.FitReadout</c>.
    /// </summary>
    public bool IsReservoir { get; init; }

    /// <summary>Reservoir only: the spectral radius ρ W_hh is rescaled to (ρ &lt; 1 keeps the echo-state property for tanh units).</summary>
    public float SpectralRadius { get; init; }

    /// <summary>Reservoir only: the fraction of W_hh's entries that are non-zero, in (0, 1].</summary>
    public float Density { get; init; }

    /// <summary>Reservoir only: W_ih and b_ih are uniform in ±InputScaling.</summary>
    public float InputScaling { get; init; }

    /// <summary>
    /// Lstm only: diagonal peephole connections (Gers &amp; Schmidhuber; ONNX's LSTM <c>P</c> input). The input and forget
    /// gates also read p_i ⊙ c(t−1) and p_f ⊙ c(t−1), the output gate p_o ⊙ c(t), from one more tensor per direction,
    /// <c>weight_peephole_l0</c> [3, H] (rows p_i, p_o, p_f, ONNX's order), after PyTorch's four. Left out of the JSON when false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Peepholes { get; init; }

    /// <summary>
    /// Inverted dropout of this layer's outputs while the network is <see cref="IRecurrentNetwork.Training"/>: each output
    /// element of each step is kept with probability 1 − p and then scaled by 1/(1 − p), or set to 0 (y' = y ⊙ m,
    /// m ∈ {0, 1/(1 − p)}, a fresh mask for every step of every forward pass). p ∈ [0, 1); 0 (the default) is none. Not on
    /// the final layer. With <c>Training = false</c> the layer is exactly the layer without dropout.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float Dropout { get; init; }

    /// <summary>
    /// Recurrent layers only: variational dropout (Gal &amp; Ghahramani; Keras' <c>recurrent_dropout</c>) while
    /// <see cref="IRecurrentNetwork.Training"/>. One mask m ∈ {0, 1/(1 − p)}^H per direction and sequence multiplies
    /// h(t−1) where it enters the recurrent product (W_hh·(m ⊙ h(t−1))), the same mask at every step; the state itself,
    /// the leak's α·h and GRU's z ⊙ h read h unmasked. p ∈ [0, 1); 0 (the default) is none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public float RecurrentDropout { get; init; }

    /// <summary>
    /// Lstm only: a projection of h to this width p (0: none), PyTorch's <c>nn.LSTM(…, proj_size=p)</c>:
    /// h(t) = W_hr·(o ⊙ tanh(c(t))) from one more tensor per direction, <c>weight_hr_l0</c> [p, H], after PyTorch's four;
    /// <c>weight_hh_l0</c> is then [4·H, p]. The output and h are p wide (2p bidirectional), c stays H wide. Must be in
    /// 1 … H − 1 (as PyTorch requires) and cannot be combined with <see cref="Peepholes"/>. Left out of the JSON when 0.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ProjectionSize { get; init; }

    /// <summary>
    /// Rnn, Lstm and Gru: the initial state of each direction is a parameter, <c>initial_h_l0</c> [H] (and
    /// <c>initial_c_l0</c> [H] for an LSTM; <c>initial_h_l0_reverse</c>, <c>initial_c_l0_reverse</c> for the reverse
    /// direction, whose initial state is where it starts, at the last step), after the layer's other tensors. Every
    /// sequence that starts from the default state starts there (<c>Forward</c>, <c>ResetState</c>, <c>ForwardBatch</c>
    /// without initial states), and <c>Backward</c> adds dLoss/d(initial state) to their gradients. A state the caller
    /// gives (<c>ForwardContinue</c>, <c>ForwardBatch</c> with initial states, <c>Step</c> from a given state) wins, and
    /// the learned one gets no gradient from that pass. They start at zero. Not with a reservoir or a <see cref="SkipDelay"/>.
    /// Left out of the JSON when false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool LearnInitialState { get; init; }

    /// <summary>
    /// Gru only: where the reset gate applies. True (the default) is PyTorch's <c>nn.GRU</c>: n = tanh(W_in·x + b_in +
    /// r ⊙ (W_hn·h + b_hn)). False applies it to h before the recurrent product, as ONNX's GRU with
    /// <c>linear_before_reset = 0</c> and Keras' <c>reset_after = False</c>: n = tanh(W_in·x + b_in + W_hn·(r ⊙ h) + b_hn).
    /// The tensors, their shapes and the gate order (r, z, n) are the same either way. Must be true on the other kinds.
    /// Written to the JSON only when false.
    /// </summary>
    public bool ResetAfter { get; init; } = true;   // left out of the JSON when true (NetworkSpec's serializer options)

    /// <summary>Embedding only: the number of distinct token ids.</summary>
    public int Vocabulary { get; init; }

    /// <summary>An embedding of <paramref name="vocabulary"/> token ids into vectors of <paramref name="width"/> floats.</summary>
    public static LayerSpec Embedding(int vocabulary, int width) =>
        new() { Kind = LayerKind.Embedding, Size = width, Vocabulary = vocabulary, Activation = Activation.Identity };

    /// <summary>An Elman RNN layer with <paramref name="hidden"/> units per direction.</summary>
    public static LayerSpec Rnn(int hidden, Activation activation = Activation.Tanh, bool bidirectional = false) =>
        new() { Kind = LayerKind.Rnn, Size = hidden, Activation = activation, Bidirectional = bidirectional };

    /// <summary>An Elman layer of leaky units: h' = α·h + (1 − α)·act(W_ih·x + b_ih + W_hh·h + b_hh), α = <paramref name="leak"/> ∈ [0, 1),
    /// optionally with a skip connection through time of delay <paramref name="skipDelay"/> (see <see cref="SkipDelay"/>)
    /// and a leak learned per unit, starting at <paramref name="leak"/> (see <see cref="LearnLeak"/>).</summary>
    public static LayerSpec Rnn(int hidden, Activation activation, bool bidirectional, float leak, int skipDelay = 0, bool learnLeak = false) =>
        new() { Kind = LayerKind.Rnn, Size = hidden, Activation = activation, Bidirectional = bidirectional, Leak = leak, SkipDelay = skipDelay, LearnLeak = learnLeak };

    /// <summary>A Clockwork RNN layer of <paramref name="hidden"/> units in groups with the given periods (see <see cref="ClockPeriods"/>).</summary>
    public static LayerSpec Clockwork(int hidden, IReadOnlyList<int> periods, Activation activation = Activation.Tanh) =>
        new() { Kind = LayerKind.Rnn, Size = hidden, Activation = activation, ClockPeriods = periods };

    /// <summary>An LSTM layer with <paramref name="hidden"/> units per direction, with diagonal peephole connections when
    /// <paramref name="peepholes"/> (see <see cref="Peepholes"/>).</summary>
    public static LayerSpec Lstm(int hidden, bool bidirectional = false, bool peepholes = false) =>
        new() { Kind = LayerKind.Lstm, Size = hidden, Activation = Activation.Tanh, Bidirectional = bidirectional, Peepholes = peepholes };

    /// <summary>
    /// An echo-state reservoir of <paramref name="size"/> tanh units: h' = α·h + (1 − α)·tanh(W_ih·x + b_ih + W_hh·h),
    /// α = <paramref name="leak"/>, with fixed random weights (see <see cref="IsReservoir"/>).
    /// </summary>
    public static LayerSpec Reservoir(int size, float spectralRadius = 0.9f, float density = 0.1f, float inputScaling = 1f, float leak = 0f) =>
        new()
        {
            Kind = LayerKind.Rnn, Size = size, Activation = Activation.Tanh, Leak = leak, IsReservoir = true,
            SpectralRadius = spectralRadius, Density = density, InputScaling = inputScaling,
        };

    /// <summary>A GRU layer with <paramref name="hidden"/> units per direction; <paramref name="resetAfter"/> false applies the
    /// reset gate before the recurrent product (see <see cref="ResetAfter"/>).</summary>
    public static LayerSpec Gru(int hidden, bool bidirectional = false, bool resetAfter = true) =>
        new() { Kind = LayerKind.Gru, Size = hidden, Activation = Activation.Tanh, Bidirectional = bidirectional, ResetAfter = resetAfter };

    /// <summary>A dense layer with <paramref name="units"/> outputs.</summary>
    public static LayerSpec Dense(int units, Activation activation = Activation.Identity) =>
        new() { Kind = LayerKind.Dense, Size = units, Activation = activation };

    /// <summary>True for Rnn, LSTM and GRU.</summary>
    public bool IsRecurrent => LayerGeometry.IsRecurrentKind(Kind);

    /// <summary>1 or 2 (bidirectional).</summary>
    public int Directions => LayerGeometry.DirectionsOf(Kind, Bidirectional);

    /// <summary>Floats this layer emits per step (2·Size when bidirectional; the projection's width for a projected LSTM).</summary>
    public int OutputWidth => LayerGeometry.HiddenWidthOf(Kind, Size, ProjectionSize) * Directions;

    /// <summary>Gate blocks stacked in the recurrent weight matrices: 1 (Rnn), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n).</summary>
    public int GateCount => LayerGeometry.GateCountOf(Kind);

    /// <summary>Recurrent state floats per direction: h, plus c for LSTM (h is <see cref="ProjectionSize"/> wide when
    /// projected), the last d states with a skip delay d, or h and the step counter for a clockwork layer.</summary>
    public int StateWidthPerDirection => LayerGeometry.StateWidthOf(Kind, Size, SkipDelay, Kind == LayerKind.Rnn && ClockPeriods is not null, ProjectionSize);

    /// <summary>Parameters of one direction: W_ih, W_hh, b_ih, b_hh (G·H·(I + H + 2)), plus W_skip [H × H] with a skip connection
    /// (and λ [H] with a learned leak, the peepholes [3 × H] of an LSTM that has them, a projection's W_hr [p × H] with W_hh [4H × p], the learned initial state [H], or [2 × H] for an LSTM); 0 for a layer without directions (Embedding, Dense).</summary>
    public long ParametersPerDirection(int inputWidth) => IsRecurrent ? LayerGeometry.Of(Description, inputWidth).ParametersPerDirection : 0;

    /// <summary>The largest <see cref="SkipDelay"/>.</summary>
    public const int MaxSkipDelay = Limits.MaxSkipDelay;

    /// <summary>Recurrent state floats of the whole layer.</summary>
    public int StateWidth => StateWidthPerDirection * Directions;

    /// <summary>The layer as plain values, for the shared geometry and rules.</summary>
    internal LayerDescription Description =>
        new(Kind, Size, Activation, Bidirectional, Vocabulary, Leak, LearnLeak, SkipDelay, IsReservoir, SpectralRadius, Density, InputScaling, Peepholes,
            _clockPeriods?.ToArray(), ReplaceUnitDelay, Dropout, RecurrentDropout, ProjectionSize, LearnInitialState, ResetAfter);

    /// <summary>True when the layer drops anything while training (<see cref="Dropout"/> or <see cref="RecurrentDropout"/> above 0).</summary>
    internal bool HasDropout => Dropout != 0f || RecurrentDropout != 0f;
}
