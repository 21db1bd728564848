using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnGen.Generators;

/// <summary>
/// Reads a safetensors file for <c>[RnnModel(Weights = …)]</c> and lays its tensors out in the model's parameter order.
/// A small, strict reader (netstandard2.0 has no System.Text.Json here): the header must be a JSON object of
/// {"dtype", "shape", "data_offsets"} entries (and an optional "__metadata__" object of strings) whose offsets stay
/// inside the file. F32, F64, F16 and BF16 are converted to float. Every problem is returned as text naming the
/// tensor; nothing here throws for bad input.
/// </summary>
internal static class BakedWeights
{
    /// <summary>One tensor the model needs: RnnGen's name, its shape and where it goes in the parameter buffer.</summary>
    internal readonly record struct Expected(string Name, int[] Shape, int Offset);

    private sealed class Entry
    {
        public string DType = "";
        public List<long> Shape = new();
        public long Begin = -1, End = -1;
    }

    public static float[]? Read(byte[] bytes, IReadOnlyList<Expected> expected, int parameterCount, List<string> problems)
    {
        Dictionary<string, Entry>? entries = Header(bytes, problems, out long dataStart);
        if (entries is null) return null;
        var parameters = new float[parameterCount];
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (Expected t in expected)
        {
            string shape = "[" + string.Join(", ", t.Shape) + "]";
            if (!entries.TryGetValue(t.Name, out Entry? e))
            {
                problems.Add($"tensor '{t.Name}' {shape} is missing");
                continue;
            }
            used.Add(t.Name);
            if (e.Shape.Count != t.Shape.Length || !AllEqual(e.Shape, t.Shape))
            {
                problems.Add($"tensor '{t.Name}' is [{string.Join(", ", e.Shape)}] in the file; the model needs {shape}");
                continue;
            }
            int size = e.DType switch { "F32" => 4, "F64" => 8, "F16" or "BF16" => 2, _ => 0 };
            if (size == 0)
            {
                problems.Add($"tensor '{t.Name}' has dtype {e.DType}; expected F32, F64, F16 or BF16");
                continue;
            }
            long count = 1;
            foreach (int d in t.Shape) count *= d;
            if (e.End - e.Begin != count * size || dataStart + e.End > bytes.Length)
            {
                problems.Add($"tensor '{t.Name}': data_offsets [{e.Begin}, {e.End}] do not hold {count} {e.DType} values inside the file");
                continue;
            }
            int at = (int)(dataStart + e.Begin);
            for (int i = 0; i < count; i++, at += size)
            {
                parameters[t.Offset + i] = e.DType switch
                {
                    "F32" => BitConverter.ToSingle(Little(bytes, at, 4), 0),
                    "F64" => (float)BitConverter.ToDouble(Little(bytes, at, 8), 0),
                    "BF16" => BitConverter.ToSingle(Little(new byte[] { 0, 0, bytes[at], bytes[at + 1] }, 0, 4), 0),
                    _ => HalfToSingle((ushort)(bytes[at] | bytes[at + 1] << 8)),
                };
            }
        }
        foreach (string name in entries.Keys)
            if (!used.Contains(name) && !name.StartsWith("optimizer.", StringComparison.Ordinal))
                problems.Add($"tensor '{name}' matches no parameter of this model");
        return problems.Count == 0 ? parameters : null;
    }

