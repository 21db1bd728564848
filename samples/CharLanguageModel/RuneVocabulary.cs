using System.Text;

namespace RnnGen.Samples;

/// <summary>
/// The symbols of a text as Unicode code points (<see cref="Rune"/>s: "é", "日" and an emoji are one symbol each, never
/// two UTF-16 halves), for a model whose Embedding and softmax have room for <c>capacity</c> ids. Id 0 stands for every
/// code point beyond that room (the rarest ones; it decodes as U+FFFD); ids 1… are the text's code points, the most
/// frequent first (ties in code-point order), so the same text always gives the same ids.
/// </summary>
internal sealed class RuneVocabulary
{
    /// <summary>The id of code points the vocabulary has no room for (and of any not in the text).</summary>
    public const int Other = 0;

    private readonly Rune[] _symbols;
    private readonly Dictionary<Rune, int> _ids;

    private RuneVocabulary(Rune[] symbols, int distinct, long otherCount)
    {
        _symbols = symbols;
        _ids = new Dictionary<Rune, int>(symbols.Length);
        for (int i = 1; i < symbols.Length; i++) _ids[symbols[i]] = i;
        Distinct = distinct;
        OtherCount = otherCount;
    }

    /// <summary>The vocabulary of <paramref name="text"/> for a model with <paramref name="capacity"/> ids (id 0 included).</summary>
    public static RuneVocabulary FromText(string text, int capacity)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        var counts = new Dictionary<Rune, long>();
        foreach (Rune r in text.EnumerateRunes()) counts[r] = counts.GetValueOrDefault(r) + 1;
        Rune[] ranked = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Value).Select(p => p.Key).ToArray();
        Rune[] kept = ranked.Take(capacity - 1).ToArray();
        long other = ranked.Skip(capacity - 1).Sum(r => counts[r]);
        return new RuneVocabulary([Rune.ReplacementChar, .. kept], counts.Count, other);
    }

    /// <summary>Ids in use: the text's code points that fit, and id 0.</summary>
    public int Count => _symbols.Length;

    /// <summary>Distinct code points in the text.</summary>
    public int Distinct { get; }

    /// <summary>Code points of the text that share id 0 (0 when every distinct code point has an id of its own).</summary>
    public long OtherCount { get; }

    /// <summary>The code points with ids of their own, in id order (from id 1).</summary>
    public IEnumerable<Rune> Symbols => _symbols.Skip(1);

    /// <summary>The id of <paramref name="rune"/> (<see cref="Other"/> when it has none).</summary>
    public int this[Rune rune] => _ids.GetValueOrDefault(rune, Other);

    /// <summary>The ids of <paramref name="text"/>, one per code point.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        foreach (Rune r in text.EnumerateRunes()) ids.Add(this[r]);
        return ids.ToArray();
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var builder = new StringBuilder(ids.Length);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_symbols.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, $"expected an id in 0..{_symbols.Length - 1}");
            builder.Append(_symbols[id].ToString());
        }
        return builder.ToString();
    }
}
