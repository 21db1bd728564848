using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// The char-LM training step under BenchmarkDotNet, beside the hand-timed <c>-- training</c>:
/// each invocation runs 8 updates of one long-lived <see cref="Trainer"/> (forward, BPTT, shard reduction, clipping,
/// Adam; the same path and options as <see cref="TrainingBenchmark"/>), stopping through its cancellation token after
/// the eighth, so the time per operation is one update. MemoryDiagnoser's figure is the per-call <c>Fit</c>
/// bookkeeping (its result, a stopwatch, the cancellation source) amortised over 8 updates; the updates themselves
/// allocate nothing (asserted by the trainer's allocation test). Epochs are long (4,096 updates at batch 1, 64 at
/// batch 32) so that the per-epoch history stays short.
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --filter '*TrainingStep*'
/// </summary>
[Suite("Training", warmupCount: 5, iterationCount: 10)]
public class TrainingStep
{
    private const int UpdatesPerInvoke = 8;
    private Trainer _trainer = null!;
    private Sequence[] _data = null!;
    private CancellationTokenSource _stop = new();
    private int _updates;

    /// <summary>Model (LSTM(128), LSTM(32), GRU(128)), batch (b) and workers (w), as in docs/performance.md's training
    /// table (batch-1 rows use one worker: one sequence cannot be split).</summary>
    public static IEnumerable<string> Cases => ["LSTM128 b32 w1", "LSTM128 b32 w2", "LSTM128 b1", "LSTM32 b1", "GRU128 b32 w1", "GRU128 b32 w2"];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "LSTM128 b1";

    [GlobalSetup]
    public void Setup()
    {
        Func<IRecurrentNetwork> factory = Case.StartsWith("LSTM128", StringComparison.Ordinal) ? () => new CharLmLstm128()
            : Case.StartsWith("LSTM32", StringComparison.Ordinal) ? () => new CharLmLstm32()
            : () => new CharLmGru128();
        int batch = Case.Contains("b32", StringComparison.Ordinal) ? 32 : 1;
        int workers = Case.EndsWith("w2", StringComparison.Ordinal) ? 2 : 1;
        _data = TrainingBenchmark.Windows(batch * (batch == 1 ? 4096 : 64));   // one epoch
        _trainer = new Trainer(factory, new Adam(2e-3f), new TrainerOptions
        {
            BatchSize = batch, Epochs = int.MaxValue, ClipNorm = 5, Workers = workers, Shards = Math.Min(8, batch), ProgressEvery = 1,
        });
        _trainer.Progress = new TrainingBenchmark.Callback(_ => { if (++_updates == UpdatesPerInvoke) _stop.Cancel(); });
    }

    [Benchmark(OperationsPerInvoke = UpdatesPerInvoke)]
    public long Update()
    {
        _updates = 0;
        if (_stop.IsCancellationRequested) _stop = new CancellationTokenSource();
        _trainer.Fit(_data, null, _stop.Token);
        if (_updates != UpdatesPerInvoke) throw new InvalidOperationException($"ran {_updates} updates, expected {UpdatesPerInvoke}");
        return _trainer.UpdateCount;
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();
}
