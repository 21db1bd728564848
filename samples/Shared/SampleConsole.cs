using System.Globalization;
using RnnGen.Training;
using Spectre.Console;

namespace RnnGen.Samples;

/// <summary>What every sample shares: the console set-up, the training progress display and the verdict line.</summary>
internal static class SampleConsole
{
    private static bool _started;

    /// <summary>
    /// Sets the console up, once (<see cref="Arguments.Parse"/> calls it first thing): warns on a Debug build, and when
    /// the output is redirected (a file, a pipe, a CI log) writes plain text — no escape codes, no colours and no
    /// wrapping at a guessed width.
    /// </summary>
    public static void Start()
    {
        if (_started) return;
        _started = true;
        BuildCheck.WarnIfDebug();
        if (!Console.IsOutputRedirected) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        AnsiConsole.Profile.Width = 4096;   // a line is as long as its text: files and logs wrap (or not) themselves
    }

    /// <summary>
    /// Runs <paramref name="train"/> with the progress display fed by its <see cref="TrainingProgress"/> reports, and
    /// closes the display with the real outcome from the returned <see cref="TrainingResult"/>.
    /// </summary>
    /// <param name="lossGoal">The run's target loss (TrainerOptions.StopWhenLossBelow), if it has one: percent done and
    /// time left are then measured against it as well as against the planned updates.</param>
    /// <param name="lossName">The loss's name for the closing line.</param>
    public static TrainingResult Train(string title, Func<IProgress<TrainingProgress>, TrainingResult> train, double lossGoal = double.NegativeInfinity, string lossName = "loss")
    {
        Start();
        var view = new ProgressView(title, Console.IsOutputRedirected, TerminalWidth(), lossGoal, lossName);
        TrainingResult result;
        try
        {
            result = train(new ConsoleProgress(view));
        }
        catch
        {
            Console.Out.Write(view.Abort());
            throw;
        }
        Console.Out.Write(view.Finish(result));
        return result;
    }

    /// <summary>Prints the verdict line (see <see cref="Verdict.Sentence"/>) and returns the exit code that goes with it.</summary>
    public static int Conclude(Outcome outcome, string detail, string hint, string learned = "learned", string level = "level with the baseline", string notLearned = "not learned")
    {
        string word = Verdict.Word(outcome, learned, level, notLearned);
        string rest = Verdict.Sentence(outcome, detail, hint, learned, level, notLearned)[word.Length..];
        AnsiConsole.MarkupLine($"[{(outcome == Outcome.Learned ? "green" : "yellow")}]{Markup.Escape(word)}[/]{Markup.Escape(rest)}");
        return Verdict.ExitCode(outcome);
    }

    private static int TerminalWidth()
    {
        if (Console.IsOutputRedirected) return 80;
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
        catch (IOException) { return 80; }
    }

    private sealed class ConsoleProgress(ProgressView view) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            string text = view.Report(p);
            if (text.Length > 0) Console.Out.Write(text);
        }
    }
}

/// <summary>Minimal <c>--name value</c> options with defaults, typed reads and a --help text.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private string? _malformed, _broken;

    private Arguments() { }

    /// <summary>
    /// Sets the console up (<see cref="SampleConsole.Start"/>) and parses <paramref name="args"/>; read the options, then
    /// call <see cref="Finish"/>. For --help prints <paramref name="help"/> and the exit-code policy and returns null
    /// with <paramref name="exitCode"/> 0; for a malformed line, the reason and the help on the error stream, null and 2.
    /// </summary>
    public static Arguments? Parse(string[] args, string help, out int exitCode)
    {
        SampleConsole.Start();
        var parsed = new Arguments();
        exitCode = Verdict.BadArgumentsExitCode;
        string text = help.TrimEnd() + "\n" + Verdict.ExitCodeHelp;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                Console.WriteLine(text);
                exitCode = 0;
                return null;
            }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"{args[i]}: expected --name value pairs.\n{text}");
                return null;
            }
            parsed._values[args[i][2..]] = args[++i];
        }
        return parsed;
    }

    public string? String(string name) { _used.Add(name); return _values.GetValueOrDefault(name); }

    public int Int(string name, int fallback, int min = 1) =>
        Get(name, fallback, s => int.Parse(s, CultureInfo.InvariantCulture), v => v >= min, $"an integer ≥ {min}");

    public float Float(string name, float fallback, float min = 0) =>
        Get(name, fallback, s => float.Parse(s, CultureInfo.InvariantCulture), v => v >= min && float.IsFinite(v), $"a number ≥ {min}");

    public double Double(string name, double fallback, double min = 0) =>
        Get(name, fallback, s => double.Parse(s, CultureInfo.InvariantCulture), v => v >= min && double.IsFinite(v), $"a number ≥ {min}");

    /// <summary>A rule across the options (a range that depends on the model, a pair that goes together): unless
    /// <paramref name="holds"/>, <see cref="Finish"/> reports <paramref name="problem"/>.</summary>
    public void Require(bool holds, string problem)
    {
        if (!holds) _broken ??= problem;
    }

    /// <summary>
    /// Ends reading. When an option was malformed (the first one read), unknown (a typo), or broke a
    /// <see cref="Require"/> rule, in that order, prints that one problem on the error stream and returns false with
    /// <paramref name="exitCode"/> 2; otherwise returns true.
    /// </summary>
    public bool Finish(out int exitCode)
    {
        string? problem = _malformed ?? _values.Keys.Where(name => !_used.Contains(name)).Select(name => $"unknown option --{name} (see --help)").FirstOrDefault() ?? _broken;
        exitCode = problem is null ? 0 : Verdict.BadArgumentsExitCode;
        if (problem is not null) Console.Error.WriteLine(problem);
        return problem is null;
    }

    /// <summary>The option's value, or <paramref name="fallback"/> when it is absent or malformed (and then remembered
    /// for <see cref="Finish"/>).</summary>
    private T Get<T>(string name, T fallback, Func<string, T> parse, Func<T, bool> valid, string what)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out string? text)) return fallback;
        try
        {
            T value = parse(text);
            if (valid(value)) return value;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
        }
        _malformed ??= $"--{name} {text}: expected {what}";
        return fallback;
    }
}
