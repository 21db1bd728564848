using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace RnnGen.Training;

/// <summary>
/// A fixed team of threads that run one job together and wait for each other: the caller is worker 0, and
/// <c>count − 1</c> background threads are the rest. <see cref="Run"/> allocates nothing.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly PhaseBarrier? _barrier;
    private readonly Thread[] _threads;
    private Action<int>? _job;
    private volatile bool _stopping;
    private ExceptionDispatchInfo? _failure;

    public WorkerPool(int count)
    {
        Count = count;
        _threads = new Thread[count - 1];
        if (count == 1) return;
        _barrier = new PhaseBarrier(count);
        for (int i = 1; i < count; i++)
        {
            int index = i;
            _threads[i - 1] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"RnnGen trainer worker {index}" };
            _threads[i - 1].Start();
        }
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="job"/>(w) for every worker w and returns when all are done; rethrows the first failure.</summary>
    public void Run(Action<int> job)
    {
        if (_barrier is null)
        {
            job(0);
            return;
        }
        _job = job;
        _failure = null;
        _barrier.SignalAndWait();    // start
        Execute(0);
        _barrier.SignalAndWait();    // finish
        _job = null;
        _failure?.Throw();
    }

    private void Loop(int index)
    {
        while (true)
        {
            _barrier!.SignalAndWait();
            if (_stopping) return;
            Execute(index);
            _barrier.SignalAndWait();
        }
    }

    private void Execute(int index)
    {
        try
        {
            _job!(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        }
    }

    public void Dispose()
    {
        if (_barrier is null || _stopping) return;
        _stopping = true;
        _barrier.SignalAndWait();
        foreach (Thread t in _threads) t.Join();
    }

    /// <summary>
    /// A reusable barrier that never allocates: spin briefly, then wait on a monitor. (System.Threading.Barrier's events
    /// allocate their lock object the first time a thread really blocks, which under load can be any update, so an
    /// update was not reliably allocation-free.)
    /// </summary>
    private sealed class PhaseBarrier(int count)
    {
        private readonly object _gate = new();
        private readonly int _count = count;
        private int _remaining = count;
        private long _phase;

        /// <summary>How long a waiting thread spins before it blocks.</summary>
        private static readonly TimeSpan SpinLimit = TimeSpan.FromMilliseconds(2);

        public void SignalAndWait()
        {
            long phase = Volatile.Read(ref _phase);
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _remaining = _count;   // before the phase moves: nobody decrements again until they see it move
                lock (_gate)
                {
                    Volatile.Write(ref _phase, phase + 1);
                    Monitor.PulseAll(_gate);
                }
                return;
            }
            // Spin through the short serial part between two pool runs (reduction, clipping, the optimizer: a few
            // hundred µs) rather than block: a blocked worker's core goes idle, and waking an idle core (on a virtual
            // machine, a halted vCPU) costs up to a millisecond per update. After SpinLimit without a phase change
            // (the trainer between calls, a validation pass), block.
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _phase) == phase)
            {
                if (Stopwatch.GetElapsedTime(start) < SpinLimit)
                {
                    Thread.SpinWait(32);
                    continue;
                }
                lock (_gate)
                {
                    while (Volatile.Read(ref _phase) == phase) Monitor.Wait(_gate);
                }
            }
        }
    }
}
