using System;
using System.Text;

namespace RnnGen.Generators.Helpers;

/// <summary>Writes indented C#; <see cref="WriteBlock"/> opens a brace and returns a scope that closes it.</summary>
internal sealed class IndentedTextWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _indent;

    public void WriteLine(string text = "")
    {
        if (text.Length > 0)
        {
            for (int i = 0; i < _indent; i++) _builder.Append(IndentUnit);
            _builder.Append(text);
        }
        _builder.Append('\n');
    }

    /// <summary>Writes each line of <paramref name="text"/> at the current indentation.</summary>
    public void WriteLines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n')) WriteLine(line);
    }

    /// <summary>Writes <paramref name="header"/> (if any) and "{"; disposing the result writes "}".</summary>
    public Block WriteBlock(string? header = null, string closing = "}")
    {
        if (header is not null) WriteLine(header);
        WriteLine("{");
        _indent++;
        return new Block(this, closing);
    }

    public override string ToString() => _builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly IndentedTextWriter _writer;
        private readonly string _closing;

        public Block(IndentedTextWriter writer, string closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.WriteLine(_closing);
        }
    }
}
