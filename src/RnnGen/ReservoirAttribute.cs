namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
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
