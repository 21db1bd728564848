using System.Diagnostics;
using System.Globalization;

namespace RnnGen.Peers;

/// <summary>
/// The benchmark method shared by the peers: a warm-up of stepping, then repetitions of N timed steps over a ring of
/// inputs; ns per step (per stream-step for many streams) of each repetition, and a checksum of every output.
/// </summary>
internal static class Harness
{
    public const int RingLength = 1024;
    public const int Repetitions = 7;
    public const int Streams = 256;

    /// <summary>Steps per repetition: 20,000, or PEER_STEPS.</summary>
    public static int Steps => EnvInt("PEER_STEPS", 20_000);

    /// <summary>Batched calls per repetition of a many-stream row: 2,000 (512,000 stream-steps), or PEER_STEPS.</summary>
    public static int StreamCalls => EnvInt("PEER_STEPS", 2_000);

    public static int WarmupMs => EnvInt("PEER_WARMUP_MS", 1_000);

    public static void Run(string peer, Stepper stepper)
    {
        Shape shape = stepper.Shape;
        bool streams = stepper.Batch > 1;
        int steps = streams ? StreamCalls : Steps;
        float[] ring = shape.InputRing();
        int width = stepper.Batch * shape.Input;
        int rows = RingLength;
        int next = 0;

        var warmup = Stopwatch.StartNew();
        double sink = 0;
        while (warmup.ElapsedMilliseconds < WarmupMs)
        {
            for (int i = 0; i < 100; i++)
            {
                sink += stepper.Step(ring.AsSpan(next * shape.Input, width));
                next = (next + stepper.Batch) % rows;
            }
        }

        var perStep = new double[Repetitions];
        double checksum = 0;
        for (int r = 0; r < Repetitions; r++)
        {
            double sum = 0;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                sum += stepper.Step(ring.AsSpan(next * shape.Input, width));
                next = (next + stepper.Batch) % rows;
            }
            long elapsed = Stopwatch.GetTimestamp() - start;
            perStep[r] = elapsed * (1e9 / Stopwatch.Frequency) / ((double)steps * stepper.Batch);
            checksum += sum;
        }
        Console.Error.WriteLine($"# warm-up sink {sink.ToString("G6", CultureInfo.InvariantCulture)}");

        double[] sorted = (double[])perStep.Clone();
        Array.Sort(sorted);
        string mode = streams ? $" mode=streams streams={stepper.Batch}" : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT peer={peer}{mode} cell={shape.Name} in={shape.Input} hidden={shape.Hidden} out={shape.Output} " +
            $"steps={steps} median_ns={sorted[Repetitions / 2]:F1} min_ns={sorted[0]:F1} max_ns={sorted[^1]:F1} " +
            $"checksum={checksum:G9}"));
        Console.Error.WriteLine("# per repetition ns: " +
            string.Join(' ', perStep.Select(v => v.ToString("F1", CultureInfo.InvariantCulture))));
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v
            : fallback;
}
