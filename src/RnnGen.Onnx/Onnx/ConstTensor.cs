using Google.Protobuf;
using Onnx;

namespace RnnGen.Onnx;

/// <summary>A constant of the graph (an initializer, a Constant node, or what shape arithmetic folded): dims and
/// either floats or integers (int64, int32, bool and the like are all kept as long).</summary>
internal sealed class ConstTensor
{
    /// <summary>The most elements a folded constant may have (a ConstantOfShape or Expand of a hostile file stops here).</summary>
    internal const long MaxElements = 1 << 24;

    public ConstTensor(long[] dims, float[]? floats, long[]? longs)
    {
        Dims = dims;
        Floats = floats;
        Longs = longs;
    }

    public long[] Dims { get; }
    public float[]? Floats { get; }
    public long[]? Longs { get; }
    public bool IsFloat => Floats is not null;
    public int Length => Floats?.Length ?? Longs!.Length;
    public int Rank => Dims.Length;

    public static ConstTensor OfLongs(long[] dims, long[] values) => new(dims, null, values);
    public static ConstTensor OfFloats(long[] dims, float[] values) => new(dims, values, null);
    public static ConstTensor Vector(params long[] values) => new([values.Length], null, values);

    public double this[int i] => Floats is not null ? Floats[i] : Longs![i];

    public long[] AsLongs(string what)
    {
        if (Longs is not null) return Longs;
        var result = new long[Floats!.Length];
        for (int i = 0; i < result.Length; i++)
        {
            float f = Floats[i];
            if (!float.IsFinite(f) || f != MathF.Round(f) || Math.Abs(f) > 1e15) throw new OnnxFormatException($"{what} must be integers; it holds {f}.");
            result[i] = (long)f;
        }
        return result;
    }

    public float[] AsFloats() => Floats ?? Array.ConvertAll(Longs!, v => (float)v);

