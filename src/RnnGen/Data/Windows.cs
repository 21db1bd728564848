using RnnGen.Training;

namespace RnnGen.Data;

/// <summary>Cuts long series into training sequences.</summary>
public static class Windows
{
    /// <summary>
    /// Language-model windows over a token sequence: window i reads <c>tokens[s .. s + length)</c> and its targets
    /// are the next tokens <c>tokens[s + 1 .. s + length + 1)</c>, with s = i · <paramref name="stride"/>.
    /// </summary>
    public static Sequence[] NextToken(int[] tokens, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (tokens.Length < length + 1)
            throw new ArgumentException($"tokens has {tokens.Length} elements; expected at least {length + 1} (one window of {length} plus its next token).", nameof(tokens));
        int count = (tokens.Length - length - 1) / stride + 1;
        var windows = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int s = i * stride;
            windows[i] = Sequence.FromTokens(tokens[s..(s + length)], tokens[(s + 1)..(s + length + 1)]);
        }
        return windows;
    }

    /// <summary>
    /// Sliding forecasting windows over a multichannel series [length × channels]: each sequence reads
    /// <paramref name="window"/> steps and its target is the value <paramref name="horizon"/> steps after the last one
    /// (<paramref name="targetChannels"/> channels; all when null) — for a many-to-one (LastStep) model.
    /// </summary>
    public static Sequence[] Forecast(float[] series, int channels, int window, int horizon = 1, int stride = 1, int[]? targetChannels = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (series.Length % channels != 0)
            throw new ArgumentException($"series has {series.Length} elements; expected a multiple of channels {channels}.", nameof(series));
        int length = series.Length / channels;
        int[] targets = targetChannels ?? Enumerable.Range(0, channels).ToArray();
        foreach (int c in targets)
            if ((uint)c >= (uint)channels) throw new ArgumentOutOfRangeException(nameof(targetChannels), c, $"channel {c}; expected 0..{channels - 1}.");
        if (length < window + horizon)
            throw new ArgumentException($"series has {length} steps; expected at least {window + horizon} (window {window} + horizon {horizon}).", nameof(series));
        int count = (length - window - horizon) / stride + 1;
        var sequences = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int s = i * stride;
            float[] inputs = series[(s * channels)..((s + window) * channels)];
            float[] target = new float[targets.Length];
            int at = s + window - 1 + horizon;
            for (int k = 0; k < targets.Length; k++) target[k] = series[at * channels + targets[k]];
            sequences[i] = Sequence.FromFloats(inputs, window, target);
        }
        return sequences;
    }
}

/// <summary>Reads (text, label) rows from a CSV file with a header line (RFC 4180 quoting).</summary>
public static class TextCsv
{
    /// <summary>Reads the named text and label columns of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A row is malformed or a column is missing (line number given).</exception>
    public static List<(string Text, string Label)> Read(string path, string textColumn = "text", string labelColumn = "label")
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, textColumn, labelColumn);
    }

    /// <summary>Reads the named columns from <paramref name="reader"/>; <paramref name="name"/> labels error messages.</summary>
    public static List<(string Text, string Label)> Read(TextReader reader, string name, string textColumn = "text", string labelColumn = "label")
    {
        ArgumentNullException.ThrowIfNull(reader);
        int line = 0;
        List<string>? header = ReadRecord(reader, ref line, name);
        if (header is null) throw new InvalidDataException($"{name}: empty file; expected a header line with '{textColumn}' and '{labelColumn}'.");
        int textIndex = header.FindIndex(h => string.Equals(h.Trim(), textColumn, StringComparison.OrdinalIgnoreCase));
        int labelIndex = header.FindIndex(h => string.Equals(h.Trim(), labelColumn, StringComparison.OrdinalIgnoreCase));
        if (textIndex < 0 || labelIndex < 0)
            throw new InvalidDataException($"{name}: the header has columns [{string.Join(", ", header)}]; expected '{textColumn}' and '{labelColumn}'.");
        var rows = new List<(string, string)>();
        while (true)
        {
            int startLine = line + 1;
            List<string>? record = ReadRecord(reader, ref line, name);
            if (record is null) break;
            if (record.Count == 1 && record[0].Length == 0) continue;   // blank line
            if (record.Count != header.Count)
                throw new InvalidDataException($"{name}:{startLine}: {record.Count} fields; expected {header.Count} (as the header).");
            rows.Add((record[textIndex], record[labelIndex].Trim()));
        }
        return rows;
    }

    private static List<string>? ReadRecord(TextReader reader, ref int line, string name)
    {
        string? text = reader.ReadLine();
        if (text is null) return null;
        line++;
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        int startLine = line;
        for (int i = 0; ; i++)
        {
            if (i == text.Length)
            {
                if (!quoted) break;
                string? next = reader.ReadLine() ?? throw new InvalidDataException($"{name}:{startLine}: a quoted field is not closed before the end of the file.");
                line++;
                field.Append('\n');
                text = next;
                i = -1;
                continue;
            }
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
