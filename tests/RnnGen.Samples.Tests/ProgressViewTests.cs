using RnnGen.Samples;
using RnnGen.Training;

namespace RnnGen.Samples.Tests;

/// <summary>The samples' progress display (samples/Shared/ProgressView.cs) as text: no terminal needed.</summary>
public class ProgressViewTests
{
    private static TrainingProgress At(long update, long total, double smoothed, double seconds, double validation = double.NaN, int epoch = 1, int epochs = 1) =>
        new(epoch, epochs, update, total, smoothed, smoothed, validation, 1e-3f, 1f, 1000, TimeSpan.FromSeconds(seconds),
            TimeSpan.FromSeconds(update > 0 ? seconds / update * (total - update) : 0));

    private static TrainingResult Result(long updates, double smoothed, string reason, double seconds = 13.7, double bestValidation = double.PositiveInfinity) =>
        new(updates, 1, smoothed, bestValidation, reason, TimeSpan.FromSeconds(seconds), []);

    [Fact]
    public void Redirected_output_is_plain_lines_without_escape_codes_or_carriage_returns()
    {
        var view = new ProgressView("LSTM", redirected: true);
        var text = new System.Text.StringBuilder();
        for (long u = 5; u <= 1000; u += 5) text.Append(view.Report(At(u, 1000, 1.0 / u, u / 100.0)));
        text.Append(view.Finish(Result(1000, 0.001, "completed all epochs")));
        string output = text.ToString();
        Assert.DoesNotContain('\x1b', output);
        Assert.DoesNotContain('\r', output);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // A line per tenth of the way (0 %, 10 %, …, 100 %) and the closing line: a modest rate, whatever ProgressEvery is.
        Assert.Equal(12, lines.Length);
        Assert.StartsWith("LSTM:   0 %  update 5/1,000  epoch 1/1  loss 0.2000", lines[0]);
        Assert.StartsWith("LSTM:  10 %  update 100/1,000", lines[1]);
        Assert.StartsWith("LSTM: 100 %  update 1,000/1,000", lines[10]);
        Assert.All(lines, l => Assert.StartsWith("LSTM:", l));
    }

    [Fact]
    public void The_closing_line_carries_the_final_update_count_and_loss_of_the_result_not_of_the_last_report()
    {
        // The trainer reported every 5 updates; the goal was reached at update 2,904, after the last report (2,900).
        foreach (bool redirected in new[] { true, false })
        {
            var view = new ProgressView("LSTM", redirected, 120, lossGoal: 0.01, lossName: "MSE");
            view.Report(At(5, 10_000, 1.04, 0.2));
            view.Report(At(2_900, 10_000, 0.0102, 13.6));
            string end = view.Finish(Result(2_904, 0.009997, "smoothed loss 0.009997 < 0.01"));
            Assert.Contains("LSTM: stopped at update 2,904 (smoothed loss 0.009997 < 0.01); smoothed training MSE 0.009997; 13.7 s\n", end);
            Assert.DoesNotContain("2,900", end);
            if (redirected)
            {
                Assert.DoesNotContain('\x1b', end);
                Assert.DoesNotContain('\r', end);
            }
            else
            {
                // The finished bar is redrawn in place: full, with the real final count and loss.
                Assert.StartsWith("\rLSTM ████████████████████ 100 %  2,904/10,000  loss 0.0100  13.7 s, done" + ProgressView.ClearToEnd + "\n", end);
            }
        }
    }

    [Fact]
    public void Every_stop_gets_a_closing_line_early_stopping_and_cancellation_included()
    {
        var view = new ProgressView("GRU", redirected: true, lossName: "cross-entropy");
        view.Report(At(5, 2_680, 0.87, 0.2, epochs: 40));
        Assert.Equal("GRU: stopped at update 2,278 (early stopping: no validation improvement for 5 epochs (best 0.04544)); smoothed training cross-entropy 0.03475, best validation cross-entropy 0.04544; 4.4 s\n",
            view.Finish(Result(2_278, 0.03475, "early stopping: no validation improvement for 5 epochs (best 0.04544)", 4.4, 0.04544)));
        var cancelled = new ProgressView("GRU", redirected: true);
        Assert.StartsWith("GRU: stopped at update 17 (cancelled)", cancelled.Finish(Result(17, 0.5, "cancelled")));   // even with no report at all
    }

