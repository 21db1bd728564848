using System.Diagnostics;
using System.Globalization;
using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// The char-LM training step (Embedding(65, 32) → LSTM/GRU → Linear(65), T = 64, Adam, clip 5): wall
/// time per update through the <see cref="Trainer"/> (forward, BPTT, shard reduction, clipping, Adam), on one worker
/// and on all cores, with achieved GFLOP/s.
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training
/// </summary>
public static class TrainingBenchmark
{
    public static void Run(TextWriter output, double peakGflops)
    {
        Table.Header(output, "model", "batch", "workers", "ms per training step", "sequences/s", "GFLOP/s", "% of peak (cores used × one core's peak)");
        foreach (var (name, factory, hidden, gates, batch) in new (string, Func<IRecurrentNetwork>, int, int, int)[]
        {
            ("LSTM(128)", () => new CharLmLstm128(), 128, 4, 32),
            ("LSTM(128)", () => new CharLmLstm128(), 128, 4, 1),
            ("LSTM(32)", () => new CharLmLstm32(), 32, 4, 1),
            ("GRU(128)", () => new CharLmGru128(), 128, 3, 32),
        })
        foreach (int workers in batch == 1 ? new[] { 1 } : new[] { 1, Environment.ProcessorCount })
        {
            Sequence[] data = Windows(batch * 8);
            // Forward FLOPs per step: gates·H·(E + H)·2 + V·H·2; training ≈ 3 × forward (forward, dW, dx/dh).
            double flops = 3.0 * 64 * batch * (2.0 * gates * hidden * (32 + hidden) + 2.0 * 65 * hidden);
            TrainerOptions Options(int updates) => new()
            {
                BatchSize = batch, Epochs = 1_000_000, MaxUpdates = updates, ClipNorm = 5, Workers = workers, Shards = Math.Min(8, batch),
            };
            // Warm up for a second, not for a count of updates: a batch-1 update takes a fraction of a millisecond, and the
            // tiered JIT promotes the training loop's methods to optimized code only after tens of calls and a delay (a
            // fixed 15-update warm-up measured part of it in unoptimized code). The timed runs then last ≥ 250 ms each.
            double perUpdate;
            using (var warmUp = new Trainer(factory, new Adam(2e-3f), Options(int.MaxValue)))
            using (var oneSecond = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                var clock = Stopwatch.StartNew();
                warmUp.Fit(data, null, oneSecond.Token);
                perUpdate = clock.Elapsed.TotalMilliseconds / Math.Max(1, warmUp.UpdateCount);
            }
            int timed = Math.Max(12, (int)Math.Ceiling(250 / perUpdate));
            double best = double.MaxValue;
            for (int round = 0; round < 4; round++)
            {
                using var trainer = new Trainer(factory, new Adam(2e-3f), Options(3 + timed));
                long start = 0;
                trainer.Progress = new Callback(p => { if (p.Update == 3) start = Stopwatch.GetTimestamp(); });
                trainer.Fit(data);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds / timed);
            }
            double gflops = flops / (best * 1e6);
            output.WriteLine($"| Embedding(65, 32) → {name} → Linear(65) | {batch} | {workers} | {best.ToString("F2", CultureInfo.InvariantCulture)} | " +
                $"{(batch * 1000 / best).ToString("N0", CultureInfo.InvariantCulture)} | {gflops.ToString("F1", CultureInfo.InvariantCulture)} | {(100 * gflops / (peakGflops * workers)).ToString("F0", CultureInfo.InvariantCulture)} % |");
        }
    }

    /// <summary>Forward + BPTT of one 64-step sequence on one thread (best of 7 rounds of 100), per model.</summary>
    public static void SingleSequence(TextWriter output)
    {
        Table.Header(output, "model", "forward + backward, 64 steps", "forward only");
        foreach (var (name, net) in new (string, IRecurrentNetwork)[] { ("LSTM(128)", new CharLmLstm128()), ("LSTM(32)", new CharLmLstm32()), ("GRU(128)", new CharLmGru128()) })
        {
            net.InitializeParameters(1);
            Sequence s = Windows(1)[0];
            float[] y = new float[64 * 65];
            double both = double.MaxValue, forward = double.MaxValue;
            for (int round = 0; round < 8; round++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < 100; i++) { net.Forward(s.Tokens, 64, y); net.Backward(s.ClassIds); }
                if (round > 0) both = Math.Min(both, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 100);
                start = Stopwatch.GetTimestamp();
                for (int i = 0; i < 100; i++) net.Forward(s.Tokens, 64, y);
                if (round > 0) forward = Math.Min(forward, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 100);
            }
            output.WriteLine($"| {name} | {both.ToString("F0", CultureInfo.InvariantCulture)} µs | {forward.ToString("F0", CultureInfo.InvariantCulture)} µs |");
        }
    }

    internal static Sequence[] Windows(int count)
    {
        var random = new DeterministicRandom(5);
        var windows = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int[] tokens = new int[65];
            for (int t = 0; t < tokens.Length; t++) tokens[t] = random.NextInt(65);
            windows[i] = Sequence.FromTokens(tokens[..64], tokens[1..]);
        }
        return windows;
    }

    internal sealed class Callback(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

/// <summary>
/// The training rows of the peer harness (benchmarks/peers/run.sh): the char-LM update through the <see cref="Trainer"/>
/// (Embedding(65, 32) → LSTM(128) / GRU(128) / LSTM(32) → Linear(65), T = 64, Adam(2e-3), clip 5, <c>shards</c> shards
/// at batch 32, 8 unless given: the Trainer's default)
/// on <c>workers</c> workers: 3 s of updates as warm-up, then 7 repetitions of ≥ 250 ms of updates; one line per row:
/// <c>RESULT peer=rnngen mode=training model=lstm128 batch=32 workers=1 updates=N median_ms=… min_ms=… max_ms=… checksum=…</c>
/// (checksum: the sum of the weights after the run's updates, so that no update can be skipped unseen).
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-peers 1|2 [shards]
/// </summary>
public static class TrainingPeers
{
    public static readonly (string Name, int Batch)[] Rows = [("lstm128", 32), ("gru128", 32), ("lstm128", 1), ("lstm32", 1)];

    public static int Run(int workers, int shards, TextWriter output)
    {
        output.WriteLine($"# peer=rnngen mode=training workers={workers} shards={shards} cores={Environment.ProcessorCount} runtime={Environment.Version}");
        foreach (var (name, batch) in Rows)
        {
            if (batch == 1 && workers > 1) continue;   // one sequence is not split
            Func<IRecurrentNetwork> factory = name switch
            {
                "lstm128" => () => new CharLmLstm128(),
                "lstm32" => () => new CharLmLstm32(),
                _ => () => new CharLmGru128(),
            };
            Sequence[] data = TrainingBenchmark.Windows(batch == 1 ? 4096 : batch * 64);
            int stopAt = 0, seen = 0;
            var stop = new CancellationTokenSource();
            using var trainer = new Trainer(factory, new Adam(2e-3f), new TrainerOptions
            {
                BatchSize = batch, Epochs = int.MaxValue, ClipNorm = 5, Workers = workers, Shards = Math.Min(shards, batch), ProgressEvery = 1,
            });
            trainer.Progress = new TrainingBenchmark.Callback(_ => { if (++seen == stopAt) stop.Cancel(); });
            double RunUpdates(int count)
            {
                seen = 0;
                stopAt = count;
                if (stop.IsCancellationRequested) stop = new CancellationTokenSource();
                long start = Stopwatch.GetTimestamp();
                trainer.Fit(data, null, stop.Token);
                if (seen != count) throw new InvalidOperationException($"ran {seen} updates, expected {count}");
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds / count;
            }
            var warm = Stopwatch.StartNew();
            double perUpdate = RunUpdates(3);
            while (warm.ElapsedMilliseconds < 3000) perUpdate = RunUpdates(Math.Max(1, (int)(100 / perUpdate)));
            int updates = Math.Max(10, (int)Math.Ceiling(250 / perUpdate));
            double[] reps = new double[7];
            for (int r = 0; r < reps.Length; r++) reps[r] = RunUpdates(updates);
            Array.Sort(reps);
            double checksum = 0;
            foreach (float p in trainer.Model.Parameters) checksum += p;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT peer=rnngen mode=training model={name} batch={batch} workers={workers} updates={updates} median_ms={reps[3]:F4} min_ms={reps[0]:F4} max_ms={reps[^1]:F4} checksum={checksum:R}"));
        }
        return 0;
    }
}
