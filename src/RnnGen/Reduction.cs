namespace RnnGen;

// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
/// <summary>How per-element losses are combined (PyTorch's <c>reduction</c>).</summary>
#if RNNGEN_GENERATOR
internal
#else
public
#endif
enum Reduction
{
    /// <summary>Average over elements (MSE, BCE) or over scored steps (cross-entropy). PyTorch's default.</summary>
    Mean = 0,
    /// <summary>Sum of all per-element losses.</summary>
    Sum = 1,
}
