using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using X86 = System.Runtime.Intrinsics.X86;

namespace RnnGen.Kernels;

/// <summary>
/// One vector width, for kernels written once and instantiated per width (TensorPrimitives style: the caller tries
/// the widest accelerated width first). Each member is the single instruction the hand-written kernels used, so a
/// kernel instantiated for a width runs exactly the operations, in the same order, it ran when written out for it.
/// </summary>
internal interface IVectorWidth<TVector> where TVector : struct
{
    /// <summary>Floats in one vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether the kernels take this width on this machine.</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TVector Load(ref float source, nuint offset);

    static abstract void Store(TVector value, ref float destination, nuint offset);

    static abstract TVector Broadcast(float value);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a·b + c, see <see cref="FusedMath"/>.</summary>
    static abstract TVector Fma(TVector a, TVector b, TVector c);

    /// <summary><paramref name="value"/> with every lane but the last <paramref name="count"/> set to +0 (an
    /// overlapping last vector adds nothing to the lanes the loop before it has done).</summary>
    static abstract TVector LastLanes(TVector value, int count);
}
