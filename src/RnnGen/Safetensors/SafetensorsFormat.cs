using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace RnnGen.Safetensors;

/// <summary>
/// The safetensors format, checked once for both readers: <see cref="SafetensorsFile"/> (the runtime, on a file)
/// and the generator's baked weights (linked into it, on the bytes of a file). An 8-byte little-endian header
/// length N, N bytes of JSON header (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}</c>),
/// then the raw little-endian data. Every problem throws <see cref="InvalidDataException"/> with a message saying
/// what and where, without the file's path (each reader adds its own prefix).
/// </summary>
internal static class SafetensorsFormat
{
    /// <summary>Largest header accepted (the reference implementation uses the same limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes of the header-length field at the start of the file.</summary>
    public const int PrefixBytes = 8;

    /// <summary>The header's length from the file's first 8 bytes, checked against the file's length.</summary>
    public static long HeaderLength(byte[] file, long fileLength)
    {
        if (fileLength < PrefixBytes)
            throw new InvalidDataException($"the file has {fileLength} bytes; a safetensors file starts with an 8-byte header length.");
        ulong headerLength = 0;
        for (int i = PrefixBytes - 1; i >= 0; i--) headerLength = headerLength << 8 | file[i];
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"the header length is {headerLength} bytes; the limit is {MaxHeaderBytes}.");
        if ((long)headerLength > fileLength - PrefixBytes)
            throw new InvalidDataException($"the header length is {headerLength} bytes but only {fileLength - PrefixBytes} bytes follow the length field (truncated file?).");
        return (long)headerLength;
    }

    /// <summary>Parses and checks a header: every dtype, shape and offset, and that the tensors tile the data section
    /// (<paramref name="dataLength"/> bytes) without gaps or overlaps, as the reference Rust implementation requires.</summary>
    public static (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(
        byte[] bytes, int headerStart, int headerLength, long dataLength)
    {
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, headerStart, headerLength);
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException("the header is not valid UTF-8 text.");
        }
        SafetensorsJson.Node root;
        try
        {
            root = SafetensorsJson.Parse(text);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"the header is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != SafetensorsJson.Kind.Object)
            throw new InvalidDataException($"the header is a JSON {root.ValueKind}, not an object.");
        foreach (KeyValuePair<string, SafetensorsJson.Node> property in root.Properties)
        {
            if (property.Key == "__metadata__")
            {
                if (property.Value.ValueKind != SafetensorsJson.Kind.Object)
                    throw new InvalidDataException("__metadata__ is not an object of strings.");
                foreach (KeyValuePair<string, SafetensorsJson.Node> m in property.Value.Properties)
                {
                    if (m.Value.ValueKind != SafetensorsJson.Kind.String)
                        throw new InvalidDataException($"__metadata__.{m.Key} is not a string.");
                    metadata[m.Key] = m.Value.StringValue!;
                }
                continue;
            }
            if (tensors.ContainsKey(property.Key))
                throw new InvalidDataException($"tensor '{property.Key}' appears twice in the header.");
            tensors.Add(property.Key, ParseTensor(property.Key, property.Value, dataLength));
        }

        // The tensors must tile the data section exactly: sorted by offset, no gap, no overlap, nothing after.
        long expected = 0;
        foreach (SafetensorsTensorInfo t in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < expected)
                throw new InvalidDataException($"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps the tensor before it (which ends at {expected}).");
            if (t.Begin > expected)
                throw new InvalidDataException($"there is a gap in the data section before tensor '{t.Name}' (bytes {expected}..{t.Begin}).");
            expected = t.End;
        }
        if (expected != dataLength)
            throw new InvalidDataException($"the tensors cover {expected} bytes of data but the data section has {dataLength} bytes.");
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(string name, SafetensorsJson.Node e, long dataLength)
    {
        if (e.ValueKind != SafetensorsJson.Kind.Object)
            throw new InvalidDataException($"tensor '{name}': the entry is a JSON {e.ValueKind}, not an object.");
        if (!e.TryGetProperty("dtype", out SafetensorsJson.Node dtypeElement) || dtypeElement.ValueKind != SafetensorsJson.Kind.String)
            throw new InvalidDataException($"tensor '{name}': 'dtype' is missing or not a string.");
        string dtype = dtypeElement.StringValue!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
            throw new InvalidDataException($"tensor '{name}': unknown dtype '{dtype}'.");
        if (!e.TryGetProperty("shape", out SafetensorsJson.Node shapeElement) || shapeElement.ValueKind != SafetensorsJson.Kind.Array)
            throw new InvalidDataException($"tensor '{name}': 'shape' is missing or not an array.");
        var shape = new List<long>();
        long count = 1;
        foreach (SafetensorsJson.Node d in shapeElement.Items)
        {
            if (d.ValueKind != SafetensorsJson.Kind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw new InvalidDataException($"tensor '{name}': shape entry {d} is not a non-negative integer.");
            if (shape.Count >= 8)
                throw new InvalidDataException($"tensor '{name}': more than 8 dimensions.");
            shape.Add(dim);
            count = dim == 0 || count == 0 ? 0 : (count > long.MaxValue / dim ? -1 : count * dim);
            if (count < 0)
                throw new InvalidDataException($"tensor '{name}': the shape's element count overflows.");
        }
        if (!e.TryGetProperty("data_offsets", out SafetensorsJson.Node offsets) || offsets.ValueKind != SafetensorsJson.Kind.Array || offsets.Items.Count != 2)
            throw new InvalidDataException($"tensor '{name}': 'data_offsets' is missing or not a [begin, end] pair.");
        if (!offsets.Items[0].TryGetInt64(out long begin) || !offsets.Items[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"tensor '{name}': data_offsets {offsets} are not integers with 0 ≤ begin ≤ end.");
        if (end > dataLength)
            throw new InvalidDataException($"tensor '{name}': data_offsets [{begin}, {end}] reach past the data section ({dataLength} bytes; truncated file?).");
        if (count > long.MaxValue / elementSize || end - begin != count * elementSize)
            throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {count}×{elementSize} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>Bytes per element of <paramref name="dtype"/>, or 0 when it is not a safetensors dtype.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    /// <summary>The floating-point dtypes RnnGen reads (as float).</summary>
    public static bool IsFloat(string dtype) => dtype is "F32" or "F64" or "F16" or "BF16";

    /// <summary>Element <paramref name="index"/> of floating-point data starting at <paramref name="start"/>, as float:
    /// F32 as is, F64 rounded, F16 and BF16 widened exactly (a NaN keeps its sign and payload and is quiet, as
    /// <c>(float)Half</c> gives).</summary>
    public static float ReadSingle(byte[] bytes, long start, int index, string dtype)
    {
        switch (dtype)
        {
            case "F32":
                return Bits(ReadUInt32(bytes, start + 4L * index));
            case "F64":
                long at = start + 8L * index;
                ulong low = ReadUInt32(bytes, at), high = ReadUInt32(bytes, at + 4);
                return (float)BitConverter.Int64BitsToDouble((long)(high << 32 | low));
            case "BF16":
                return Bits((uint)ReadUInt16(bytes, start + 2L * index) << 16);
            default:
                return HalfToSingle(ReadUInt16(bytes, start + 2L * index));
        }
    }

    private static uint ReadUInt32(byte[] b, long at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

    private static int ReadUInt16(byte[] b, long at) => b[at] | b[at + 1] << 8;

    private static float HalfToSingle(int h)
    {
        uint sign = (uint)(h & 0x8000) << 16;
        int exponent = (h >> 10) & 0x1F;
        uint mantissa = (uint)(h & 0x3FF);
        if (exponent == 0x1F)
            return Bits(sign | 0x7F800000u | (mantissa == 0 ? 0u : 0x400000u | mantissa << 13));
        if (exponent == 0)
        {
            if (mantissa == 0) return Bits(sign);
            int e = -14;
            while ((mantissa & 0x400) == 0) { mantissa <<= 1; e--; }
            return Bits(sign | (uint)(e + 127) << 23 | (mantissa & 0x3FF) << 13);
        }
        return Bits(sign | (uint)(exponent - 15 + 127) << 23 | mantissa << 13);
    }

    private static float Bits(uint bits) => new SingleBits { UInt32 = bits }.Single;

    /// <summary>A float's bits without unsafe code or <c>BitConverter.Int32BitsToSingle</c> (absent from netstandard2.0).</summary>
    [StructLayout(LayoutKind.Explicit)]
    private struct SingleBits
    {
        [FieldOffset(0)] public uint UInt32;
        [FieldOffset(0)] public float Single;
    }
}
