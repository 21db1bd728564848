namespace RnnGen;

// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
/// <summary>Element-wise activation of a layer.</summary>
#if RNNGEN_GENERATOR
internal
#else
public
#endif
enum Activation
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
