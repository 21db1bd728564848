using System.Text;

namespace RnnGen.Data;

/// <summary>
/// A word vocabulary for classification: lower-cased words (letters, digits and apostrophes), the
/// <see cref="MaxWords"/> most frequent words of a corpus (ties broken ordinally) get ids from 1; id 0 is the
/// unknown word.
/// </summary>
public sealed class WordVocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly string[] _words;

    private WordVocabulary(string[] words)
    {
        _words = words;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) _ids[words[i]] = i;
    }

    /// <summary>Id of words not in the vocabulary.</summary>
    public const int Unknown = 0;

    /// <summary>Ids in use (unknown included).</summary>
    public int Count => _words.Length;

    /// <summary>The largest vocabulary <see cref="Build"/> was asked for.</summary>
    public int MaxWords { get; private init; }

    /// <summary>The words by id (id 0: "&lt;unk&gt;").</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>Builds the vocabulary of the <paramref name="maxWords"/> most frequent words seen at least <paramref name="minCount"/> times.</summary>
    public static WordVocabulary Build(IEnumerable<string> texts, int maxWords = 10_000, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWords, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string text in texts)
            foreach (string word in Tokenize(text))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        string[] words = counts.Where(p => p.Value >= minCount)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(maxWords).Select(p => p.Key).Prepend("<unk>").ToArray();
        return new WordVocabulary(words) { MaxWords = maxWords };
    }

    /// <summary>The ids of the words of <paramref name="text"/> (unknown words: 0). An empty text gives one unknown id,
    /// so every text is a sequence of at least one step.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        foreach (string word in Tokenize(text)) ids.Add(_ids.GetValueOrDefault(word, Unknown));
        if (ids.Count == 0) ids.Add(Unknown);
        return ids.ToArray();
    }

    /// <summary>Lower-cased words: runs of letters, digits and apostrophes.</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var word = new StringBuilder();
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '\'') word.Append(char.ToLowerInvariant(c));
            else if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
        }
        if (word.Length > 0) yield return word.ToString();
    }
}
