using RnnGen.Samples;

namespace RnnGen.Samples.Tests;

/// <summary>The samples' shared verdict (samples/Shared/Verdict.cs): learned only when the figure beats the baseline,
/// level on a tie, and the exit code always agreeing with the word printed.</summary>
public class VerdictTests
{
    [Theory]
    [InlineData(0.2, 0.4, "Lower", "Learned")]     // an error below the baseline's
    [InlineData(0.4, 0.4, "Lower", "Level")]
    [InlineData(0.5, 0.4, "Lower", "NotLearned")]
    [InlineData(0.9, 0.6, "Higher", "Learned")]    // an accuracy above the baseline's
    [InlineData(1.0, 1.0, "Higher", "Level")]      // 100 % against 100 %
    [InlineData(0.5, 0.6, "Higher", "NotLearned")]
    [InlineData(double.NaN, 0.4, "Lower", "NotLearned")]
    [InlineData(double.NaN, 0.4, "Higher", "NotLearned")]
    [InlineData(0.2, double.NaN, "Lower", "NotLearned")]
    public void Compare_calls_only_a_strictly_better_figure_learned(double figure, double baseline, string better, string expected)
    {
        // (The enums are internal to the samples' code, so the cases name them.)
        Assert.Equal(Enum.Parse<Outcome>(expected), Verdict.Compare(figure, baseline, Enum.Parse<Better>(better)));
    }

    [Fact]
    public void The_best_baseline_is_the_lowest_error_or_the_highest_accuracy()
    {
        Assert.Equal(3.9, Verdict.Best(Better.Lower, 4.9, 3.9));
        Assert.Equal(0.63, Verdict.Best(Better.Higher, 0.502, 0.63));
        Assert.True(double.IsNaN(Verdict.Best(Better.Lower, 1, double.NaN)));
        // Beating one baseline is not enough: a model between the two is not learned.
        Assert.Equal(Outcome.NotLearned, Verdict.Compare(4.0, Verdict.Best(Better.Lower, 4.9, 3.9), Better.Lower));
    }

    [Fact]
    public void Exit_codes_follow_the_outcome_and_the_help_states_them()
    {
        Assert.Equal(0, Verdict.ExitCode(Outcome.Learned));
        Assert.Equal(1, Verdict.ExitCode(Outcome.Level));
        Assert.Equal(1, Verdict.ExitCode(Outcome.NotLearned));
        Assert.Equal(2, Verdict.BadArgumentsExitCode);
        Assert.Equal(0, Verdict.ExitCode(Verdict.Goal(reached: true)));
        Assert.Equal(1, Verdict.ExitCode(Verdict.Goal(reached: false)));
        Assert.Contains("0 learned", Verdict.ExitCodeHelp);
        Assert.Contains("1 level with the baseline or behind it", Verdict.ExitCodeHelp);
        Assert.Contains("2 bad arguments", Verdict.ExitCodeHelp);
    }

    [Fact]
    public void The_sentence_names_the_outcome_and_gives_the_hint_unless_learned()
    {
        const string detail = "test accuracy 100.0 % against 100.0 % for the bag of words";
        Assert.Equal($"learned: {detail}.", Verdict.Sentence(Outcome.Learned, detail, "try more --epochs"));
        Assert.Equal($"level with the baseline: {detail}; try more --epochs", Verdict.Sentence(Outcome.Level, detail, "try more --epochs"));
        Assert.Equal($"not learned: {detail}; try more --epochs", Verdict.Sentence(Outcome.NotLearned, detail, "try more --epochs"));
        Assert.Equal("not solved: x; y", Verdict.Sentence(Outcome.NotLearned, "x", "y", learned: "solved", notLearned: "not solved"));
    }
}