    private static bool AllEqual(List<long> a, int[] b)
    {
        for (int i = 0; i < b.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    private static byte[] Little(byte[] bytes, int at, int size)
    {
        var b = new byte[size];
        Array.Copy(bytes, at, b, 0, size);
        if (!BitConverter.IsLittleEndian) Array.Reverse(b);
        return b;
    }

    private static float HalfToSingle(ushort h)
    {
        int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
        float value = exponent == 0 ? mantissa * (float)Math.Pow(2, -24)
            : exponent == 31 ? (mantissa == 0 ? float.PositiveInfinity : float.NaN)
            : (1 + mantissa / 1024f) * (float)Math.Pow(2, exponent - 15);
        return sign == 1 ? -value : value;
    }

    private static Dictionary<string, Entry>? Header(byte[] bytes, List<string> problems, out long dataStart)
    {
        dataStart = 0;
        if (bytes.Length < 8)
        {
            problems.Add($"the file has {bytes.Length} bytes; a safetensors file starts with an 8-byte header length");
            return null;
        }
        ulong length = BitConverter.ToUInt64(Little(bytes, 0, 8), 0);
        if (length > (ulong)(bytes.Length - 8))
        {
            problems.Add($"the header length is {length} bytes but only {bytes.Length - 8} follow (truncated file?)");
            return null;
        }
        dataStart = 8 + (long)length;
        string json;
        try { json = new UTF8Encoding(false, true).GetString(bytes, 8, (int)length); }
        catch (ArgumentException) { problems.Add("the header is not valid UTF-8"); return null; }
        var parser = new Json(json);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            parser.Expect('{');
            if (!parser.TryConsume('}'))
            {
                do
                {
                    string name = parser.String();
                    parser.Expect(':');
                    if (name == "__metadata__") { parser.SkipValue(); continue; }
                    var entry = new Entry();
                    parser.Expect('{');
                    do
                    {
                        string key = parser.String();
                        parser.Expect(':');
                        switch (key)
                        {
                            case "dtype": entry.DType = parser.String(); break;
                            case "shape": entry.Shape = parser.Integers(); break;
                            case "data_offsets":
                                List<long> offsets = parser.Integers();
                                if (offsets.Count != 2) throw new FormatException($"tensor '{name}': data_offsets is not a [begin, end] pair");
                                (entry.Begin, entry.End) = (offsets[0], offsets[1]);
                                break;
                            default: parser.SkipValue(); break;
                        }
                    } while (parser.TryConsume(','));
                    parser.Expect('}');
                    if (entry.Begin < 0 || entry.End < entry.Begin || dataStart + entry.End > bytes.Length)
                        throw new FormatException($"tensor '{name}': data_offsets [{entry.Begin}, {entry.End}] are outside the data section");
                    if (entries.ContainsKey(name)) throw new FormatException($"tensor '{name}' appears twice");
                    entries.Add(name, entry);
                } while (parser.TryConsume(','));
                parser.Expect('}');
            }
        }
        catch (FormatException e)
        {
            problems.Add("the header is not a valid safetensors header: " + e.Message);
            return null;
        }
        return entries;
    }

    /// <summary>Just enough JSON for a safetensors header.</summary>
    private sealed class Json(string text)
    {
        private int _at;

        private void Space() { while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++; }

        public void Expect(char c)
        {
            Space();
            if (_at >= text.Length || text[_at] != c) throw new FormatException($"expected '{c}' at character {_at}");
            _at++;
        }

        public bool TryConsume(char c)
        {
            Space();
            if (_at < text.Length && text[_at] == c) { _at++; return true; }
            return false;
        }

        public string String()
        {
            Expect('"');
            var s = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length) throw new FormatException("unterminated string");
                char c = text[_at++];
                if (c == '"') return s.ToString();
                if (c != '\\') { s.Append(c); continue; }
                if (_at >= text.Length) throw new FormatException("unterminated escape");
                char e = text[_at++];
                switch (e)
                {
                    case 'n': s.Append('\n'); break;
                    case 't': s.Append('\t'); break;
                    case 'r': s.Append('\r'); break;
                    case 'b': s.Append('\b'); break;
                    case 'f': s.Append('\f'); break;
                    case 'u':
                        if (_at + 4 > text.Length || !int.TryParse(text.Substring(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                            throw new FormatException("bad \\u escape");
                        s.Append((char)code);
                        _at += 4;
                        break;
                    default: s.Append(e); break;
                }
            }
        }

        public List<long> Integers()
        {
            var values = new List<long>();
            Expect('[');
            if (TryConsume(']')) return values;
            do
            {
                Space();
                int start = _at;
                while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] == '-')) _at++;
                if (!long.TryParse(text.Substring(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < 0)
                    throw new FormatException($"expected a non-negative integer at character {start}");
                values.Add(v);
            } while (TryConsume(','));
            Expect(']');
            return values;
        }

        public void SkipValue()
        {
            Space();
            if (_at >= text.Length) throw new FormatException("unexpected end");
            char c = text[_at];
            if (c == '"') { String(); return; }
            if (c is '{' or '[')
            {
                char close = c == '{' ? '}' : ']';
                _at++;
                if (TryConsume(close)) return;
                do
                {
                    if (c == '{') { String(); Expect(':'); }
                    SkipValue();
                } while (TryConsume(','));
                Expect(close);
                return;
            }
            int start = _at;
            while (_at < text.Length && text[_at] is not (',' or '}' or ']') && !char.IsWhiteSpace(text[_at])) _at++;
            if (_at == start) throw new FormatException($"unexpected '{c}' at character {_at}");
        }
    }
}
