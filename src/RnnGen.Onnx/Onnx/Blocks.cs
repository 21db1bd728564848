namespace RnnGen.Onnx;

/// <summary>Matrix helpers for moving weights between ONNX's layouts and RnnGen's.</summary>
internal static class Blocks
{
    /// <summary>[rows, cols] row-major → [cols, rows] row-major.</summary>
    public static float[] Transpose(ReadOnlySpan<float> source, int rows, int cols)
    {
        var result = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = source[r * cols + c];
        return result;
    }

    /// <summary>Result block k = source block order[k] (blocks of <paramref name="blockLength"/> floats).</summary>
    public static float[] Reorder(ReadOnlySpan<float> source, int blockLength, params int[] order)
    {
        var result = new float[source.Length];
        for (int k = 0; k < order.Length; k++)
            source.Slice(order[k] * blockLength, blockLength).CopyTo(result.AsSpan(k * blockLength, blockLength));
        return result;
    }
}
