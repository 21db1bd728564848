using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace RnnGen.Safetensors;

/// <summary>
/// Strict JSON (RFC 8259) for safetensors headers, small enough to compile into the generator too (netstandard2.0,
/// no System.Text.Json there): a value tree whose kinds, <see cref="Node.ToString"/> texts and depth limit follow
/// System.Text.Json's <c>JsonElement</c>, so the header checks read the same either side. Malformed text throws
/// <see cref="InvalidDataException"/> saying what and where.
/// </summary>
internal static class SafetensorsJson
{
    /// <summary>The deepest nesting of objects and arrays accepted.</summary>
    public const int MaxDepth = 8;

    /// <summary>The kind of a JSON value (the names of System.Text.Json's <c>JsonValueKind</c>).</summary>
    public enum Kind { Object, Array, String, Number, True, False, Null }

    /// <summary>One JSON value.</summary>
    public sealed class Node
    {
        private readonly string _source;
        private readonly int _start, _end;

        internal Node(Kind kind, string source, int start, int end, string? value = null,
            List<KeyValuePair<string, Node>>? properties = null, List<Node>? items = null)
        {
            ValueKind = kind;
            _source = source;
            _start = start;
            _end = end;
            StringValue = value;
            Properties = properties ?? EmptyProperties;
            Items = items ?? EmptyItems;
        }

        private static readonly List<KeyValuePair<string, Node>> EmptyProperties = new();
        private static readonly List<Node> EmptyItems = new();

        public Kind ValueKind { get; }

        /// <summary>A string's value (unescaped); null for other kinds.</summary>
        public string? StringValue { get; }

        /// <summary>An object's properties in order (duplicates kept).</summary>
        public IReadOnlyList<KeyValuePair<string, Node>> Properties { get; }

        /// <summary>An array's items.</summary>
        public IReadOnlyList<Node> Items { get; }

        /// <summary>The value's text as written.</summary>
        public string RawText => _source.Substring(_start, _end - _start);

        /// <summary>The first property named <paramref name="name"/>.</summary>
        public bool TryGetProperty(string name, out Node value)
        {
            foreach (KeyValuePair<string, Node> p in Properties)
                if (p.Key == name) { value = p.Value; return true; }
            value = null!;
            return false;
        }

        /// <summary>A number written as an integer that fits a long.</summary>
        public bool TryGetInt64(out long value)
        {
            value = 0;
            if (ValueKind != Kind.Number) return false;
            string text = RawText;
            for (int i = text.Length > 0 && text[0] == '-' ? 1 : 0; i < text.Length; i++)
                if (text[i] is < '0' or > '9') return false;
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        /// <summary>As <c>JsonElement.ToString()</c>: a string's value, True / False, "" for null, else the raw text.</summary>
        public override string ToString() => ValueKind switch
        {
            Kind.String => StringValue!,
            Kind.True => bool.TrueString,
            Kind.False => bool.FalseString,
            Kind.Null => "",
            _ => RawText,
        };
    }

    /// <summary>Parses one JSON value that spans the whole of <paramref name="text"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON.</exception>
    public static Node Parse(string text)
    {
        var reader = new Reader(text);
        reader.SkipSpace();
        if (reader.AtEnd) throw reader.Error("the text contains no JSON value");
        Node root = reader.Value(0);
        reader.SkipSpace();
        if (!reader.AtEnd) throw reader.Error("text follows the JSON value");
        return root;
    }

    private sealed class Reader
    {
        private readonly string _text;
        private int _at;

        public Reader(string text) => _text = text;

        public bool AtEnd => _at >= _text.Length;

        public InvalidDataException Error(string what) =>
            new($"{what} (at character {_at.ToString(CultureInfo.InvariantCulture)})");

        public void SkipSpace()
        {
            while (_at < _text.Length && _text[_at] is ' ' or '\t' or '\n' or '\r') _at++;
        }

