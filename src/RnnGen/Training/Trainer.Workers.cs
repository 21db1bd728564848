using RnnGen.Kernels;

namespace RnnGen.Training;

// The workers: each owns a replica and its scratch, and runs the shards of one immutable job per pool run.
public sealed partial class Trainer
{
    private Worker[] _workers = [];
    private WorkerPool? _pool;

    // What each pool run does (the delegates are created once) and the job it does it for (set before each run,
    // read once by every worker as it starts; never changed while the workers run).
    private readonly Action<int> _sequenceShards, _streamShards, _streamPrefix;
    private SequenceJob _sequenceJob;
    private StreamJob _streamJob;

    /// <summary>One pool run over sequences: examples <paramref name="Start"/> … Start + Count − 1 of
    /// <paramref name="Examples"/> (through the epoch's order when training), cut into <paramref name="Shards"/> shards.</summary>
    /// <param name="Examples">The data set.</param>
    /// <param name="SetName">Its name in error messages ("training", "validation").</param>
    /// <param name="Start">The batch's first position.</param>
    /// <param name="Count">Examples in the batch.</param>
    /// <param name="Shards">Shards the batch is cut into.</param>
    /// <param name="EvaluateOnly">Losses only: the examples are read in data order and no gradient is kept.</param>
    private readonly record struct SequenceJob(IReadOnlyList<Sequence> Examples, string SetName, int Start, int Count, int Shards, bool EvaluateOnly);

    /// <summary>One pool run over a window of <paramref name="Count"/> parallel streams, cut into <paramref name="Shards"/> shards.</summary>
    /// <param name="Stream">The whole stream; stream b is its steps b·StreamLength … (b + 1)·StreamLength − 1.</param>
    /// <param name="States">Each stream's carried state, read at the window's start (and written at its end when <paramref name="KeepEndState"/>).</param>
    /// <param name="StreamLength">Steps per stream.</param>
    /// <param name="Count">Streams.</param>
    /// <param name="Shards">Shards the streams are cut into.</param>
    /// <param name="WindowStart">The window's first step.</param>
    /// <param name="WindowEnd">The step after its last.</param>
    /// <param name="ScoredFrom">The first step scored; the steps before it were scored by an earlier update.</param>
    /// <param name="EvaluateOnly">Losses only (as sums over the scored steps); no gradient is kept.</param>
    /// <param name="KeepEndState">Store each stream's state at the window's end.</param>
    private readonly record struct StreamJob(
        SequenceStream Stream, float[][] States, int StreamLength, int Count, int Shards,
        int WindowStart, int WindowEnd, int ScoredFrom, bool EvaluateOnly, bool KeepEndState);

    /// <summary>A worker's replica of the network and its scratch, sized for <see cref="Tile"/> sequences of MaxSteps.</summary>
    private sealed class Worker
    {
        public Worker(IRecurrentNetwork network, int tile, EncoderDecoder? pair = null)
        {
            Network = network;
            Pair = pair;
            Tile = tile;
            int steps = tile * network.MaxSteps;
            Outputs = new float[steps * network.OutputSize];
            ClassIds = new int[steps];
            Targets = new float[steps * network.OutputSize];
            Tokens = new int[steps];
            Floats = new float[steps * Math.Max(1, network.InputSize)];
            States = new float[2 * tile * network.StateSize];
        }

        public IRecurrentNetwork Network { get; }

        /// <summary>An encoder–decoder trainer's replica pair (<see cref="Network"/> is its decoder), else null.</summary>
        public EncoderDecoder? Pair { get; }

        /// <summary>Sequences run in lockstep: the batch tile when the network is an <see cref="IBatchedNetwork"/> and
        /// <see cref="TrainerOptions.UseBatchedKernels"/> is on, else 1.</summary>
        public int Tile { get; }

        public float[] Outputs { get; }
        public int[] ClassIds { get; }
        public float[] Targets { get; }
        public int[] Tokens { get; }
        public float[] Floats { get; }
        public float[] States { get; }   // initial states, then final states
    }

