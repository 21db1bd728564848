using System.Diagnostics;
using System.Globalization;
using RnnGen.Training;
using Spectre.Console;

namespace RnnGen.Samples;

/// <summary>What every sample shares: a live training progress bar, option parsing and small timing helpers.</summary>
internal static class SampleConsole
{
    /// <summary>
    /// Runs <paramref name="train"/> with a live progress bar (Spectre.Console) fed by the trainer's
    /// <see cref="TrainingProgress"/> reports; when the output is not a terminal, prints a line every 10 %.
    /// </summary>
    public static TrainingResult Train(string title, Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            var lines = new LineProgress(title);
            TrainingResult plain = train(lines);
            lines.Finish();
            return plain;
        }
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(title), maxValue: 1);
                var progress = new BarProgress(task, title);
                result = train(progress);
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result!;
    }

    /// <summary>One line per epoch summary after training.</summary>
    public static void Summary(TrainingResult result, string lossName = "loss")
    {
        AnsiConsole.MarkupLine($"[grey]stopped: {Markup.Escape(result.StopReason)} — {result.Updates:N0} updates in {result.Elapsed.TotalSeconds:F1} s, smoothed training {lossName} {result.SmoothedLoss:G4}[/]");
    }

    private sealed class BarProgress(ProgressTask task, string title) : IProgress<TrainingProgress>
    {
        private long _lastTicks;

        public void Report(TrainingProgress p)
        {
            long now = Stopwatch.GetTimestamp();
            if (p.Update < p.TotalUpdates && Stopwatch.GetElapsedTime(_lastTicks, now).TotalMilliseconds < 100) return;
            _lastTicks = now;
            task.MaxValue = p.TotalUpdates;
            task.Value = p.Update;
            string validation = double.IsNaN(p.ValidationLoss) ? "" : $"  val {p.ValidationLoss:F4}";
            task.Description = Markup.Escape($"{title} {p.Update:N0}/{p.TotalUpdates:N0}  loss {p.SmoothedLoss:F4}{validation}");
        }
    }

    private sealed class LineProgress(string title) : IProgress<TrainingProgress>
    {
        private int _lastDecile = -1;
        private TrainingProgress _last;

        public void Report(TrainingProgress p)
        {
            _last = p;
            int decile = (int)(10 * p.Update / Math.Max(1, p.TotalUpdates));
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            Print(p);
        }

        public void Finish()
        {
            if (_last.Update > 0 && (int)(10 * _last.Update / Math.Max(1, _last.TotalUpdates)) != 10) Print(_last);
        }

        private void Print(TrainingProgress p)
        {
            string validation = double.IsNaN(p.ValidationLoss) ? "" : $"  val {p.ValidationLoss:F4}";
            Console.WriteLine($"{title}: update {p.Update,6:N0}/{p.TotalUpdates:N0}  epoch {p.Epoch}/{p.Epochs}  loss {p.SmoothedLoss:F4}{validation}  {p.SequencesPerSecond:N0} seq/s  {p.Elapsed.TotalSeconds:F1} s");
        }
    }
}

/// <summary>Minimal <c>--name value</c> options with defaults, typed reads and a --help text.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private Arguments() { }

    /// <summary>Parses <paramref name="args"/>; prints <paramref name="help"/> and returns null for --help or a malformed line.</summary>
    public static Arguments? Parse(string[] args, string help)
    {
        var parsed = new Arguments();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help") { Console.WriteLine(help); return null; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"{args[i]}: expected --name value pairs.\n{help}");
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

    /// <summary>Throws for an option nobody read (a typo).</summary>
    public void RejectUnknown()
    {
        foreach (string name in _values.Keys)
            if (!_used.Contains(name)) throw new ArgumentException($"unknown option --{name} (see --help)");
    }

    private T Get<T>(string name, T fallback, Func<string, T> parse, Func<T, bool> valid, string what)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out string? text)) return fallback;
        T value;
        try { value = parse(text); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new ArgumentException($"--{name} {text}: expected {what}"); }
        return valid(value) ? value : throw new ArgumentException($"--{name} {text}: expected {what}");
    }
}
