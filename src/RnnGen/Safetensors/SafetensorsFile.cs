using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace RnnGen.Safetensors;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">The dtype string (F32, F16, BF16, F64, I64, …).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as text, e.g. <c>[128, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

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
    public const long MaxHeaderBytes = 100_000_000;

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
        if (fileLength < 8)
            throw Bad(path, $"the file has {fileLength} bytes; a safetensors file starts with an 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(handle, prefix, 0, path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"the header length is {headerLength} bytes; the limit is {MaxHeaderBytes}.");
        if ((long)headerLength > fileLength - 8)
            throw Bad(path, $"the header length is {headerLength} bytes but only {fileLength - 8} bytes follow the length field (truncated file?).");
        byte[] header = new byte[(int)headerLength];
        ReadExactly(handle, header, 8, path);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        var (tensors, metadata) = ParseHeader(path, header, dataLength);
        return new SafetensorsFile(path, dataStart, tensors, metadata);
    }

    private static (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        // JSON strings are only transcoded when read, so invalid UTF-8 would surface later as an InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw Bad(path, "the header is not valid UTF-8 text.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Bad(path, $"the header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the header is a JSON {document.RootElement.ValueKind}, not an object.");
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw Bad(path, "__metadata__ is not an object of strings.");
                    foreach (JsonProperty m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad(path, $"__metadata__.{m.Name} is not a string.");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                    throw Bad(path, $"tensor '{property.Name}' appears twice in the header.");
                tensors.Add(property.Name, ParseTensor(path, property.Name, property.Value, dataLength));
            }
        }

        // The tensors must tile the data section exactly: sorted by offset, no gap, no overlap, nothing after.
        long expected = 0;
        foreach (SafetensorsTensorInfo t in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < expected)
                throw Bad(path, $"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps the tensor before it (which ends at {expected}).");
            if (t.Begin > expected)
                throw Bad(path, $"there is a gap in the data section before tensor '{t.Name}' (bytes {expected}..{t.Begin}).");
            expected = t.End;
        }
        if (expected != dataLength)
            throw Bad(path, $"the tensors cover {expected} bytes of data but the data section has {dataLength} bytes.");
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"tensor '{name}': the entry is a JSON {e.ValueKind}, not an object.");
        if (!e.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}': 'dtype' is missing or not a string.");
        string dtype = dtypeElement.GetString()!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
            throw Bad(path, $"tensor '{name}': unknown dtype '{dtype}'.");
        if (!e.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}': 'shape' is missing or not an array.");
        var shape = new List<long>();
        long count = 1;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
                throw Bad(path, $"tensor '{name}': shape entry {d} is not a non-negative integer.");
            if (shape.Count >= 8)
                throw Bad(path, $"tensor '{name}': more than 8 dimensions.");
            shape.Add(dim);
            count = dim == 0 || count == 0 ? 0 : (count > long.MaxValue / dim ? -1 : count * dim);
            if (count < 0)
                throw Bad(path, $"tensor '{name}': the shape's element count overflows.");
        }
        if (!e.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}': 'data_offsets' is missing or not a [begin, end] pair.");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad(path, $"tensor '{name}': data_offsets {offsets} are not integers with 0 ≤ begin ≤ end.");
        if (end > dataLength)
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] reach past the data section ({dataLength} bytes; truncated file?).");
        if (count > long.MaxValue / elementSize || end - begin != count * elementSize)
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {count}×{elementSize} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    internal static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

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
        if (t.DType is not ("F32" or "F64" or "F16" or "BF16"))
            throw Bad(_path, $"tensor '{name}' has dtype {t.DType}; RnnGen reads F32 (and converts F64, F16, BF16).");
        byte[] bytes = new byte[t.End - t.Begin];
        using SafeFileHandle handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (RandomAccess.GetLength(handle) < _dataStart + t.End)
            throw Bad(_path, "the file became shorter after its header was read.");
        ReadExactly(handle, bytes, _dataStart + t.Begin, _path);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = t.DType switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)),
                "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8)),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) << 16),
            };
        }
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

/// <summary>Write-to-temporary-then-rename, so nothing half-written is ever left at the destination.</summary>
public static class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> on a temporary file next to <paramref name="path"/>, flushes it to
    /// disk, then renames it over <paramref name="path"/>. On failure the temporary file is deleted and
    /// <paramref name="path"/> is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        RemoveOrphans(directory, Path.GetFileName(full));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The temporary name is ours, not the caller's: report the path they gave.
            if (e is IOException or UnauthorizedAccessException) throw Named(e, path, temporary);
            throw;
        }
    }

    /// <summary>The same kind of exception as <paramref name="e"/>, its message about <paramref name="path"/> instead of
    /// the temporary file (which stays in the inner exception).</summary>
    private static Exception Named(Exception e, string path, string temporary)
    {
        string reason = e.Message.Replace(temporary, path, StringComparison.Ordinal).Replace(Path.GetFileName(temporary), Path.GetFileName(path), StringComparison.Ordinal);
        string message = $"Could not write {path}: {reason}";
        return e switch
        {
            DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            PathTooLongException => new PathTooLongException(message, e),
            _ => new IOException(message, e),
        };
    }

    /// <summary>Deletes temporary files of <paramref name="name"/> left by writers that died mid-write (killed, power
    /// loss): <c>.name.&lt;pid&gt;.&lt;guid&gt;.tmp</c> whose process no longer runs. Another live writer's file is left alone.</summary>
    private static void RemoveOrphans(string directory, string name)
    {
        string[] candidates;
        try { candidates = Directory.GetFiles(directory, $".{name}.*.tmp"); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (string candidate in candidates)
        {
            string[] parts = Path.GetFileName(candidate)[(name.Length + 2)..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { File.Delete(candidate); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