    private void EnsureWorkers()
    {
        int workers = Math.Min(_options.Workers, _options.Shards);
        if (_pool is not null) return;
        _workers = new Worker[workers];
        for (int w = 0; w < workers; w++)
        {
            if (_pair is not null)
            {
                EncoderDecoder pair = ReplicaPair();
                _workers[w] = new Worker(pair.Decoder, 1, pair);
                continue;
            }
            IRecurrentNetwork replica = _factory!() ?? throw new InvalidOperationException("The factory returned null.");
            if (!replica.Spec.Equals(_model.Spec))
                throw new InvalidOperationException($"The factory made a different network ({replica.Spec}) from the first one ({_model.Spec}).");
            int tile = _options.UseBatchedKernels && replica is IBatchedNetwork batched ? Math.Max(1, batched.BatchTile) : 1;
            _workers[w] = new Worker(replica, tile);
        }
        _shardGradients = new float[_options.Shards][];
        for (int s = 0; s < _options.Shards; s++) _shardGradients[s] = new float[_parameters.Length];
        _pool = new WorkerPool(workers);
    }

    private void EnsureStreamStates(int streams)
    {
        if (_streamStates.Length == streams) return;
        _streamStates = new float[streams][];
        for (int b = 0; b < streams; b++) _streamStates[b] = new float[_model.StateSize];
    }

    private void PushParameters() => MasterParameters.CopyTo(_parameters);

    /// <summary>Shards a batch of <paramref name="count"/> examples or streams is cut into.</summary>
    private int ShardsFor(int count) => Math.Min(_options.Shards, count);

    /// <summary>Runs <paramref name="job"/> on the workers; returns its shard count (the shard results to read).</summary>
    private int RunSequences(SequenceJob job)
    {
        _sequenceJob = job;
        _pool!.Run(_sequenceShards);
        return job.Shards;
    }

    /// <summary>Runs <paramref name="work"/> for <paramref name="job"/> on the workers; returns its shard count.</summary>
    private int RunStream(Action<int> work, StreamJob job)
    {
        _streamJob = job;
        _pool!.Run(work);
        return job.Shards;
    }

    /// <summary>The examples of shard s are Count·s/Shards … Count·(s + 1)/Shards − 1; worker w takes shards w, w + workers, ….</summary>
    private static (int From, int To) ShardRange(int count, int shards, int s) => (count * s / shards, count * (s + 1) / shards);

    /// <summary>Worker <paramref name="w"/>, its replica loaded with the master parameters.</summary>
    private Worker Ready(int w)
    {
        Worker worker = _workers[w];
        if (worker.Pair is not null) Scatter(_parameters, worker.Pair);
        else _parameters.CopyTo(worker.Network.Parameters);
        return worker;
    }

    private void SequenceShards(int w)
    {
        SequenceJob job = _sequenceJob;
        Worker worker = Ready(w);
        IRecurrentNetwork replica = worker.Network;
        int tile = worker.Tile;
        for (int s = w; s < job.Shards; s += _workers.Length)
        {
            (int from, int to) = ShardRange(job.Count, job.Shards, s);
            replica.ZeroGradients();
            double loss = 0;
            long correct = 0, scored = 0;
            for (int i = from; i < to;)
            {
                // A run of consecutive examples of one length (and kind) goes through the batched kernels together.
                Sequence first = Example(job, i, replica);
                int end = i + 1;
                while (end < to && end - i < tile && SameShape(first, Example(job, end, replica))) end++;
                bool single = end - i == 1 && tile == 1;
                loss += single ? Single(worker, first) : Batch(worker, job, i, end - i, first);
                if (job.EvaluateOnly && _accuracy)
                {
                    (long c, long n) = Score(worker, end - i, first, single);
                    correct += c;
                    scored += n;
                }
                i = end;
            }
            _shardLoss[s] = loss;
            _shardCount[s] = to - from;
            _shardCorrect[s] = correct;
            _shardScored[s] = scored;
            if (!job.EvaluateOnly) replica.Gradients.CopyTo(_shardGradients[s]);
        }
    }

    private Sequence Example(in SequenceJob job, int i, IRecurrentNetwork replica)
    {
        int index = job.EvaluateOnly ? job.Start + i : _order[job.Start + i];
        Sequence example = job.Examples[index];
        string? problem = example.Problem(replica);
        if (problem is not null) throw new ArgumentException($"{job.SetName}[{index}]{problem}", job.SetName);
        return example;
    }

    private static bool SameShape(Sequence a, Sequence b) =>
        a.Steps == b.Steps && (a.Tokens is null) == (b.Tokens is null) && (a.ClassIds is null) == (b.ClassIds is null);

    private static float Single(Worker worker, Sequence example)
    {
        IRecurrentNetwork replica = worker.Network;
        Span<float> y = worker.Outputs.AsSpan(0, (replica.Spec.Output == OutputMode.LastStep ? 1 : example.Steps) * replica.OutputSize);
        if (example.Tokens is not null) replica.Forward(example.Tokens, example.Steps, y);
        else replica.Forward(example.Inputs, example.Steps, y);
        return example.ClassIds is not null ? replica.Backward(example.ClassIds) : replica.Backward(example.Targets);
    }

