using System.Globalization;
using RnnGen.Training;

namespace RnnGen.Samples;

/// <summary>
/// What the samples' progress display writes, as text and nothing else (no console), so that it can be tested as it is.
/// On a terminal: one bar redrawn in place (carriage return, erase to the end of the line) at most every 100 ms of
/// training time. When the output is redirected: plain lines, one per tenth of the way, with no escape code and no
/// carriage return. Either way the display ends with the run's real outcome, drawn from the <see cref="TrainingResult"/>
/// (the trainer reports only every ProgressEvery updates, so the last report is not the end).
/// </summary>
/// <remarks>
/// The fraction done (percent, bar, time left) is measured against the run's stop criterion: the planned updates
/// (which already count MaxUpdates), or — when a loss goal is given — how far the smoothed loss has come from its first
/// report towards the goal on a log scale, whichever is further.
/// </remarks>
internal sealed class ProgressView
{
    /// <summary>Erase from the cursor to the end of the line (terminal only).</summary>
    public const string ClearToEnd = "\x1b[K";

    private const int BarCells = 20;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _title;
    private readonly bool _redirected;
    private readonly int _width;
    private readonly double _lossGoal;
    private readonly string _lossName;
    private double _firstLoss = double.NaN;
    private double _shown;
    private int _lastTenth = -1;
    private TimeSpan? _lastDrawn;
    private TrainingProgress? _last;
    private bool _lineOpen;

    /// <param name="title">Names the run on each line.</param>
    /// <param name="redirected">The output is not a terminal (<see cref="Console.IsOutputRedirected"/>).</param>
    /// <param name="width">The terminal's width in columns (a bar line never reaches the last column).</param>
    /// <param name="lossGoal">The run stops when the smoothed loss falls below this (TrainerOptions.StopWhenLossBelow); -∞: no goal.</param>
    /// <param name="lossName">What the loss is, for the closing line ("MSE", "cross-entropy").</param>
    public ProgressView(string title, bool redirected, int width = 80, double lossGoal = double.NegativeInfinity, string lossName = "loss")
    {
        _title = title;
        _redirected = redirected;
        _width = Math.Max(20, width);
        _lossGoal = lossGoal;
        _lossName = lossName;
    }

    /// <summary>The text to write for the report <paramref name="p"/> ("" when nothing is due yet).</summary>
    public string Report(TrainingProgress p)
    {
        if (double.IsNaN(_firstLoss)) _firstLoss = p.SmoothedLoss;
        _last = p;
        // A smoothed loss goes up and down on its way to the goal: the fraction shown never goes back.
        double fraction = _shown = Math.Max(_shown, Fraction(p, _firstLoss, _lossGoal));
        if (_redirected)
        {
            int tenth = (int)Math.Floor(fraction * 10);
            if (tenth == _lastTenth) return "";
            _lastTenth = tenth;
            return PlainLine(p, fraction) + "\n";
        }
        if (_lastDrawn is { } drawn && p.Elapsed - drawn < RedrawInterval && p.Elapsed >= drawn) return "";
        _lastDrawn = p.Elapsed;
        _lineOpen = true;
        return "\r" + Fit(BarLine(p, fraction)) + ClearToEnd;
    }

    /// <summary>The closing text, from the run's result: on a terminal the finished bar (real final update count and
    /// loss) and a summary line; redirected, the summary line alone.</summary>
    public string Finish(TrainingResult result)
    {
        string summary = SummaryLine(result) + "\n";
        if (_redirected) return summary;
        _lineOpen = false;
        long total = Math.Max(_last?.TotalUpdates ?? result.Updates, result.Updates);
        return "\r" + Fit(I($"{_title} {Bar(1)} 100 %  {result.Updates:N0}/{total:N0}  loss {Loss(result.SmoothedLoss)}  {Duration(result.Elapsed)}, done")) + ClearToEnd + "\n" + summary;
    }

    /// <summary>What to write when training threw: ends an open bar line.</summary>
    public string Abort()
    {
        bool open = _lineOpen;
        _lineOpen = false;
        return open ? "\n" : "";
    }

