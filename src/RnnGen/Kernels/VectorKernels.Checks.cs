using System.Runtime.CompilerServices;

namespace RnnGen.Kernels;

// Length checks shared by the kernels (and by the test kernels built on them).
public static partial class VectorKernels
{
    /// <summary>Throws unless <paramref name="count"/> rows of <paramref name="width"/> floats from
    /// <paramref name="offset"/>, <paramref name="stride"/> apart (in <paramref name="groups"/> groups
    /// <paramref name="groupStride"/> apart; either stride may be negative) lie inside <paramref name="length"/> floats.</summary>
    internal static void CheckStrided(int length, int offset, int stride, int count, int width, string name, int groups = 1, int groupStride = 0)
    {
        long lastRow = (long)(count - 1) * stride, lastGroup = (long)(groups - 1) * groupStride;
        long low = offset + Math.Min(0, lastRow) + Math.Min(0, lastGroup), high = offset + Math.Max(0, lastRow) + Math.Max(0, lastGroup);
        if (low < 0 || high + width > length)
            throw new ArgumentException($"{name}: {groups * count} rows of {width} from offset {offset} with stride {stride}{(groups > 1 ? $" (groups of {count}, group stride {groupStride})" : "")} need elements {low}..{high + width}; it has {length}.", name);
    }

    /// <summary>Throws unless a [rows × cols] matrix, a column vector (cols) and a row vector (rows) fit.</summary>
    internal static void CheckMatrix(int matrix, int columnVector, int rowVector, int rows, int cols)
    {
        if (matrix < rows * cols) ThrowLength("matrix", matrix, rows * cols);
        if (columnVector < cols) ThrowLength("column vector", columnVector, cols);
        if (rowVector < rows) ThrowLength("row vector", rowVector, rows);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowLength(string what, int actual, int expected) =>
        throw new ArgumentException($"The {what} has {actual} elements; expected at least {expected}.");
}
