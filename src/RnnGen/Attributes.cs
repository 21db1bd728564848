namespace RnnGen;

// The declaration attributes read by the RnnGen source generator. Layers apply in declaration order.

/// <summary>Marks a <c>partial class</c> as a recurrent network whose code RnnGen generates at compile time.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute : Attribute
{
    /// <summary>Floats per input step. Omit (0) when the first layer is an <see cref="EmbeddingAttribute"/>.</summary>
    public int InputSize { get; set; }
    /// <summary>Longest sequence <c>Forward</c> accepts; buffers for BPTT are sized for it.</summary>
    public int MaxSteps { get; set; }
    /// <summary>The loss <c>Backward</c> computes.</summary>
    public LossKind Loss { get; set; } = LossKind.MeanSquaredError;
    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
    /// <summary>Every step produces an output, or only the last.</summary>
    public OutputMode Output { get; set; } = OutputMode.EveryStep;
    /// <summary>
    /// A safetensors file (with RnnGen's tensor names, as <c>SaveSafetensors</c> writes them; a relative path starts at
    /// the project directory) whose parameters the generator bakes into the assembly as constant data: every new instance
    /// starts with them, with no file I/O at run time. A missing file is RNNG018; a missing tensor, a wrong shape or a bad
    /// file is RNNG019 naming the tensor. (The file is read by the generator, not passed as an AdditionalFile: the compiler
    /// refuses binary AdditionalFiles, CS2015.)
    /// </summary>
    public string? Weights { get; set; }
}

/// <summary>Token id → learned vector of <paramref name="width"/> floats. Must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int vocabulary, int width) : Attribute
{
    /// <summary>Number of distinct token ids (0 … vocabulary−1).</summary>
    public int Vocabulary { get; } = vocabulary;
    /// <summary>Floats per embedded token.</summary>
    public int Width { get; } = width;
}

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
    /// Learn the leak per unit: α_j = σ(λ_j), λ a parameter vector (tensor <c>leak_l0</c>) starting at logit(Leak), so
    /// <see cref="Leak"/> must be in (0, 1) and every unit starts there; α stays in (0, 1) as λ learns.
    /// </summary>
    public bool LearnLeak { get; set; }
}

/// <summary>
/// An echo-state reservoir: a one-direction Elman layer of tanh units, h' = α·h + (1 − α)·tanh(W_ih·x + b_ih + W_hh·h),
/// whose weights are drawn once by <c>InitializeParameters</c> and never learned (<c>Backward</c> leaves their gradients
/// at zero). Follow it with a <c>[Dense(n)]</c> readout and fit that with <c>RnnGen.Training.EchoState.FitReadout</c>
/// (ridge regression, not BPTT).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReservoirAttribute(int size) : Attribute
{
    /// <summary>Reservoir units.</summary>
    public int Size { get; } = size;
    /// <summary>ρ: the sparse W_hh is rescaled to this spectral radius (just below 1 keeps the echo-state property).</summary>
    public float SpectralRadius { get; set; } = 0.9f;
    /// <summary>Fraction of W_hh's entries that are non-zero, in (0, 1].</summary>
    public float Density { get; set; } = 0.1f;
    /// <summary>W_ih and b_ih are uniform in ±InputScaling.</summary>
    public float InputScaling { get; set; } = 1f;
    /// <summary>Leak α ∈ [0, 1): h' = α·h + (1 − α)·tanh(…); 0 updates the state fully every step.</summary>
    public float Leak { get; set; }
}

/// <summary>LSTM layer with PyTorch's equations and gate order (i, f, g, o).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
}

/// <summary>GRU layer with PyTorch's equations and gate order (r, z, n).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
}

/// <summary>Affine layer applied at every step: y = act(W·x + b).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.Identity) : Attribute
{
    /// <summary>Output units.</summary>
    public int Units { get; } = units;
    /// <summary>Element-wise activation; <see cref="RnnGen.Activation.Softmax"/> only on the final layer.</summary>
    public Activation Activation { get; } = activation;
}
