namespace RnnGen.Data;

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
