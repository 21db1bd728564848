using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Samples.Tests;

/// <summary>A sample's run: exit code, output (stdout then stderr) and the folder it ran in.</summary>
public sealed record SampleRun(int ExitCode, string Output, string Folder)
{
    public string[] Lines => Output.Replace("\r\n", "\n").Split('\n');
}

/// <summary>Runs each sample (with each set of arguments) once for all the tests of <see cref="SampleTests"/>, as a
/// user's shell would with its output redirected to a file: TERM names a colour terminal, so a sample that wrote escape
/// codes into a file would be caught.</summary>
public sealed class SampleRuns : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<SampleRun>> _runs = new();
    private readonly string _root = Directory.CreateTempSubdirectory("rnngen-samples-").FullName;
    private int _count;

    public string Root => _root;

    public SampleRun Get(string sample, params string[] arguments) =>
        _runs.GetOrAdd(sample + "\0" + string.Join('\0', arguments), key => new Lazy<SampleRun>(() => Run(sample, arguments))).Value;

    /// <summary>Runs <paramref name="sample"/> now, in a folder of its own.</summary>
    public SampleRun Run(string sample, params string[] arguments)
    {
        string dll = Repository.Built(Path.Combine("samples", sample), sample);
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        return RunFile("dotnet", [dll, .. arguments]);
    }

    public SampleRun RunFile(string file, params string[] arguments)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_root, $"run-{Interlocked.Increment(ref _count)}")).FullName;
        var environment = new Dictionary<string, string> { ["TERM"] = "xterm-256color" };
        var (code, output) = Repository.Run(file, folder, environment, TimeSpan.FromMinutes(4), arguments);
        Assert.True(code != -1, $"{file} {string.Join(' ', arguments)}: {output}");
        return new SampleRun(code, output, folder);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>
/// Every sample, run as a user runs it — no arguments, built-in data — must finish and report a learned result
/// against its baseline (each sample exits 0 only then), in plain text when its output is redirected. Learning tests
/// with fixed seeds, not timing tests.
/// </summary>
public class SampleTests(SampleRuns runs) : IClassFixture<SampleRuns>
{
    public static TheoryData<string, string> Samples() => new()
    {
        { "AddingProblem", "solved" },
        { "ReberGrammar", "learned" },
        { "CharLanguageModel", "learned" },
        { "Sentiment", "learned" },
        { "Forecasting", "learned" },
        { "EchoStateNetwork", "learned" },
        { "SequenceToSequence", "learned" },
    };

    public static TheoryData<string> AllSamples() =>
        ["AddingProblem", "ReberGrammar", "CharLanguageModel", "Sentiment", "Forecasting", "EchoStateNetwork", "SequenceToSequence", "NativeAot", "AmpModel"];

    /// <summary>The closing line of the progress display, drawn from the TrainingResult.</summary>
    private static readonly Regex Stopped = new(@"^(?<title>[^:\n]+): stopped at update (?<updates>[\d,]+) \(", RegexOptions.Multiline);

    /// <summary>A plain progress line (redirected output).</summary>
    private static readonly Regex ProgressLine = new(@"^(?<title>[^:\n]+): +(?<percent>\d+) %  update (?<update>[\d,]+)/(?<total>[\d,]+)  epoch", RegexOptions.Multiline);

