using RnnGen.Data;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

public class DataTests
{
    [Fact]
    public void Char_vocabulary_round_trips_and_names_unknown_characters()
    {
        var vocabulary = CharVocabulary.FromText("hello, world\n");
        Assert.Equal("\n ,dehlorw", vocabulary.Characters);
        int[] ids = vocabulary.Encode("world, hello");
        Assert.Equal("world, hello", vocabulary.Decode(ids));
        Assert.Equal(vocabulary.Encode("low"), new CharVocabulary(vocabulary.Characters).Encode("low"));
        var error = Assert.Throws<ArgumentException>(() => vocabulary.Encode("hex"));
        Assert.Contains("text[2] = 'x'", error.Message);
        Assert.Throws<ArgumentException>(() => new CharVocabulary("abca"));
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([10]));
    }

    [Fact]
    public void Word_vocabulary_keeps_the_most_frequent_words_and_maps_the_rest_to_unknown()
    {
        var vocabulary = WordVocabulary.Build(["The film was great, GREAT fun.", "the plot was thin", "Don't watch the film"], maxWords: 4);
        Assert.Equal(["<unk>", "the", "film", "great", "was"], vocabulary.Words);
        Assert.Equal([1, 2, 4, 0], vocabulary.Encode("The film was dull"));
        Assert.Equal([0], vocabulary.Encode("  ...  "));
        Assert.Equal(["don't", "watch"], WordVocabulary.Tokenize("Don't WATCH!"));
    }

    [Fact]
    public void Next_token_windows_shift_targets_by_one()
    {
        int[] tokens = Enumerable.Range(0, 10).ToArray();
        Sequence[] windows = Windows.NextToken(tokens, 4, 3);
        Assert.Equal(2, windows.Length);   // starts 0 and 3 (6 would need token 10)
        Assert.Equal([3, 4, 5, 6], windows[1].Tokens!);
        Assert.Equal([4, 5, 6, 7], windows[1].ClassIds!);
        Assert.Throws<ArgumentException>(() => Windows.NextToken([1, 2], 4, 1));
    }

    [Fact]
    public void Forecast_windows_target_the_value_horizon_steps_ahead()
    {
        // Two channels: (t, 10t).
        float[] series = Enumerable.Range(0, 8).SelectMany(t => new[] { t, 10f * t }).ToArray();
        Sequence[] windows = Windows.Forecast(series, 2, window: 3, horizon: 2, stride: 2, targetChannels: [1]);
        Assert.Equal(2, windows.Length);   // windows at 0 and 2; 4 would need step 8
        Assert.Equal([2f, 20f, 3f, 30f, 4f, 40f], windows[1].Inputs!);
        Assert.Equal([60f], windows[1].Targets!);
        Assert.Equal(3, windows[1].Steps);
        Assert.Throws<ArgumentException>(() => Windows.Forecast(series, 3, 2));
    }

    [Fact]
    public void Csv_reader_handles_quotes_and_names_bad_lines()
    {
        var rows = TextCsv.Read(new StringReader("label,text\npos,\"great, really \"\"great\"\"\"\nneg,\"two\nlines\"\n\nneg,bad\n"), "mem");
        Assert.Equal([("great, really \"great\"", "pos"), ("two\nlines", "neg"), ("bad", "neg")], rows);
        var error = Assert.Throws<InvalidDataException>(() => TextCsv.Read(new StringReader("text,label\na,b,c\n"), "f.csv"));
        Assert.Equal("f.csv:2: 3 fields; expected 2 (as the header).", error.Message);
        Assert.Contains("expected 'text' and 'label'", Assert.Throws<InvalidDataException>(() => TextCsv.Read(new StringReader("a,b\n"), "f.csv")).Message);
        Assert.Contains("not closed", Assert.Throws<InvalidDataException>(() => TextCsv.Read(new StringReader("text,label\n\"open,x\n"), "f.csv")).Message);
    }

    [Fact]
    public void Teacher_forcing_feeds_the_true_previous_target_and_free_running_feeds_the_own_output()
    {
        float[] exogenous = [1, 2, 3];
        float[] targets = [10, 11, 20, 21, 30, 31];
        float[] inputs = TeacherForcing.Inputs(exogenous, 1, targets, 2, 3, start: [7, 8]);
        Assert.Equal([1, 7, 8, 2, 10, 11, 3, 20, 21], inputs);

        var net = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2)], 8));
        net.InitializeParameters(1);
        float[] free = new float[6];
        net.ResetState();
        TeacherForcing.FreeRun(net, exogenous, 1, 3, free);
        // By hand: feed back the previous output.
        net.ResetState();
        float[] y = new float[2], previous = new float[2];
        for (int t = 0; t < 3; t++)
        {
            net.Step([exogenous[t], previous[0], previous[1]], y);
            Assert.Equal(y, free[(2 * t)..(2 * t + 2)]);
            y.CopyTo(previous, 0);
        }
    }

    [Fact]
    public void Sampling_is_greedy_at_zero_temperature_and_follows_the_distribution_at_one()
    {
        var random = new DeterministicRandom(1);
        float[] p = [0.1f, 0.6f, 0.3f];
        Assert.Equal(1, Generation.Sample(p, 0f, ref random));
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) counts[Generation.Sample(p, 1f, ref random)]++;
        Assert.InRange(counts[0], 2700, 3300);
        Assert.InRange(counts[1], 17_400, 18_600);
        int[] sharp = new int[3];
        for (int i = 0; i < 10_000; i++) sharp[Generation.Sample(p, 0.25f, ref random)]++;
        Assert.True(sharp[1] > 9_000, "a low temperature concentrates on the likeliest");
    }
}
