using System.ComponentModel;

namespace RnnGen.Kernels;

/// <summary>
/// The dense kernels generated models call with compile-time constant sizes. Each has a Vector512 path (where
/// the CPU accelerates it), a Vector256 FMA path and a scalar path, widest first (the level-1 kernels also a
/// Vector128 path before the scalar one); a tail that does not fill a vector is handled by an overlapping last
/// vector whose already-processed lanes are masked off.
/// Matrices are row-major (PyTorch's layout). Inlined aggressively so that constant sizes fold into the loops.
/// </summary>
/// <remarks>
/// One partial file per family: <c>VectorKernels.Level1.cs</c> (y += α·x, sums of strided vectors),
/// <c>VectorKernels.PackedProducts.cs</c> (W·x from a packed matrix, one vector or a batch),
/// <c>VectorKernels.Packing.cs</c> (the packed layout), <c>VectorKernels.OuterProducts.cs</c> (weight gradients
/// Σ a·bᵀ) and <c>VectorKernels.Checks.cs</c> (length checks). The multiply-add is <see cref="FusedMath"/>'s and the
/// width-generic kernels use <see cref="IVectorWidth{TVector}"/>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static partial class VectorKernels
{
}
