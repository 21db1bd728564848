using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace RnnGen.Safetensors;

/// <summary>
/// A validated safetensors file: an 8-byte little-endian header length N, N bytes of JSON header
/// (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {…}}</c>), then the raw
/// little-endian data. <see cref="Open"/> checks the whole header before anything is read: the header length
/// against the file size, every dtype, shape and offset, and that the tensors tile the data section without
/// gaps or overlaps (as the reference Rust implementation requires). Reads never go past a checked range.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>Largest header accepted (the reference implementation uses the same limit).</summary>
    public const long MaxHeaderBytes = SafetensorsFormat.MaxHeaderBytes;

    private readonly string _path;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    private SafetensorsFile(string path, long dataStart, Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        _path = path;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>The string-to-string <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed; the message says what and where.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = RandomAccess.GetLength(handle);
        try
        {
            byte[] prefix = new byte[SafetensorsFormat.PrefixBytes];
            if (fileLength >= prefix.Length) ReadExactly(handle, prefix, 0, path);
            long headerLength = SafetensorsFormat.HeaderLength(prefix, fileLength);
            byte[] header = new byte[headerLength];
            ReadExactly(handle, header, prefix.Length, path);
            long dataStart = prefix.Length + headerLength;
            var (tensors, metadata) = SafetensorsFormat.ParseHeader(header, 0, header.Length, fileLength - dataStart);
            return new SafetensorsFile(path, dataStart, tensors, metadata);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
        {
            throw Bad(path, e.Message);
        }
    }

    /// <summary>Reads a floating-point tensor into <paramref name="destination"/> as float, converting F64, F16 and BF16.</summary>
    /// <exception cref="InvalidDataException">The tensor is not a floating-point dtype, or the file changed underneath.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not have the tensor's element count.</exception>
    public void ReadFloat32(string name, Span<float> destination)
    {
        SafetensorsTensorInfo t = _tensors.TryGetValue(name, out SafetensorsTensorInfo? info)
            ? info
            : throw new KeyNotFoundException($"{_path}: there is no tensor '{name}'.");
        if (destination.Length != t.ElementCount)
            Guard.ThrowLength(destination.Length, checked((int)t.ElementCount), nameof(destination), $"tensor '{name}' {t.ShapeText}");
        if (!SafetensorsFormat.IsFloat(t.DType))
            throw Bad(_path, $"tensor '{name}' has dtype {t.DType}; RnnGen reads F32 (and converts F64, F16, BF16).");
        byte[] bytes = new byte[t.End - t.Begin];
        using SafeFileHandle handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (RandomAccess.GetLength(handle) < _dataStart + t.End)
            throw Bad(_path, "the file became shorter after its header was read.");
        ReadExactly(handle, bytes, _dataStart + t.Begin, _path);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = SafetensorsFormat.ReadSingle(bytes, 0, i, t.DType);
    }

    /// <summary>Reads a floating-point tensor as a new float array.</summary>
    public float[] ReadFloat32(string name)
    {
        SafetensorsTensorInfo t = _tensors.TryGetValue(name, out SafetensorsTensorInfo? info)
            ? info
            : throw new KeyNotFoundException($"{_path}: there is no tensor '{name}'.");
        var result = new float[t.ElementCount];
        ReadFloat32(name, result);
        return result;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read <= 0) throw Bad(path, "unexpected end of file.");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static InvalidDataException Bad(string path, string message) => new($"{path}: not a valid safetensors file: {message}");

    /// <summary>
    /// Writes F32 tensors to <paramref name="path"/> atomically: the bytes go to a temporary file in the same
    /// folder, which is flushed to disk and then renamed over <paramref name="path"/>. A crash leaves either the
    /// old file or the new one, never half of one.
    /// </summary>
    public static void WriteFloat32(string path, IEnumerable<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape, data) in list)
        {
            if (name == "__metadata__" || !names.Add(name))
                throw new ArgumentException($"Tensor name '{name}' is reserved or used twice.", nameof(tensors));
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (count != data.Length)
                throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} elements) but {data.Length} values.", nameof(tensors));
        }

        using var headerStream = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerStream))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, data) in list)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + data.Length * 4L);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += data.Length * 4L;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces so the data section starts 8-byte aligned.
        while (headerStream.Length % 8 != 0) headerStream.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerStream.Length);
            stream.Write(prefix);
            headerStream.Position = 0;
            headerStream.CopyTo(stream);
            byte[] buffer = new byte[64 * 1024];
            foreach (var (_, _, data) in list)
            {
                ReadOnlySpan<float> values = data.Span;
                for (int i = 0; i < values.Length;)
                {
                    int n = Math.Min(values.Length - i, buffer.Length / 4);
                    for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(k * 4), values[i + k]);
                    stream.Write(buffer, 0, n * 4);
                    i += n;
                }
            }
        });
    }
}