    [Theory, MemberData(nameof(Samples))]
    public void Runs_with_no_arguments_and_learns(string sample, string verdict)
    {
        SampleRun run = runs.Get(sample);
        Assert.True(run.ExitCode == 0, $"{sample} exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains(run.Lines, l => l.StartsWith(verdict + ": ", StringComparison.Ordinal));
        if (sample == "AddingProblem") Assert.Contains("faster", run.Output);   // the comparison with the reference runtime
    }

    [Theory, MemberData(nameof(Samples))]
    public void Redirected_output_has_no_escape_codes_carriage_returns_or_hard_wrapping(string sample, string verdict)
    {
        SampleRun run = runs.Get(sample);
        Assert.DoesNotContain('\x1b', run.Output);
        Assert.DoesNotContain('\r', run.Output);
        // The verdict sentence is one line, however long: nothing wraps it at a guessed width of 80 columns.
        string line = Assert.Single(run.Lines, l => l.StartsWith(verdict + ": ", StringComparison.Ordinal));
        Assert.EndsWith(".", line);
        if (sample == "AddingProblem")
            Assert.Contains(run.Lines, l => l.EndsWith("goal: moving-average MSE < 0.01 (predicting the mean scores 0.167)", StringComparison.Ordinal));
        // A Release build says nothing about its build; a Debug build warns.
        Assert.Equal(Repository.Configuration != "Release", run.Output.Contains("warning: this is a Debug build", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Samples))]
    public void The_progress_display_ends_with_the_runs_real_final_update(string sample, string verdict)
    {
        _ = verdict;
        SampleRun run = runs.Get(sample);
        if (sample == "EchoStateNetwork") return;   // no gradient training: the readout is solved in closed form
        MatchCollection stops = Stopped.Matches(run.Output);
        Assert.True(stops.Count > 0, $"{sample}: no closing progress line\n{run.Output}");
        foreach (Match stop in stops)
        {
            // Each closing line comes after that run's progress lines and is at least as far as the last of them.
            string title = stop.Groups["title"].Value;
            long final = long.Parse(stop.Groups["updates"].Value.Replace(",", ""));
            Match[] before = ProgressLine.Matches(run.Output[..stop.Index]).Where(m => m.Groups["title"].Value == title).ToArray();
            Assert.NotEmpty(before);
            Assert.True(final >= long.Parse(before[^1].Groups["update"].Value.Replace(",", "")), stop.Value);
        }
        if (sample == "AddingProblem")
        {
            // The LSTM stops at the goal between two progress reports (every 5 updates): the closing line has the
            // update count of the result table, not of the last report.
            Match row = Regex.Match(run.Output, @"│ LSTM \(generated\)\s+│ (?<updates>[\d,]+)");
            Assert.True(row.Success, run.Output);
            Assert.Contains(stops, s => s.Groups["title"].Value == "LSTM" && s.Groups["updates"].Value == row.Groups["updates"].Value);
            // Percent done is against the goal: near the end of the run it is far past updates/budget (≈ 29 %).
            int percent = ProgressLine.Matches(run.Output).Where(m => m.Groups["title"].Value == "LSTM").Max(m => int.Parse(m.Groups["percent"].Value));
            Assert.True(percent >= 90, $"the LSTM's progress reached only {percent} %\n{run.Output}");
        }
        if (sample == "Forecasting") Assert.Contains(run.Lines, l => l.StartsWith("LSTM: stopped at update ", StringComparison.Ordinal) && l.Contains(" (early stopping: "));
        if (sample == "SequenceToSequence") Assert.Contains(stops, s => s.Groups["title"].Value == "encoder-decoder" && s.Groups["updates"].Value == "3,000");
    }

    [Fact]
    public void Forecasting_writes_its_plot_into_the_output_folder_it_names()
    {
        SampleRun run = runs.Get("Forecasting");
        string plot = Path.Combine(run.Folder, "forecasting-output", "forecast.svg");
        Assert.Contains($"plot of the test part: {plot}", run.Lines);
        Assert.False(File.Exists(Path.Combine(run.Folder, "forecast.svg")), "forecast.svg was written into the current folder");
        string svg = File.ReadAllText(plot);
        Assert.StartsWith("<svg", svg);
        Assert.Contains("<polyline", svg);
    }

    [Fact]
    public void EchoStateNetwork_says_what_it_times_before_the_timing()
    {
        string[] lines = runs.Get("EchoStateNetwork").Lines;
        int announce = Array.FindIndex(lines, l => l.StartsWith("timing the streaming step, generated code against the reference runtime", StringComparison.Ordinal));
        int result = Array.FindIndex(lines, l => l.StartsWith("streaming step (reservoir update + readout): generated", StringComparison.Ordinal));
        Assert.True(announce >= 0 && result == announce + 1, string.Join('\n', lines));
    }

    [Theory, MemberData(nameof(AllSamples))]
    public void Help_says_how_to_use_your_own_data_and_what_the_exit_codes_mean(string sample)
    {
        SampleRun run = runs.Run(sample, "--help");
        Assert.True(run.ExitCode == 0, $"{sample} --help exited with {run.ExitCode}:\n{run.Output}");
        string data = Assert.Single(run.Lines, l => l.StartsWith("data:", StringComparison.Ordinal));
        Assert.Contains("your own data", data);
        Assert.Contains(run.Lines, l => l.StartsWith("exit code: 0 ", StringComparison.Ordinal));
        Assert.DoesNotContain("stopped at update", run.Output);   // it printed the help and trained nothing
        Assert.DoesNotContain("aot sample ok", run.Output);
    }

    [Fact]
    public void NativeAot_says_JIT_when_its_apphost_runs_as_under_dotnet_run()
    {
        // `dotnet run` starts bin/<configuration>/net10.0/NativeAot, the apphost, not `dotnet NativeAot.dll`.
        string apphost = Path.Combine(Path.GetDirectoryName(Repository.Built(Path.Combine("samples", "NativeAot"), "NativeAot"))!, OperatingSystem.IsWindows() ? "NativeAot.exe" : "NativeAot");
        Assert.True(File.Exists(apphost), $"{apphost} is missing: build the solution first.");
        SampleRun run = runs.RunFile(apphost);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("runtime: JIT", run.Lines[0]);
        Assert.Contains("aot sample ok", run.Output);
    }

    [Fact]
    public void CharLanguageModel_keeps_the_unicode_characters_of_your_own_text()
    {
        const string line = "Café, naïve façade — Grüße aus München! 日本の夏は暑い。🙂 Ça va? Über alles. ";
        string file = Path.Combine(runs.Root, "utf8.txt");
        File.WriteAllText(file, string.Concat(Enumerable.Repeat(line + "\n", 30)), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        HashSet<string> runes = line.EnumerateRunes().Append(new Rune('\n')).Select(r => r.ToString()).ToHashSet();

        SampleRun run = runs.Run("CharLanguageModel", "--text", file, "--batch", "4", "--updates", "30", "--length", "300", "--prompt", "日本");
        Assert.True(run.ExitCode is 0 or 1, $"exit code {run.ExitCode}:\n{run.Output}");
        Assert.DoesNotContain('\uFFFD', run.Output);
        // One symbol per code point: the emoji is one (not two UTF-16 halves), nothing became a space.
        string vocabulary = Assert.Single(run.Lines, l => l.StartsWith("vocabulary: ", StringComparison.Ordinal));
        Assert.StartsWith($"vocabulary: {runes.Count} distinct characters (Unicode code points), ", vocabulary);
        foreach (string symbol in new[] { "é", "ï", "ç", "ü", "ß", "日", "本", "。", "🙂", "Ç", "Ü", "—" }) Assert.Contains(" " + symbol, vocabulary);
        Assert.DoesNotContain("share one id", vocabulary);
        // The sampled text is made of the text's own characters, non-ASCII ones among them.
        int start = Array.FindIndex(run.Lines, l => l.StartsWith("sample (temperature", StringComparison.Ordinal));
        int end = Array.FindLastIndex(run.Lines, l => l.StartsWith("learned: ", StringComparison.Ordinal) || l.StartsWith("not learned: ", StringComparison.Ordinal) || l.StartsWith("level with the baseline: ", StringComparison.Ordinal));
        Assert.True(start >= 0 && end > start, run.Output);
        string sampled = string.Join('\n', run.Lines[(start + 1)..end]);
        Assert.StartsWith("日本", sampled);
        Assert.All(sampled.EnumerateRunes(), r => Assert.Contains(r.ToString(), runes));
        Assert.Contains(sampled[2..].EnumerateRunes(), r => r.Value > 0x7F);
    }

    [Fact]
    public void Sentiment_on_your_own_data_calls_a_tie_with_the_baseline_level_and_exits_1()
    {
        // Every text carries one word that gives its label away: the bag of words gets every test row right, and
        // so does the GRU — 100 % against 100 % is level, not learned.
        string file = Path.Combine(runs.Root, "tie.csv");
        string[] subjects = ["the film", "the plot", "the cast", "the music", "the ending", "the script", "the story", "the acting"];
        var csv = new StringBuilder("text,label\n");
        for (int i = 0; i < 240; i++)
        {
            bool good = i % 2 == 0;
            csv.Append($"{subjects[i / 2 % subjects.Length]} was {(good ? "good" : "bad")},{(good ? "pos" : "neg")}\n");
        }
        File.WriteAllText(file, csv.ToString());
        SampleRun run = runs.Run("Sentiment", "--csv", file);
        Assert.Contains("│ bidirectional GRU (this model) │ 100.0 %", run.Output);
        Assert.Contains("│ bag of words (naive Bayes)     │ 100.0 %", run.Output);
        string verdict = Assert.Single(run.Lines, l => l.StartsWith("level with the baseline: ", StringComparison.Ordinal));
        Assert.Contains("test accuracy 100.0 % against 100.0 % for the bag of words", verdict);
        Assert.DoesNotContain(run.Lines, l => l.StartsWith("learned", StringComparison.Ordinal));
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public void A_bad_option_is_refused_with_exit_code_2_and_a_reason()
    {
        SampleRun run = runs.Run("Forecasting", "--horizon", "zero");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--horizon zero: expected an integer", run.Output);
    }
}
