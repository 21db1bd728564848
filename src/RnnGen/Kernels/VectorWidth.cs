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

internal readonly struct Width256 : IVectorWidth<Vector256<float>>
{
    public static int Count => 8;

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => FusedMath.Fma(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LastLanes(Vector256<float> value, int count) => value & TailMask.Last256(count);
}

internal readonly struct Width512 : IVectorWidth<Vector512<float>>
{
    public static int Count => 16;

    /// <summary>Where the CPU accelerates Vector512 and has AVX-512F (its fused multiply-add).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated && X86.Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => FusedMath.Fma(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LastLanes(Vector512<float> value, int count) => value & TailMask.Last512(count);
}

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
