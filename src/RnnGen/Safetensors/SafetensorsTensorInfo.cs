using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Safetensors;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">The dtype string (F32, F16, BF16, F64, I64, …).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
#if RNNGEN_GENERATOR
internal
#else
public
#endif
sealed record SafetensorsTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as text, e.g. <c>[128, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