    public static long ElementCount(IReadOnlyList<long> dims, string what)
    {
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new OnnxFormatException($"{what} has a negative dimension ({d}).");
            if (d != 0 && count > MaxElements / d) throw new OnnxFormatException($"{what} has more than {MaxElements} elements ([{string.Join(", ", dims)}]).");
            count *= d;
        }
        return count;
    }

    /// <summary>A weight that is NaN or infinite (or a double too large for float) is refused, naming the tensor and
    /// the element, as the Keras and NAM readers do.</summary>
    private static void CheckFinite(float[] values, long[] dims, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new OnnxFormatException($"{what} [{string.Join(", ", dims)}] holds {(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+Infinity" : "-Infinity")} at index {i} (flat), not a finite float.");
    }

    /// <summary>Reads a TensorProto, checking the data's length against its dims before reading it.</summary>
    public static ConstTensor Read(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
            throw new OnnxFormatException($"{what} keeps its data in an external file, which is not supported: save the model with its data inside (onnx.save(model, path, save_as_external_data=False)).");
        if (t.Segment is not null) throw new OnnxFormatException($"{what} is a segmented tensor, which is not supported.");
        long[] dims = [.. t.Dims];
        long count = ElementCount(dims, what);
        int n = (int)count;
        ByteString raw = t.RawData;
        var type = (TensorProto.Types.DataType)t.DataType;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
            {
                var values = new float[n];
                if (!raw.IsEmpty)
                {
                    CheckBytes(raw.Length, count, 4, what);
                    ReadOnlySpan<byte> bytes = raw.Span;
                    for (int i = 0; i < n; i++) values[i] = BitConverter.ToSingle(bytes.Slice(i * 4, 4));
                }
                else
                {
                    CheckCount(t.FloatData.Count, count, what, "float_data");
                    t.FloatData.CopyTo(values, 0);
                }
                CheckFinite(values, dims, what);
                return OfFloats(dims, values);
            }
            case TensorProto.Types.DataType.Double:
            {
                var values = new float[n];
                if (!raw.IsEmpty)
                {
                    CheckBytes(raw.Length, count, 8, what);
                    ReadOnlySpan<byte> bytes = raw.Span;
                    for (int i = 0; i < n; i++) values[i] = (float)BitConverter.ToDouble(bytes.Slice(i * 8, 8));
                }
                else
                {
                    CheckCount(t.DoubleData.Count, count, what, "double_data");
                    for (int i = 0; i < n; i++) values[i] = (float)t.DoubleData[i];
                }
                CheckFinite(values, dims, what);
                return OfFloats(dims, values);
            }
            case TensorProto.Types.DataType.Int64:
            {
                var values = new long[n];
                if (!raw.IsEmpty)
                {
                    CheckBytes(raw.Length, count, 8, what);
                    ReadOnlySpan<byte> bytes = raw.Span;
                    for (int i = 0; i < n; i++) values[i] = BitConverter.ToInt64(bytes.Slice(i * 8, 8));
                }
                else
                {
                    CheckCount(t.Int64Data.Count, count, what, "int64_data");
                    t.Int64Data.CopyTo(values, 0);
                }
                return OfLongs(dims, values);
            }
            case TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Int8
                or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Bool:
            {
                int size = type switch
                {
                    TensorProto.Types.DataType.Int32 => 4,
                    TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
                    _ => 1,
                };
                var values = new long[n];
                if (!raw.IsEmpty)
                {
                    CheckBytes(raw.Length, count, size, what);
                    ReadOnlySpan<byte> bytes = raw.Span;
                    for (int i = 0; i < n; i++)
                        values[i] = type switch
                        {
                            TensorProto.Types.DataType.Int32 => BitConverter.ToInt32(bytes.Slice(i * 4, 4)),
                            TensorProto.Types.DataType.Int16 => BitConverter.ToInt16(bytes.Slice(i * 2, 2)),
                            TensorProto.Types.DataType.Uint16 => BitConverter.ToUInt16(bytes.Slice(i * 2, 2)),
                            TensorProto.Types.DataType.Int8 => (sbyte)bytes[i],
                            _ => bytes[i],
                        };
                }
                else
                {
                    CheckCount(t.Int32Data.Count, count, what, "int32_data");
                    for (int i = 0; i < n; i++) values[i] = t.Int32Data[i];
                }
                return OfLongs(dims, values);
            }
            default:
                throw new OnnxFormatException($"{what} has element type {DataTypeName(t.DataType)}; only float, double and integer tensors are read.");
        }
    }

    internal static string DataTypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType) ? ((TensorProto.Types.DataType)dataType).ToString() : $"#{dataType}";

    private static void CheckBytes(int actual, long count, int size, string what)
    {
        if (actual != count * size)
            throw new OnnxFormatException($"{what} has {actual} bytes of raw_data, but its dims need {count} × {size} = {count * size}.");
    }

    private static void CheckCount(int actual, long count, string what, string field)
    {
        if (actual != count) throw new OnnxFormatException($"{what} has {actual} values in {field}, but its dims need {count}.");
    }

    /// <summary>The strides of row-major <paramref name="dims"/>.</summary>
    public static long[] Strides(long[] dims)
    {
        var strides = new long[dims.Length];
        long s = 1;
        for (int i = dims.Length - 1; i >= 0; i--) { strides[i] = s; s *= dims[i]; }
        return strides;
    }

    /// <summary>Numpy broadcasting of two shapes.</summary>
    public static long[] Broadcast(long[] a, long[] b, string what)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            long y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (x != y && x != 1 && y != 1) throw new OnnxFormatException($"{what}: shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] do not broadcast.");
            result[i] = x == 1 ? y : x;
        }
        ElementCount(result, what);
        return result;
    }

    /// <summary>The flat index into a tensor of <paramref name="dims"/> broadcast to <paramref name="target"/>.</summary>
    public static int[] BroadcastIndex(long[] dims, long[] target)
    {
        int count = (int)ElementCount(target, "a broadcast");
        var map = new int[count];
        long[] targetStrides = Strides(target);
        long[] sourceStrides = Strides(dims);
        int offset = target.Length - dims.Length;
        for (int i = 0; i < count; i++)
        {
            long rest = i, index = 0;
            for (int axis = 0; axis < target.Length; axis++)
            {
                long coordinate = rest / targetStrides[axis];
                rest %= targetStrides[axis];
                int sourceAxis = axis - offset;
                if (sourceAxis >= 0 && dims[sourceAxis] != 1) index += coordinate * sourceStrides[sourceAxis];
            }
            map[i] = (int)index;
        }
        return map;
    }

    public ConstTensor Gather(Func<int, int> map, long[] dims)
    {
        int count = (int)ElementCount(dims, "a folded constant");
        if (Floats is not null)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = Floats[map(i)];
            return OfFloats(dims, values);
        }
        var longs = new long[count];
        for (int i = 0; i < count; i++) longs[i] = Longs![map(i)];
        return OfLongs(dims, longs);
    }

    public ConstTensor WithDims(long[] dims) => new(dims, Floats, Longs);
}

/// <summary>A file that is not a readable or supported ONNX model; <see cref="Safetensors.OnnxImport"/> turns it into an
/// <see cref="InvalidDataException"/> whose message starts with the path.</summary>
internal sealed class OnnxFormatException(string message) : Exception(message);