        public Node Value(int depth)
        {
            SkipSpace();
            if (AtEnd) throw Error("unexpected end of the JSON text");
            char c = _text[_at];
            switch (c)
            {
                case '{': return Object(depth + 1);
                case '[': return Array(depth + 1);
                case '"':
                {
                    int start = _at;
                    string value = String();
                    return new Node(Kind.String, _text, start, _at, value);
                }
                case 't': return Literal("true", Kind.True);
                case 'f': return Literal("false", Kind.False);
                case 'n': return Literal("null", Kind.Null);
                default:
                    if (c == '-' || c is >= '0' and <= '9') return Number();
                    throw Error($"'{c}' does not start a JSON value");
            }
        }

        private Node Object(int depth)
        {
            var properties = new List<KeyValuePair<string, Node>>();
            int start = Elements(depth, '}', () =>
            {
                SkipSpace();
                if (AtEnd || _text[_at] != '"') throw Error("expected a property name");
                string name = String();
                SkipSpace();
                Expect(':');
                properties.Add(new KeyValuePair<string, Node>(name, Value(depth)));
            });
            return new Node(Kind.Object, _text, start, _at, properties: properties);
        }

        private Node Array(int depth)
        {
            var items = new List<Node>();
            int start = Elements(depth, ']', () => items.Add(Value(depth)));
            return new Node(Kind.Array, _text, start, _at, items: items);
        }

        /// <summary>Reads the comma-separated elements of an object or array up to <paramref name="close"/>;
        /// returns where the container starts (the reader stops after its end).</summary>
        private int Elements(int depth, char close, Action element)
        {
            if (depth > MaxDepth) throw Error($"the nesting is deeper than {MaxDepth}");
            int start = _at++;
            SkipSpace();
            if (!AtEnd && _text[_at] == close) { _at++; return start; }
            while (true)
            {
                element();
                SkipSpace();
                if (AtEnd) throw Error("unexpected end of the JSON text");
                if (_text[_at] == ',') { _at++; continue; }
                if (_text[_at] == close) { _at++; return start; }
                throw Error($"expected ',' or '{close}'");
            }
        }

        private void Expect(char c)
        {
            if (AtEnd || _text[_at] != c) throw Error($"expected '{c}'");
            _at++;
        }

        private Node Literal(string word, Kind kind)
        {
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0) throw Error($"expected '{word}'");
            int start = _at;
            _at += word.Length;
            return new Node(kind, _text, start, _at);
        }

        private Node Number()
        {
            int start = _at;
            if (_text[_at] == '-') _at++;
            if (AtEnd || _text[_at] is < '0' or > '9') throw Error("expected a digit");
            if (_text[_at] == '0') _at++;
            else Digits();
            if (!AtEnd && _text[_at] == '.') { _at++; RequireDigit(); Digits(); }
            if (!AtEnd && _text[_at] is 'e' or 'E')
            {
                _at++;
                if (!AtEnd && _text[_at] is '+' or '-') _at++;
                RequireDigit();
                Digits();
            }
            return new Node(Kind.Number, _text, start, _at);
        }

        private void RequireDigit()
        {
            if (AtEnd || _text[_at] is < '0' or > '9') throw Error("expected a digit");
        }

        private void Digits()
        {
            while (!AtEnd && _text[_at] is >= '0' and <= '9') _at++;
        }

        private string String()
        {
            _at++; // the opening quote
            var s = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw Error("unterminated string");
                char c = _text[_at++];
                if (c == '"') return s.ToString();
                if (c < ' ') throw Error("a control character inside a string");
                if (c != '\\') { s.Append(c); continue; }
                if (AtEnd) throw Error("unterminated escape");
                char e = _text[_at++];
                switch (e)
                {
                    case '"': s.Append('"'); break;
                    case '\\': s.Append('\\'); break;
                    case '/': s.Append('/'); break;
                    case 'b': s.Append('\b'); break;
                    case 'f': s.Append('\f'); break;
                    case 'n': s.Append('\n'); break;
                    case 'r': s.Append('\r'); break;
                    case 't': s.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > _text.Length || !int.TryParse(_text.Substring(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                            throw Error("a bad \\u escape");
                        s.Append((char)code);
                        _at += 4;
                        break;
                    default:
                        throw Error($"an unknown escape '\\{e}'");
                }
            }
        }
    }
}