    /// <summary>The summary line: where and why the run stopped, its final smoothed loss, best validation loss and time.</summary>
    public string SummaryLine(TrainingResult r)
    {
        string validation = double.IsFinite(r.BestValidationLoss) ? I($", best validation {_lossName} {r.BestValidationLoss:G4}") : "";
        return I($"{_title}: stopped at update {r.Updates:N0} ({r.StopReason}); smoothed training {_lossName} {r.SmoothedLoss:G4}{validation}; {Duration(r.Elapsed)}");
    }

    /// <summary>A plain line (redirected output).</summary>
    public string PlainLine(TrainingProgress p, double fraction) =>
        I($"{_title}: {Percent(fraction)}  update {p.Update:N0}/{p.TotalUpdates:N0}  epoch {p.Epoch}/{p.Epochs}  loss {Loss(p.SmoothedLoss)}{Validation(p)}{Goal()}  {p.SequencesPerSecond:N0} seq/s  {Duration(p.Elapsed)}, {Left(p, fraction)} left");

    /// <summary>The bar line (terminal), before fitting it to the width.</summary>
    public string BarLine(TrainingProgress p, double fraction) =>
        I($"{_title} {Bar(fraction)} {Percent(fraction)}  {p.Update:N0}/{p.TotalUpdates:N0}  loss {Loss(p.SmoothedLoss)}{Validation(p)}{Goal()}  {Duration(p.Elapsed)}, {Left(p, fraction)} left");

    /// <summary>The fraction of the run done: the planned updates (MaxUpdates included) or the way to the loss goal, whichever is further.</summary>
    public static double Fraction(TrainingProgress p, double firstLoss, double lossGoal) =>
        Math.Max(UpdateFraction(p), GoalFraction(p.SmoothedLoss, firstLoss, lossGoal));

    /// <summary>Updates done of those planned.</summary>
    public static double UpdateFraction(TrainingProgress p) => p.TotalUpdates > 0 ? Math.Clamp((double)p.Update / p.TotalUpdates, 0, 1) : 0;

    /// <summary>How far the loss has come from <paramref name="firstLoss"/> towards <paramref name="goal"/> on a log scale
    /// (0 without a positive goal below the first loss; 1 at or below the goal).</summary>
    public static double GoalFraction(double loss, double firstLoss, double goal)
    {
        if (!(goal > 0) || !(firstLoss > goal) || double.IsNaN(loss)) return 0;
        if (loss <= goal) return 1;
        if (loss >= firstLoss) return 0;
        return Math.Log(firstLoss / loss) / Math.Log(firstLoss / goal);
    }

    /// <summary>Time left at <paramref name="fraction"/>: the trainer's estimate when the planned updates lead, otherwise
    /// the elapsed time scaled by what is left of the way to the goal.</summary>
    public static TimeSpan Remaining(TrainingProgress p, double fraction)
    {
        if (fraction <= UpdateFraction(p)) return p.Remaining;
        if (fraction >= 1) return TimeSpan.Zero;
        double seconds = p.Elapsed.TotalSeconds * (1 - fraction) / fraction;
        return seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
    }

    /// <summary>"12.3 s", "4:05 min", "1:02:03 h"; "?" for an unknown (<see cref="TimeSpan.MaxValue"/>) time.</summary>
    public static string Duration(TimeSpan t)
    {
        if (t == TimeSpan.MaxValue || t < TimeSpan.Zero) return "?";
        if (t.TotalSeconds < 60) return t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";
        if (t.TotalHours < 1) return I($"{(int)t.TotalMinutes}:{t.Seconds:00} min");
        return I($"{(long)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00} h");
    }

    private string Left(TrainingProgress p, double fraction)
    {
        TimeSpan left = Remaining(p, fraction);
        return left == TimeSpan.MaxValue ? "?" : "~" + Duration(left);
    }

    private string Goal() => _lossGoal > double.NegativeInfinity ? I($" (goal < {_lossGoal:G4})") : "";

    private static string Validation(TrainingProgress p) => double.IsNaN(p.ValidationLoss) ? "" : $"  val {Loss(p.ValidationLoss)}";

    private static string Loss(double loss) => loss.ToString("F4", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => I($"{(int)Math.Floor(100 * Math.Clamp(fraction, 0, 1)),3} %");

    private static string Bar(double fraction)
    {
        int full = (int)Math.Round(BarCells * Math.Clamp(fraction, 0, 1));
        return new string('█', full) + new string('░', BarCells - full);
    }

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private string Fit(string line) => line.Length < _width ? line : line[..(_width - 1)];
}