    /// <summary>Runs examples i … i + n − 1 (one length) through the batched kernels; returns the sum of their losses.</summary>
    private float Batch(Worker worker, in SequenceJob job, int i, int n, Sequence first)
    {
        IRecurrentNetwork replica = worker.Network;
        var batched = (IBatchedNetwork)replica;
        int steps = first.Steps, inputs = replica.InputSize, outputSteps = replica.Spec.Output == OutputMode.LastStep ? 1 : steps;
        int targetWidth = outputSteps * (first.ClassIds is not null ? 1 : replica.OutputSize);
        Span<float> y = worker.Outputs.AsSpan(0, n * outputSteps * replica.OutputSize);
        for (int k = 0; k < n; k++)
        {
            Sequence e = k == 0 ? first : Example(job, i + k, replica);
            if (e.Tokens is not null) e.Tokens.CopyTo(worker.Tokens, k * steps);
            else e.Inputs!.CopyTo(worker.Floats, k * steps * inputs);
            if (e.ClassIds is not null) e.ClassIds.CopyTo(worker.ClassIds, k * targetWidth);
            else e.Targets!.CopyTo(worker.Targets, k * targetWidth);
        }
        if (first.Tokens is not null) batched.ForwardBatch(worker.Tokens.AsSpan(0, n * steps), n, steps, y, default, default);
        else batched.ForwardBatch(worker.Floats.AsSpan(0, n * steps * inputs), n, steps, y, default, default);
        return first.ClassIds is not null
            ? batched.BackwardBatch(worker.ClassIds.AsSpan(0, n * targetWidth))
            : batched.BackwardBatch(worker.Targets.AsSpan(0, n * targetWidth));
    }

    /// <summary>Right predictions among the outputs of the <paramref name="n"/> examples just run (from <paramref name="first"/>'s
    /// own targets when it ran alone, else from the worker's copies); for <see cref="Evaluation.Accuracy"/>.</summary>
    private (long Correct, long Scored) Score(Worker worker, int n, Sequence first, bool single)
    {
        IRecurrentNetwork replica = worker.Network;
        int outputSize = replica.OutputSize, outputSteps = replica.Spec.Output == OutputMode.LastStep ? 1 : first.Steps;
        ReadOnlySpan<float> y = worker.Outputs.AsSpan(0, n * outputSteps * outputSize);
        return first.ClassIds is not null
            ? ClassificationAccuracy.Count(y, outputSize, single ? first.ClassIds : worker.ClassIds.AsSpan(0, n * outputSteps))
            : ClassificationAccuracy.Count(y, single ? first.Targets! : worker.Targets.AsSpan(0, n * outputSteps * outputSize), _accuracyThreshold);
    }

    /// <summary>Advances the streams' carried states over the job's window (forward only, nothing scored).</summary>
    private void StreamPrefix(int w)
    {
        StreamJob job = _streamJob;
        Worker worker = Ready(w);
        int tile = worker.Tile, steps = job.WindowEnd - job.WindowStart;
        for (int s = w; s < job.Shards; s += _workers.Length)
        {
            (int from, int to) = ShardRange(job.Count, job.Shards, s);
            for (int b = from; b < to; b += tile)
            {
                int n = Math.Min(tile, to - b);
                StreamForward(worker, job, b, n, steps, keepEndState: true);
            }
        }
    }