    [Fact]
    public void Percent_and_time_left_are_measured_against_the_loss_goal_when_it_is_further_than_the_updates()
    {
        // From a first loss of 1 towards a goal of 0.01 (two decades): at 0.1 the way is half done, whatever the budget.
        Assert.Equal(0.5, ProgressView.GoalFraction(0.1, 1, 0.01), 12);
        Assert.Equal(1, ProgressView.GoalFraction(0.009, 1, 0.01));
        Assert.Equal(0, ProgressView.GoalFraction(1.2, 1, 0.01));
        Assert.Equal(0, ProgressView.GoalFraction(0.1, 1, double.NegativeInfinity));   // no goal
        TrainingProgress p = At(2_000, 10_000, 0.1, 10);
        double fraction = ProgressView.Fraction(p, firstLoss: 1, lossGoal: 0.01);
        Assert.Equal(0.5, fraction, 12);                                                 // not 20 % of the planned updates
        Assert.Equal(TimeSpan.FromSeconds(10), ProgressView.Remaining(p, fraction));     // 10 s for the first half
        var view = new ProgressView("LSTM", redirected: true, lossGoal: 0.01);
        view.Report(At(5, 10_000, 1, 0.1));
        string line = view.Report(p);
        Assert.StartsWith("LSTM:  50 %  update 2,000/10,000  epoch 1/1  loss 0.1000 (goal < 0.01)", line);
        Assert.EndsWith("  10.0 s, ~10.0 s left\n", line);
    }

    [Fact]
    public void Without_a_goal_the_fraction_is_the_planned_updates_which_count_MaxUpdates()
    {
        // Trainer.TotalUpdates is min(epochs × batches, MaxUpdates): 600 of a planned 12 epochs of 52.
        TrainingProgress p = At(150, 600, 3.0, 5, epoch: 3, epochs: 12);
        Assert.Equal(0.25, ProgressView.Fraction(p, 4.8, double.NegativeInfinity));
        Assert.Equal(p.Remaining, ProgressView.Remaining(p, 0.25));
        Assert.Equal(TimeSpan.FromSeconds(15), p.Remaining);
    }

    [Fact]
    public void The_fraction_shown_never_goes_back_when_the_smoothed_loss_rises()
    {
        var view = new ProgressView("LSTM", redirected: true, lossGoal: 0.01);
        view.Report(At(5, 10_000, 1, 0.1));
        Assert.StartsWith("LSTM:  40 %", view.Report(At(800, 10_000, 0.158, 3)));
        Assert.Equal("", view.Report(At(860, 10_000, 0.165, 3.1)));   // 39 % by the loss: still the 40 % line's tenth, nothing new
        Assert.Equal("", view.Report(At(900, 10_000, 0.158, 3.2)));
    }

    [Fact]
    public void On_a_terminal_the_bar_is_redrawn_in_place_within_the_width_at_most_every_100_ms()
    {
        var view = new ProgressView("char LM", redirected: false, width: 60);
        string first = view.Report(At(2, 600, 4.58, 1.3));
        Assert.StartsWith("\rchar LM ░░░░░░░░░░░░░░░░░░░░   0 %  2/600", first);
        Assert.EndsWith(ProgressView.ClearToEnd, first);
        Assert.True(first.Length - 1 - ProgressView.ClearToEnd.Length <= 59, first);   // never the last column: no wrap
        Assert.Equal("", view.Report(At(4, 600, 4.5, 1.35)));                         // 50 ms later
        Assert.StartsWith("\rchar LM █████░░░░░░░░░░░░░░░  25 %  150/600", view.Report(At(150, 600, 3.0, 5)));
        Assert.Equal("\n", view.Abort());                                              // training threw: end the line
    }

    [Theory]
    [InlineData(12.34, "12.3 s")]
    [InlineData(245, "4:05 min")]
    [InlineData(3723, "1:02:03 h")]
    public void Durations_read_as_seconds_minutes_or_hours(double seconds, string expected)
    {
        Assert.Equal(expected, ProgressView.Duration(TimeSpan.FromSeconds(seconds)));
        Assert.Equal("?", ProgressView.Duration(TimeSpan.MaxValue));
    }
}
