using System.Collections.Generic;

namespace RnnGen.Generators.Planning;

/// <summary>
/// One direction of a recurrent layer (or the one "direction" of a Dense or Embedding layer): its tensors in the
/// parameter layout, its blocks of the packed forward weights, and where its state sits inside <c>State</c>.
/// Roles, not names: <see cref="Input"/> is W_ih (recurrent) or W (Dense, Embedding), <see cref="Bias"/> is b_ih or b.
/// </summary>
internal sealed record DirectionPlan(
    int Direction,
    int StateOffset,
    string StateConstant,
    TensorPlan Input,
    TensorPlan? Hidden = null,
    TensorPlan? Bias = null,
    TensorPlan? HiddenBias = null,
    TensorPlan? Skip = null,
    TensorPlan? Leak = null,
    TensorPlan? Peephole = null,
    TensorPlan? Projection = null,
    TensorPlan? InitialH = null,
    TensorPlan? InitialC = null,
    PackedTensorPlan? PackedInput = null,
    PackedTensorPlan? PackedHidden = null,
    PackedTensorPlan? PackedBias = null,
    PackedTensorPlan? PackedSkip = null,
    PackedTensorPlan? PackedAlpha = null,
    PackedTensorPlan? PackedPeephole = null,
    PackedTensorPlan? PackedProjection = null)
{
    /// <summary>"forward" or "reverse".</summary>
    public string Name => Direction == 0 ? "forward" : "reverse";

    /// <summary>This direction's tensors in the order of the parameter layout.</summary>
    public IEnumerable<TensorPlan> Tensors
    {
        get
        {
            foreach (TensorPlan? t in new[] { Input, Hidden, Bias, HiddenBias, Skip, Leak, Peephole, Projection, InitialH, InitialC })
                if (t is not null) yield return t;
        }
    }

    /// <summary>This direction's packed blocks in the order of <c>_packed</c>.</summary>
    public IEnumerable<PackedTensorPlan> Packed
    {
        get
        {
            foreach (PackedTensorPlan? k in new[] { PackedInput, PackedHidden, PackedBias, PackedSkip, PackedAlpha, PackedPeephole, PackedProjection })
                if (k is not null) yield return k;
        }
    }
}