    /// <summary>Runs streams b … b + n − 1 over the job's window from their carried states (batched when the
    /// worker's tile is above 1), optionally storing their end states.</summary>
    private static void StreamForward(Worker worker, in StreamJob job, int b, int n, int steps, bool keepEndState)
    {
        IRecurrentNetwork replica = worker.Network;
        SequenceStream stream = job.Stream;
        float[][] states = job.States;
        int inputs = replica.InputSize, stateSize = replica.StateSize;
        Span<float> y = worker.Outputs.AsSpan(0, n * steps * replica.OutputSize);
        if (replica is IBatchedNetwork batched && worker.Tile > 1)
        {
            Span<float> initial = worker.States.AsSpan(0, n * stateSize), final = worker.States.AsSpan(n * stateSize, n * stateSize);
            for (int k = 0; k < n; k++)
            {
                int offset = (b + k) * job.StreamLength + job.WindowStart;
                states[b + k].CopyTo(initial.Slice(k * stateSize, stateSize));
                if (stream.Tokens is not null) stream.Tokens.AsSpan(offset, steps).CopyTo(worker.Tokens.AsSpan(k * steps, steps));
                else stream.Inputs.AsSpan(offset * inputs, steps * inputs).CopyTo(worker.Floats.AsSpan(k * steps * inputs, steps * inputs));
            }
            if (stream.Tokens is not null) batched.ForwardBatch(worker.Tokens.AsSpan(0, n * steps), n, steps, y, initial, final);
            else batched.ForwardBatch(worker.Floats.AsSpan(0, n * steps * inputs), n, steps, y, initial, final);
            if (keepEndState)
                for (int k = 0; k < n; k++) final.Slice(k * stateSize, stateSize).CopyTo(states[b + k]);
            return;
        }
        int at = b * job.StreamLength + job.WindowStart;
        states[b].CopyTo(replica.CurrentState);
        if (stream.Tokens is not null) replica.ForwardContinue(stream.Tokens.AsSpan(at, steps), steps, y);
        else replica.ForwardContinue(stream.Inputs.AsSpan(at * inputs, steps * inputs), steps, y);
        if (keepEndState) replica.CurrentState.CopyTo(states[b]);
    }

    /// <summary>Runs the job's window of each stream and back-propagates the loss of its scored steps.</summary>
    private void StreamShards(int w)
    {
        StreamJob job = _streamJob;
        Worker worker = Ready(w);
        IRecurrentNetwork replica = worker.Network;
        SequenceStream stream = job.Stream;
        int steps = job.WindowEnd - job.WindowStart, masked = job.ScoredFrom - job.WindowStart, outputSize = replica.OutputSize;
        int tile = worker.Tile;
        for (int s = w; s < job.Shards; s += _workers.Length)
        {
            (int from, int to) = ShardRange(job.Count, job.Shards, s);
            replica.ZeroGradients();
            double loss = 0;
            long correct = 0, scored = 0;
            for (int b = from; b < to; b += tile)
            {
                int n = Math.Min(tile, to - b);
                StreamForward(worker, job, b, n, steps, job.KeepEndState);
                // Targets: the first `masked` steps of each window are not scored (already scored by an earlier update).
                for (int k = 0; k < n; k++)
                {
                    int offset = (b + k) * job.StreamLength + job.WindowStart;
                    if (stream.ClassIds is not null)
                    {
                        Span<int> ids = worker.ClassIds.AsSpan(k * steps, steps);
                        ids[..masked].Fill(Losses<float>.IgnoreIndex);
                        stream.ClassIds.AsSpan(offset + masked, steps - masked).CopyTo(ids[masked..]);
                    }
                    else
                    {
                        Span<float> targets = worker.Targets.AsSpan(k * steps * outputSize, steps * outputSize);
                        targets[..(masked * outputSize)].Fill(float.NaN);
                        stream.Targets.AsSpan((offset + masked) * outputSize, (steps - masked) * outputSize).CopyTo(targets[(masked * outputSize)..]);
                    }
                }
                bool batchedPass = tile > 1;
                if (stream.ClassIds is not null)
                {
                    Span<int> ids = worker.ClassIds.AsSpan(0, n * steps);
                    loss += batchedPass ? ((IBatchedNetwork)replica).BackwardBatch(ids) : replica.Backward(ids);
                }
                else
                {
                    Span<float> targets = worker.Targets.AsSpan(0, n * steps * outputSize);
                    loss += batchedPass ? ((IBatchedNetwork)replica).BackwardBatch(targets) : replica.Backward(targets);
                }
                if (job.EvaluateOnly && _accuracy)
                {
                    // The masked steps carry ignore_index or NaN targets, so only the scored steps count.
                    ReadOnlySpan<float> y = worker.Outputs.AsSpan(0, n * steps * outputSize);
                    (long c, long k) = stream.ClassIds is not null
                        ? ClassificationAccuracy.Count(y, outputSize, worker.ClassIds.AsSpan(0, n * steps))
                        : ClassificationAccuracy.Count(y, worker.Targets.AsSpan(0, n * steps * outputSize), _accuracyThreshold);
                    correct += c;
                    scored += k;
                }
            }
            // Losses are means over the scored steps of each stream; evaluation wants sums.
            _shardLoss[s] = job.EvaluateOnly ? loss * (steps - masked) : loss;
            _shardCount[s] = job.EvaluateOnly ? (long)(to - from) * (steps - masked) : to - from;
            _shardCorrect[s] = correct;
            _shardScored[s] = scored;
            if (!job.EvaluateOnly) replica.Gradients.CopyTo(_shardGradients[s]);
        }
    }
}
