namespace RnnGen;

// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
/// <summary>The loss <c>Backward</c> computes from the network's outputs.</summary>
#if RNNGEN_GENERATOR
internal
#else
public
#endif
enum LossKind
{
    /// <summary>No loss: <c>Backward</c> takes dLoss/dOutput directly and returns 0.</summary>
    None = 0,
    /// <summary>Mean squared error on the activated output (PyTorch <c>MSELoss</c>).</summary>
    MeanSquaredError = 1,
    /// <summary>Cross-entropy over class ids, computed from the logits (PyTorch <c>CrossEntropyLoss</c>).</summary>
    CrossEntropy = 2,
    /// <summary>Binary cross-entropy computed from the logits (PyTorch <c>BCEWithLogitsLoss</c>).</summary>
    BinaryCrossEntropy = 3,
}
