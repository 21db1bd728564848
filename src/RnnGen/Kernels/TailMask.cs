using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>Masks whose last <c>count</c> lanes are all ones and the others zero, for overlapping last vectors.</summary>
internal static class TailMask
{
    // 16 zero-mask lanes followed by 16 all-ones lanes: loading a vector of n floats at offset 16 − n + count gives a
    // mask whose last count lanes are set. A static array (not a collection-expression span) so that no build
    // configuration allocates.
    private static readonly float[] s_mask = Create();

    private static float[] Create()
    {
        var mask = new float[32];
        for (int i = 16; i < 32; i++) mask[i] = BitConverter.Int32BitsToSingle(-1);
        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Last512(int count) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_mask), (nuint)count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Last256(int count) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_mask), (nuint)(8 + count));
}
