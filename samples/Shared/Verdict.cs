namespace RnnGen.Samples;

/// <summary>Which way a figure improves: an error or a loss is better lower, an accuracy higher.</summary>
internal enum Better
{
    Lower,
    Higher,
}

/// <summary>A sample's verdict on its trained model.</summary>
internal enum Outcome
{
    /// <summary>The figure beats the (best) baseline, or the goal was reached.</summary>
    Learned,

    /// <summary>The figure equals the baseline: nothing was learned beyond it.</summary>
    Level,

    /// <summary>The figure is behind the baseline (or not a number), or the goal was not reached.</summary>
    NotLearned,
}

/// <summary>
/// The verdict every sample prints and the exit code it returns, decided in one place so that the two always agree:
/// exit code 0 only when the model beat its baseline, 1 when it is level with it or behind it, 2 for bad arguments or
/// data that cannot be read.
/// </summary>
internal static class Verdict
{
    public const int LearnedExitCode = 0;
    public const int NotLearnedExitCode = 1;
    public const int BadArgumentsExitCode = 2;

    /// <summary>The exit-code policy, as each sample's --help states it.</summary>
    public const string ExitCodeHelp = "exit code: 0 learned (beat the baseline), 1 level with the baseline or behind it, 2 bad arguments or unreadable data";

    /// <summary><paramref name="figure"/> against <paramref name="baseline"/>: learned only when strictly better, level when
    /// equal; a figure or baseline that is not a number never counts as learned.</summary>
    public static Outcome Compare(double figure, double baseline, Better better)
    {
        if (double.IsNaN(figure) || double.IsNaN(baseline)) return Outcome.NotLearned;
        if (figure == baseline) return Outcome.Level;
        bool ahead = better == Better.Lower ? figure < baseline : figure > baseline;
        return ahead ? Outcome.Learned : Outcome.NotLearned;
    }

    /// <summary>The strongest of several baselines (the lowest error, the highest accuracy), the one to beat.</summary>
    public static double Best(Better better, params double[] baselines)
    {
        if (baselines.Length == 0) throw new ArgumentException("expected at least one baseline", nameof(baselines));
        if (baselines.Any(double.IsNaN)) return double.NaN;
        return better == Better.Lower ? baselines.Min() : baselines.Max();
    }

    /// <summary>A goal (a target loss, every string right) instead of a baseline: reached or not.</summary>
    public static Outcome Goal(bool reached) => reached ? Outcome.Learned : Outcome.NotLearned;

    /// <summary>The exit code of <paramref name="outcome"/>: 0 learned, 1 otherwise.</summary>
    public static int ExitCode(Outcome outcome) => outcome == Outcome.Learned ? LearnedExitCode : NotLearnedExitCode;

    /// <summary>The verdict's first word(s): "learned", "level with the baseline", "not learned" (or the sample's own words).</summary>
    public static string Word(Outcome outcome, string learned = "learned", string level = "level with the baseline", string notLearned = "not learned") =>
        outcome switch { Outcome.Learned => learned, Outcome.Level => level, _ => notLearned };

    /// <summary>
    /// The verdict line: the word, then <paramref name="detail"/> (the figure against the baseline, the same sentence
    /// for every outcome), then <paramref name="hint"/> (what to try) unless it learned.
    /// </summary>
    public static string Sentence(Outcome outcome, string detail, string hint, string learned = "learned", string level = "level with the baseline", string notLearned = "not learned") =>
        $"{Word(outcome, learned, level, notLearned)}: {detail}{(outcome == Outcome.Learned ? "." : $"; {hint}")}";
}
