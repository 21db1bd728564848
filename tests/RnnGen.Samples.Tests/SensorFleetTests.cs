using System.Text.RegularExpressions;

namespace RnnGen.Samples.Tests;

/// <summary>The SensorFleet sample, run as a user runs it: a 2-silo Orleans cluster in one process, a silo stopped
/// halfway, every stream's steps applied once and the sampled streams equal to a single-process run.</summary>
public sealed class SensorFleetTests(SampleRuns runs) : IClassFixture<SampleRuns>
{
    [Fact]
    public void With_no_arguments_it_serves_the_fleet_and_recovers_the_stopped_silos_streams()
    {
        SampleRun run = runs.Get("SensorFleet");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(run.Lines, l => l.StartsWith("fleet: 2 silos (state in this process's memory), 5,000 streams × 20 steps", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => Regex.IsMatch(l, @"^throughput: [\d,]+ steps/s \(100,000 steps in [\d.]+ s\)$"));
        Assert.Contains(run.Lines, l => Regex.IsMatch(l, @"^latency seen by clients: p50 [\d.]+ ms, p99 [\d.]+ ms$"));
        Assert.Contains(run.Lines, l => Regex.IsMatch(l, @"^batches: [\d,]+ formed, mean [\d.]+ steps, largest \d+$"));
        Match moved = Regex.Match(run.Output, @"silo stopped after step 10: (?<moved>[\d,]+) streams moved to the other silo, (?<recovered>[\d,]+) recovered");
        Assert.True(moved.Success, run.Output);
        Assert.NotEqual("0", moved.Groups["moved"].Value);
        Assert.Equal(moved.Groups["moved"].Value, moved.Groups["recovered"].Value);
        Assert.Contains("weights: release 1 ('detector-2') rolled out to 2 of 2 silos before the stop; 0 later steps on an older version", run.Lines);
        Assert.Contains("checked: 52 streams equal a single-process run bit for bit, 0 differ", run.Output);
        Assert.Contains(run.Lines, l => l.StartsWith("served: 100,000 steps applied once each", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_mode_serves_the_same_streams_batched_and_one_call_per_step()
    {
        SampleRun run = runs.Run("SensorFleet", "--mode", "compare", "--streams", "400", "--steps", "6");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(run.Lines, l => l.Contains("batched (one many-stream Step per batch)", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.Contains("one grain call per step, no batching", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("served: both ways gave the same outputs", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_mode_serves_the_large_model_too()
    {
        SampleRun run = runs.Run("SensorFleet", "--mode", "compare", "--model", "large", "--streams", "200", "--steps", "4");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(run.Lines, l => l.Contains("Lstm(256)", StringComparison.Ordinal) && l.Contains("265,473 parameters", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("fleet: 2 silos (state in this process's memory), large model, 200 streams × 4 steps", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("served: both ways gave the same outputs", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_arguments_exit_2()
    {
        Assert.Equal(2, runs.Run("SensorFleet", "--mode", "fast").ExitCode);
        Assert.Equal(2, runs.Run("SensorFleet", "--redis", "nohostport").ExitCode);
        Assert.Equal(2, runs.Run("SensorFleet", "--model", "huge", "--mode", "compare").ExitCode);
        Assert.Equal(2, runs.Run("SensorFleet", "--model", "large").ExitCode);   // only with --mode compare
    }
}
