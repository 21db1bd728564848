using System.Text;

namespace RnnGen.Data;

/// <summary>
/// A character vocabulary: every distinct UTF-16 character of a text gets an id (in ordinal order, so the same text
/// always gives the same ids). Use it to turn text into token ids for an Embedding model and back.
/// </summary>
public sealed class CharVocabulary
{
    private readonly string _characters;
    private readonly Dictionary<char, int> _ids;

    /// <summary>A vocabulary of exactly these characters, in this order (ids 0, 1, …).</summary>
    public CharVocabulary(string characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        if (characters.Length == 0) throw new ArgumentException("A vocabulary needs at least one character.", nameof(characters));
        _ids = new Dictionary<char, int>(characters.Length);
        for (int i = 0; i < characters.Length; i++)
        {
            if (!_ids.TryAdd(characters[i], i))
                throw new ArgumentException($"'{Escape(characters[i])}' appears twice (at {_ids[characters[i]]} and {i}).", nameof(characters));
        }
        _characters = characters;
    }

    /// <summary>The vocabulary of the distinct characters of <paramref name="text"/>, sorted ordinally.</summary>
    public static CharVocabulary FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var set = new SortedSet<char>(text);
        return new CharVocabulary(string.Concat(set));
    }

    /// <summary>Number of characters (the Embedding's vocabulary and the output layer's size).</summary>
    public int Count => _characters.Length;

    /// <summary>The characters in id order (store this to rebuild the same vocabulary).</summary>
    public string Characters => _characters;

    /// <summary>The id of <paramref name="c"/>.</summary>
    /// <exception cref="ArgumentException">The character is not in the vocabulary.</exception>
    public int this[char c] => _ids.TryGetValue(c, out int id) ? id
        : throw new ArgumentException($"'{Escape(c)}' (U+{(int)c:X4}) is not in this vocabulary of {Count} characters.", nameof(c));

    /// <summary>Whether <paramref name="c"/> has an id.</summary>
    public bool Contains(char c) => _ids.ContainsKey(c);

    /// <summary>The ids of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">A character is not in the vocabulary (its position is named).</exception>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_ids.TryGetValue(text[i], out ids[i]))
                throw new ArgumentException($"text[{i}] = '{Escape(text[i])}' (U+{(int)text[i]:X4}) is not in this vocabulary of {Count} characters.", nameof(text));
        }
        return ids;
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var builder = new StringBuilder(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"ids[{i}] = {ids[i]}; expected 0..{Count - 1}.");
            builder.Append(_characters[ids[i]]);
        }
        return builder.ToString();
    }

    /// <summary>The character of id <paramref name="id"/>.</summary>
    public char Decode(int id) => (uint)id < (uint)Count ? _characters[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"id = {id}; expected 0..{Count - 1}.");

    private static string Escape(char c) => c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => c.ToString() };
}
