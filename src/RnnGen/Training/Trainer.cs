using System.Diagnostics;
using System.Numerics.Tensors;
using RnnGen.Kernels;
using RnnGen.Optimization;

namespace RnnGen.Training;

/// <summary>
/// Trains any <see cref="IRecurrentNetwork"/> — a generated model or the reference runtime — with minibatches, an
/// optimizer, gradient clipping, a learning-rate schedule, validation with early stopping, truncated BPTT over long
/// streams, checkpoints that resume exactly, and a NaN guard.
/// </summary>
/// <remarks>
/// <para><b>Data parallelism.</b> Each worker thread owns a replica made by the factory. A batch is cut into
/// <see cref="TrainerOptions.Shards"/> fixed shards; a worker accumulates a shard's gradient in example order, and the
/// shard gradients are summed in shard order. So a fixed seed gives bit-identical weights whatever
/// <see cref="TrainerOptions.Workers"/> is. After warm-up an update allocates nothing.</para>
/// <para><b>Loss.</b> The batch loss is the mean of the examples' losses (each reduced as the network's spec says);
/// the gradient is the gradient of that mean.</para>
/// <para><b>Batched kernels.</b> With a generated model (an <see cref="IBatchedNetwork"/>), sequences of equal length
/// within a shard run in lockstep, up to BatchTile at a time, so each weight block is loaded once per step for all of
/// them; the weights are bit-identical to running them one by one (<see cref="TrainerOptions.UseBatchedKernels"/>).</para>
/// <para><b>Runs.</b> Like Keras' <c>fit</c>, every <c>Fit</c> or <c>FitStream</c> call is a run of its own: it trains
/// <see cref="TrainerOptions.Epochs"/> epochs (or until a stop criterion) from the current weights and optimizer state,
/// with its own schedule, history and early stopping, whatever earlier calls did. The one exception is a run loaded with
/// <see cref="LoadCheckpoint"/> that had not finished: the next call continues it exactly where it stopped.</para>
/// <para><b>Threads.</b> A trainer is used from one thread at a time; <see cref="Model"/> must not be used while
/// <see cref="Fit"/> or <see cref="FitStream"/> runs.</para>
/// </remarks>
public sealed class Trainer : IDisposable
{
    private const int CheckpointVersion = 1;

    private readonly Func<IRecurrentNetwork> _factory;
    private readonly IRecurrentNetwork _model;
    private readonly IOptimizer _optimizer;
    private readonly TrainerOptions _options;
    private readonly float _baseRate;
    private readonly float[] _parameters;         // the master copy handed to the replicas
    private IRecurrentNetwork[] _replicas = [];
    private WorkerPool? _pool;
    private float[][] _shardGradients = [];
    private readonly double[] _shardLoss;
    private readonly long[] _shardCount;
    private float[][] _outputs = [];
    private int[][] _classScratch = [];
    private float[][] _targetScratch = [];
    private int[][] _tokenStaging = [];
    private float[][] _floatStaging = [];
    private float[][] _stateStaging = [];

    // The job the workers run (set before each pool.Run; the delegates are created once).
    private readonly Action<int> _sequenceJob, _streamJob, _streamPrefixJob, _streamEvaluateJob;
    private IReadOnlyList<Sequence>? _examples;
    private string _setName = "training";
    private int[] _order = [];
    private long[] _sortKeys = [];
    private int _batchStart, _batchCount, _shards;
    private bool _evaluateOnly, _keepEndState;
    private SequenceStream? _stream;
    private int _streamLength, _windowStart, _windowEnd, _scoredFrom;
    private float[][] _streamStates = [];

    // Position (restored from a checkpoint).
    private Position _position = new();

    /// <summary>Creates a trainer for the network <paramref name="factory"/> makes (called once for <see cref="Model"/>
    /// and once per extra worker), initialised from <see cref="TrainerOptions.Seed"/>.</summary>
    public Trainer(Func<IRecurrentNetwork> factory, IOptimizer optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(optimizer);
        _options = options ?? new TrainerOptions();
        _options.Validate();
        _factory = factory;
        _model = factory() ?? throw new ArgumentException("The factory returned null.", nameof(factory));
        _model.InitializeParameters(_options.Seed);
        _optimizer = optimizer;
        _baseRate = optimizer.LearningRate;
        Progress = _options.Progress;
        _parameters = new float[_model.ParameterCount];
        _shardLoss = new double[_options.Shards];
        _shardCount = new long[_options.Shards];
        _sequenceJob = SequenceShards;
        _streamJob = StreamShards;
        _streamPrefixJob = StreamPrefix;
        _streamEvaluateJob = StreamShards;
    }

    /// <summary>The trained network (the master parameters). Load weights into it before <c>Fit</c> to fine-tune.</summary>
    public IRecurrentNetwork Model => _model;

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>The options.</summary>
    public TrainerOptions Options => _options;

    /// <summary>Receives progress reports (initially <see cref="TrainerOptions.Progress"/>); may be changed between runs.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Called after each epoch (after validation) with its summary; return true to stop training
    /// (e.g. when a task-specific accuracy is reached). <see cref="Model"/> may be evaluated inside it.</summary>
    public Func<EpochSummary, bool>? StopAfterEpoch { get; set; }

    /// <summary>Updates done so far by this trainer, over all its runs (including those before a resume).</summary>
    public long UpdateCount => _position.UpdatesBefore + _position.Update;

    /// <summary>
    /// Trains on <paramref name="training"/> (sequences of any lengths up to MaxSteps; nothing is padded).
    /// Validation uses <paramref name="validation"/>, or holds out <see cref="TrainerOptions.ValidationFraction"/>.
    /// Each call is a run of its own (its epochs from the current weights), unless <see cref="LoadCheckpoint"/> loaded an unfinished run, which it continues.
    /// </summary>
    /// <exception cref="ArgumentException">An example does not fit the network (named, with expected and actual sizes).</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    public TrainingResult Fit(IReadOnlyList<Sequence> training, IReadOnlyList<Sequence>? validation = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0) throw new ArgumentException("training has 0 sequences; expected at least one.", nameof(training));
        if (validation is null && _options.ValidationFraction > 0)
            (training, validation) = Split(training, _options.ValidationFraction, _options.Seed);
        if (validation is { Count: 0 }) validation = null;

        int count = training.Count;
        int batchesPerEpoch = (count + _options.BatchSize - 1) / _options.BatchSize;
        long planned = Planned(batchesPerEpoch);
        BeginRun("sequences", count);
        EnsureWorkers();
        if (_order.Length != count) _order = new int[count];

        var clock = Stopwatch.StartNew();
        long startUpdate = _position.Update, sequencesThisRun = 0;
        string reason = "completed all epochs";
        while (_position.Epoch < _options.Epochs)
        {
            int epoch = _position.Epoch;
            Permutation(_order, epoch);
            for (int batch = _position.BatchInEpoch; batch < batchesPerEpoch; batch++)
            {
                if (Stop(planned, cancellation, ref reason)) goto Done;
                int start = batch * _options.BatchSize, n = Math.Min(_options.BatchSize, count - start);
                if (_options.SortBatchesByLength) SortByLength(training, start, n);
                _examples = training;
                _setName = "training";
                _evaluateOnly = false;
                _batchStart = start;
                _batchCount = n;
                _shards = Math.Min(_options.Shards, n);
                PushParameters();
                _pool!.Run(_sequenceJob);
                double loss = Reduce(n, out long _);
                Update(loss, planned, batchesPerEpoch, batch + 1);
                sequencesThisRun += n;
                Report(planned, loss, sequencesThisRun, clock.Elapsed, startUpdate);
                if (_options.CheckpointEvery > 0 && _position.Update % _options.CheckpointEvery == 0) SaveCheckpoint("sequences", count);
            }
            double validationLoss = validation is null ? double.NaN : Evaluate(validation);
            if (EndEpoch(validationLoss, ref reason)) { SaveCheckpoint("sequences", count); goto Done; }
            if (_options.CheckpointEvery == 0) SaveCheckpoint("sequences", count);
        }
    Done:
        return Finish(reason, clock.Elapsed, "sequences", count);
    }

    /// <summary>
    /// Truncated BPTT over one long stream: the stream is cut into <see cref="TrainerOptions.BatchSize"/> parallel
    /// streams (the remainder is dropped, like PyTorch's batchify) walked in chunks of k1 = <see cref="TrainerOptions.TbpttK1"/>
    /// steps; each update backpropagates through the last k2 = <see cref="TrainerOptions.TbpttK2"/> steps and scores
    /// the k1 new ones; each stream's state is carried from chunk to chunk (and reset at each epoch).
    /// </summary>
    public TrainingResult FitStream(SequenceStream training, SequenceStream? validation = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        training.Validate(_model, nameof(training));
        validation?.Validate(_model, nameof(validation));
        int k1 = _options.TbpttK1, k2 = _options.TbpttK2 == 0 ? k1 : _options.TbpttK2;
        if (k2 > _model.MaxSteps)
            throw new ArgumentException($"Truncated BPTT needs {k2} steps per pass (k2); the network's MaxSteps is {_model.MaxSteps}.", nameof(training));
        int streams = _options.BatchSize;
        int length = training.Length / streams;
        if (length < 1)
            throw new ArgumentException($"training has {training.Length} steps; expected at least {streams} (one per stream, BatchSize {streams}).", nameof(training));
        int updatesPerEpoch = (length + k1 - 1) / k1;
        long planned = Planned(updatesPerEpoch);
        BeginRun("stream", training.Length);
        EnsureWorkers();
        EnsureStreamStates(streams);

        var clock = Stopwatch.StartNew();
        long startUpdate = _position.Update, chunksThisRun = 0;
        string reason = "completed all epochs";
        while (_position.Epoch < _options.Epochs)
        {
            if (_position.BatchInEpoch == 0)
            {
                foreach (float[] s in _streamStates) Array.Clear(s);
                _position.StoredPosition = 0;
            }
            for (int chunk = _position.BatchInEpoch; chunk < updatesPerEpoch; chunk++)
            {
                if (Stop(planned, cancellation, ref reason)) goto Done;
                int t = chunk * k1, n = Math.Min(k1, length - t);
                int desired = Math.Max(0, t + n - k2);
                _stream = training;
                _streamLength = length;
                _shards = Math.Min(_options.Shards, streams);
                _batchCount = streams;
                PushParameters();
                if (_position.StoredPosition < desired)
                {
                    // Advance the carried states to the window's start (forward only).
                    _windowStart = _position.StoredPosition;
                    _windowEnd = desired;
                    _pool!.Run(_streamPrefixJob);
                    _position.StoredPosition = desired;
                }
                _windowStart = _position.StoredPosition;
                _windowEnd = t + n;
                _scoredFrom = t;
                _evaluateOnly = false;
                _keepEndState = k2 == k1;
                _pool!.Run(_streamJob);
                if (k2 == k1) _position.StoredPosition = t + n;   // the job kept the end states
                double loss = Reduce(streams, out long _);
                Update(loss, planned, updatesPerEpoch, chunk + 1);
                chunksThisRun += streams;
                Report(planned, loss, chunksThisRun, clock.Elapsed, startUpdate);
                if (_options.CheckpointEvery > 0 && _position.Update % _options.CheckpointEvery == 0) SaveCheckpoint("stream", training.Length);
            }
            double validationLoss = validation is null ? double.NaN : EvaluateStream(validation);
            if (EndEpoch(validationLoss, ref reason)) { SaveCheckpoint("stream", training.Length); goto Done; }
            if (_options.CheckpointEvery == 0) SaveCheckpoint("stream", training.Length);
        }
    Done:
        return Finish(reason, clock.Elapsed, "stream", training.Length);
    }

    /// <summary>The mean loss of <see cref="Model"/> over <paramref name="data"/> (no update; uses the workers).</summary>
    public double Evaluate(IReadOnlyList<Sequence> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) return double.NaN;
        EnsureWorkers();
        double sum = 0;
        PushParameters();
        for (int start = 0; start < data.Count; start += _options.BatchSize)
        {
            int n = Math.Min(_options.BatchSize, data.Count - start);
            _examples = data;
            _setName = "validation";
            _evaluateOnly = true;
            _batchStart = start;
            _batchCount = n;
            _shards = Math.Min(_options.Shards, n);
            _pool!.Run(_sequenceJob);
            for (int s = 0; s < _shards; s++) sum += _shardLoss[s];
        }
        _evaluateOnly = false;
        return sum / data.Count;
    }

    /// <summary>The mean per-step loss of <see cref="Model"/> over a stream, read as BatchSize parallel streams in
    /// chunks of k1 steps with the state carried (no update).</summary>
    public double EvaluateStream(SequenceStream data)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.Validate(_model, nameof(data));
        int streams = _options.BatchSize, length = data.Length / streams, k1 = Math.Min(_options.TbpttK1, _model.MaxSteps);
        if (length < 1) return double.NaN;
        EnsureWorkers();
        float[][] saved = _streamStates;
        _streamStates = new float[streams][];
        for (int b = 0; b < streams; b++) _streamStates[b] = new float[_model.StateSize];
        PushParameters();
        double sum = 0;
        long scored = 0;
        try
        {
            for (int t = 0; t < length; t += k1)
            {
                _stream = data;
                _streamLength = length;
                _shards = Math.Min(_options.Shards, streams);
                _batchCount = streams;
                _windowStart = t;
                _windowEnd = Math.Min(length, t + k1);
                _scoredFrom = t;
                _evaluateOnly = true;
                _keepEndState = true;
                _pool!.Run(_streamEvaluateJob);
                for (int s = 0; s < _shards; s++) { sum += _shardLoss[s]; scored += _shardCount[s]; }
            }
        }
        finally
        {
            _streamStates = saved;
            _evaluateOnly = false;
        }
        return sum / scored;
    }

    // ---- workers -------------------------------------------------------------------------------------------

    private void EnsureWorkers()
    {
        int workers = Math.Min(_options.Workers, _options.Shards);
        if (_pool is not null) return;
        _replicas = new IRecurrentNetwork[workers];
        _outputs = new float[workers][];
        _classScratch = new int[workers][];
        _targetScratch = new float[workers][];
        _tokenStaging = new int[workers][];
        _floatStaging = new float[workers][];
        _stateStaging = new float[workers][];
        for (int w = 0; w < workers; w++)
        {
            IRecurrentNetwork replica = _factory() ?? throw new InvalidOperationException("The factory returned null.");
            if (!replica.Spec.Equals(_model.Spec))
                throw new InvalidOperationException($"The factory made a different network ({replica.Spec}) from the first one ({_model.Spec}).");
            _replicas[w] = replica;
            int tile = Tile(replica);
            _outputs[w] = new float[tile * _model.MaxSteps * _model.OutputSize];
            _classScratch[w] = new int[tile * _model.MaxSteps];
            _targetScratch[w] = new float[tile * _model.MaxSteps * _model.OutputSize];
            _tokenStaging[w] = new int[tile * _model.MaxSteps];
            _floatStaging[w] = new float[tile * _model.MaxSteps * Math.Max(1, _model.InputSize)];
            _stateStaging[w] = new float[2 * tile * _model.StateSize];
        }
        _shardGradients = new float[_options.Shards][];
        for (int s = 0; s < _options.Shards; s++) _shardGradients[s] = new float[_model.ParameterCount];
        _pool = new WorkerPool(workers);
    }

    private void EnsureStreamStates(int streams)
    {
        if (_streamStates.Length == streams) return;
        _streamStates = new float[streams][];
        for (int b = 0; b < streams; b++) _streamStates[b] = new float[_model.StateSize];
    }

    private void PushParameters() => _model.Parameters.CopyTo(_parameters);

    /// <summary>Sequences a replica runs in lockstep: its batch tile when it is an <see cref="IBatchedNetwork"/> and
    /// <see cref="TrainerOptions.UseBatchedKernels"/> is on, else 1.</summary>
    private int Tile(IRecurrentNetwork replica) =>
        _options.UseBatchedKernels && replica is IBatchedNetwork batched ? Math.Max(1, batched.BatchTile) : 1;

    private void SequenceShards(int worker)
    {
        IRecurrentNetwork replica = _replicas[worker];
        _parameters.CopyTo(replica.Parameters);
        int tile = Tile(replica);
        for (int s = worker; s < _shards; s += _replicas.Length)
        {
            int from = _batchCount * s / _shards, to = _batchCount * (s + 1) / _shards;
            replica.ZeroGradients();
            double loss = 0;
            for (int i = from; i < to;)
            {
                // A run of consecutive examples of one length (and kind) goes through the batched kernels together.
                Sequence first = Example(i, replica);
                int end = i + 1;
                while (end < to && end - i < tile && SameShape(first, Example(end, replica))) end++;
                loss += end - i == 1 && tile == 1 ? Single(replica, first, worker) : Batch(replica, i, end - i, first, worker);
                i = end;
            }
            _shardLoss[s] = loss;
            _shardCount[s] = to - from;
            if (!_evaluateOnly) replica.Gradients.CopyTo(_shardGradients[s]);
        }
    }

    private Sequence Example(int i, IRecurrentNetwork replica)
    {
        int index = _evaluateOnly ? _batchStart + i : _order[_batchStart + i];
        Sequence example = _examples![index];
        string? problem = example.Problem(replica);
        if (problem is not null) throw new ArgumentException($"{_setName}[{index}]{problem}", _setName);
        return example;
    }

    private static bool SameShape(Sequence a, Sequence b) =>
        a.Steps == b.Steps && (a.Tokens is null) == (b.Tokens is null) && (a.ClassIds is null) == (b.ClassIds is null);

    private float Single(IRecurrentNetwork replica, Sequence example, int worker)
    {
        Span<float> y = _outputs[worker].AsSpan(0, (replica.Spec.Output == OutputMode.LastStep ? 1 : example.Steps) * replica.OutputSize);
        if (example.Tokens is not null) replica.Forward(example.Tokens, example.Steps, y);
        else replica.Forward(example.Inputs, example.Steps, y);
        return example.ClassIds is not null ? replica.Backward(example.ClassIds) : replica.Backward(example.Targets);
    }

    /// <summary>Runs examples i … i + n − 1 (one length) through the batched kernels; returns the sum of their losses.</summary>
    private float Batch(IRecurrentNetwork replica, int i, int n, Sequence first, int worker)
    {
        var batched = (IBatchedNetwork)replica;
        int steps = first.Steps, inputs = replica.InputSize, outputSteps = replica.Spec.Output == OutputMode.LastStep ? 1 : steps;
        int targetWidth = outputSteps * (first.ClassIds is not null ? 1 : replica.OutputSize);
        Span<float> y = _outputs[worker].AsSpan(0, n * outputSteps * replica.OutputSize);
        for (int k = 0; k < n; k++)
        {
            Sequence e = k == 0 ? first : Example(i + k, replica);
            if (e.Tokens is not null) e.Tokens.CopyTo(_tokenStaging[worker], k * steps);
            else e.Inputs!.CopyTo(_floatStaging[worker], k * steps * inputs);
            if (e.ClassIds is not null) e.ClassIds.CopyTo(_classScratch[worker], k * targetWidth);
            else e.Targets!.CopyTo(_targetScratch[worker], k * targetWidth);
        }
        if (first.Tokens is not null) batched.ForwardBatch(_tokenStaging[worker].AsSpan(0, n * steps), n, steps, y, default, default);
        else batched.ForwardBatch(_floatStaging[worker].AsSpan(0, n * steps * inputs), n, steps, y, default, default);
        return first.ClassIds is not null
            ? batched.BackwardBatch(_classScratch[worker].AsSpan(0, n * targetWidth))
            : batched.BackwardBatch(_targetScratch[worker].AsSpan(0, n * targetWidth));
    }

    private void StreamPrefix(int worker)
    {
        IRecurrentNetwork replica = _replicas[worker];
        _parameters.CopyTo(replica.Parameters);
        int tile = Tile(replica), steps = _windowEnd - _windowStart;
        for (int s = worker; s < _shards; s += _replicas.Length)
        {
            int from = _batchCount * s / _shards, to = _batchCount * (s + 1) / _shards;
            for (int b = from; b < to; b += tile)
            {
                int n = Math.Min(tile, to - b);
                StreamForward(replica, worker, b, n, steps, keepEndState: true);
            }
        }
    }

    /// <summary>Runs streams b … b + n − 1 over the current window from their carried states (batched when n &gt; 1 or the
    /// replica is batched), optionally storing their end states.</summary>
    private void StreamForward(IRecurrentNetwork replica, int worker, int b, int n, int steps, bool keepEndState)
    {
        SequenceStream stream = _stream!;
        int inputs = replica.InputSize, stateSize = replica.StateSize;
        Span<float> y = _outputs[worker].AsSpan(0, n * steps * replica.OutputSize);
        if (replica is IBatchedNetwork batched && Tile(replica) > 1)
        {
            Span<float> initial = _stateStaging[worker].AsSpan(0, n * stateSize), final = _stateStaging[worker].AsSpan(n * stateSize, n * stateSize);
            for (int k = 0; k < n; k++)
            {
                int offset = (b + k) * _streamLength + _windowStart;
                _streamStates[b + k].CopyTo(initial.Slice(k * stateSize, stateSize));
                if (stream.Tokens is not null) stream.Tokens.AsSpan(offset, steps).CopyTo(_tokenStaging[worker].AsSpan(k * steps, steps));
                else stream.Inputs.AsSpan(offset * inputs, steps * inputs).CopyTo(_floatStaging[worker].AsSpan(k * steps * inputs, steps * inputs));
            }
            if (stream.Tokens is not null) batched.ForwardBatch(_tokenStaging[worker].AsSpan(0, n * steps), n, steps, y, initial, final);
            else batched.ForwardBatch(_floatStaging[worker].AsSpan(0, n * steps * inputs), n, steps, y, initial, final);
            if (keepEndState)
                for (int k = 0; k < n; k++) final.Slice(k * stateSize, stateSize).CopyTo(_streamStates[b + k]);
            return;
        }
        int at = b * _streamLength + _windowStart;
        _streamStates[b].CopyTo(replica.CurrentState);
        if (stream.Tokens is not null) replica.ForwardContinue(stream.Tokens.AsSpan(at, steps), steps, y);
        else replica.ForwardContinue(stream.Inputs.AsSpan(at * inputs, steps * inputs), steps, y);
        if (keepEndState) replica.CurrentState.CopyTo(_streamStates[b]);
    }

    private void StreamShards(int worker)
    {
        IRecurrentNetwork replica = _replicas[worker];
        _parameters.CopyTo(replica.Parameters);
        SequenceStream stream = _stream!;
        int steps = _windowEnd - _windowStart, masked = _scoredFrom - _windowStart, outputSize = replica.OutputSize;
        int tile = Tile(replica);
        for (int s = worker; s < _shards; s += _replicas.Length)
        {
            replica.ZeroGradients();
            double loss = 0;
            int from = _batchCount * s / _shards, to = _batchCount * (s + 1) / _shards;
            for (int b = from; b < to; b += tile)
            {
                int n = Math.Min(tile, to - b);
                StreamForward(replica, worker, b, n, steps, _keepEndState);
                // Targets: the first `masked` steps of each window are not scored (already scored by an earlier update).
                for (int k = 0; k < n; k++)
                {
                    int offset = (b + k) * _streamLength + _windowStart;
                    if (stream.ClassIds is not null)
                    {
                        Span<int> ids = _classScratch[worker].AsSpan(k * steps, steps);
                        ids[..masked].Fill(Losses<float>.IgnoreIndex);
                        stream.ClassIds.AsSpan(offset + masked, steps - masked).CopyTo(ids[masked..]);
                    }
                    else
                    {
                        Span<float> targets = _targetScratch[worker].AsSpan(k * steps * outputSize, steps * outputSize);
                        targets[..(masked * outputSize)].Fill(float.NaN);
                        stream.Targets.AsSpan((offset + masked) * outputSize, (steps - masked) * outputSize).CopyTo(targets[(masked * outputSize)..]);
                    }
                }
                bool batchedPass = tile > 1;
                if (stream.ClassIds is not null)
                {
                    Span<int> ids = _classScratch[worker].AsSpan(0, n * steps);
                    loss += batchedPass ? ((IBatchedNetwork)replica).BackwardBatch(ids) : replica.Backward(ids);
                }
                else
                {
                    Span<float> targets = _targetScratch[worker].AsSpan(0, n * steps * outputSize);
                    loss += batchedPass ? ((IBatchedNetwork)replica).BackwardBatch(targets) : replica.Backward(targets);
                }
            }
            // Losses are means over the scored steps of each stream; evaluation wants sums.
            _shardLoss[s] = _evaluateOnly ? loss * (steps - masked) : loss;
            _shardCount[s] = _evaluateOnly ? (long)(to - from) * (steps - masked) : to - from;
            if (!_evaluateOnly) replica.Gradients.CopyTo(_shardGradients[s]);
        }
    }

    /// <summary>Sums the shard gradients in shard order into the model's gradients, scaled to the batch mean; returns the mean loss.</summary>
    private double Reduce(int count, out long items)
    {
        Span<float> g = _model.Gradients;
        _shardGradients[0].CopyTo(g);
        for (int s = 1; s < _shards; s++) VectorKernels.Add(_shardGradients[s], g);
        TensorPrimitives.Multiply(g, 1f / count, g);   // one IEEE product each, as a loop would
        double loss = 0;
        items = 0;
        for (int s = 0; s < _shards; s++) { loss += _shardLoss[s]; items += _shardCount[s]; }
        return loss / count;
    }

    // ---- the update and the bookkeeping around it ------------------------------------------------------------

    private void Update(double loss, long planned, int batchesPerEpoch, int nextBatch)
    {
        long update = _position.Update + 1;
        Span<float> g = _model.Gradients;
        float norm = _options.ClipNorm > 0 ? GradientClipping.ClipByGlobalNorm(g, _options.ClipNorm) : GradientClipping.GlobalNorm(g);
        if (!double.IsFinite(loss) || !float.IsFinite(norm))
        {
            string what = !double.IsFinite(loss) ? $"the loss is {loss}" : $"the gradient norm is {norm}";
            throw new TrainingDivergedException(
                $"Training diverged at update {update} (epoch {_position.Epoch + 1}): {what}. The parameters are those before this update" +
                (_options.CheckpointPath is null ? "." : $"; the last good checkpoint, {_options.CheckpointPath}, is intact.") +
                " Lower the learning rate, clip gradients (ClipNorm) or check the data for NaN or Inf.", update);
        }
        float rate = _options.Schedule.RateAt(_position.Update, planned, _baseRate);
        _optimizer.LearningRate = rate;
        _optimizer.Step(_model.Parameters, g);
        _position.Update = update;
        _position.BatchInEpoch = nextBatch == batchesPerEpoch ? batchesPerEpoch : nextBatch;
        _position.SmoothedLoss = double.IsNaN(_position.SmoothedLoss) ? loss : _options.LossSmoothing * _position.SmoothedLoss + (1 - _options.LossSmoothing) * loss;
        _position.EpochLossSum += loss;
        _position.EpochUpdates++;
        _position.LastRate = rate;
        _position.LastNorm = norm;
    }

    private long Planned(int updatesPerEpoch)
    {
        long planned = (long)updatesPerEpoch * _options.Epochs;
        return _options.MaxUpdates > 0 ? Math.Min(planned, _options.MaxUpdates) : planned;
    }

    private bool Stop(long planned, CancellationToken cancellation, ref string reason)
    {
        if (_position.Update >= planned && _options.MaxUpdates > 0) { reason = $"reached MaxUpdates ({_options.MaxUpdates})"; return true; }
        if (_position.SmoothedLoss < _options.StopWhenLossBelow) { reason = $"smoothed loss {_position.SmoothedLoss:G4} < {_options.StopWhenLossBelow}"; return true; }
        if (cancellation.IsCancellationRequested) { reason = "cancelled"; return true; }
        return false;
    }

    /// <summary>The time <paramref name="updatesLeft"/> updates take at <paramref name="secondsPerUpdate"/>; <see cref="TimeSpan.MaxValue"/>
    /// beyond its range (Epochs = int.MaxValue, "until cancelled", plans 10¹² updates and more).</summary>
    internal static TimeSpan Remaining(long updatesLeft, double secondsPerUpdate)
    {
        double seconds = Math.Max(0, updatesLeft) * secondsPerUpdate;
        return seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
    }

    private void Report(long planned, double loss, long sequences, TimeSpan elapsed, long startUpdate)
    {
        if (Progress is null) return;
        bool last = _position.Update >= planned;
        if (_position.Update % _options.ProgressEvery != 0 && !last) return;
        long done = _position.Update - startUpdate;
        double perUpdate = done > 0 ? elapsed.TotalSeconds / done : 0;
        TimeSpan remaining = Remaining(planned - _position.Update, perUpdate);
        Progress.Report(new TrainingProgress(
            _position.Epoch + 1, _options.Epochs, _position.Update, planned, loss, _position.SmoothedLoss, _position.LastValidation,
            _position.LastRate, _position.LastNorm, elapsed.TotalSeconds > 0 ? sequences / elapsed.TotalSeconds : 0, elapsed, remaining));
    }

    /// <summary>Closes an epoch: history, validation, early stopping. Returns true when training should stop.</summary>
    private bool EndEpoch(double validationLoss, ref string reason)
    {
        double trainLoss = _position.EpochUpdates > 0 ? _position.EpochLossSum / _position.EpochUpdates : double.NaN;
        _position.History.Add(new EpochSummary(_position.Epoch + 1, trainLoss, validationLoss));
        _position.LastValidation = validationLoss;
        _position.Epoch++;
        _position.BatchInEpoch = 0;
        _position.EpochLossSum = 0;
        _position.EpochUpdates = 0;
        if (StopAfterEpoch is not null && StopAfterEpoch(_position.History[^1]))
        {
            reason = "StopAfterEpoch asked to stop";
            _position.Epoch = _options.Epochs;
            return true;
        }
        if (double.IsNaN(validationLoss)) return false;
        if (validationLoss < _position.BestValidation - _options.MinDelta)
        {
            _position.BestValidation = validationLoss;
            _position.BadEpochs = 0;
            if (_options.Patience > 0 && _options.RestoreBestParameters)
            {
                _position.BestParameters ??= new float[_model.ParameterCount];
                _model.Parameters.CopyTo(_position.BestParameters);
            }
            return false;
        }
        _position.BadEpochs++;
        if (_options.Patience > 0 && _position.BadEpochs >= _options.Patience)
        {
            reason = $"early stopping: no validation improvement for {_position.BadEpochs} epochs (best {_position.BestValidation:G4})";
            if (_options.RestoreBestParameters && _position.BestParameters is not null)
                _position.BestParameters.CopyTo(_model.Parameters);
            _position.Epoch = _options.Epochs;   // finished: a resume does not train further
            return true;
        }
        return false;
    }

    private TrainingResult Finish(string reason, TimeSpan elapsed, string mode, long dataLength)
    {
        if (_options.CheckpointPath is not null) SaveCheckpoint(mode, dataLength);
        return new TrainingResult(_position.Update, _position.History.Count, _position.SmoothedLoss, _position.BestValidation, reason, elapsed,
            _position.History.ToArray());
    }

    private void Permutation(int[] order, int epoch)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!_options.Shuffle) return;
        var random = new DeterministicRandom(Mix((ulong)(uint)_options.Seed, (ulong)epoch + 1));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>Orders one batch's examples by length (ties by position), so that runs of equal length go through
    /// the batched kernels together; allocation-free.</summary>
    private void SortByLength(IReadOnlyList<Sequence> data, int start, int n)
    {
        if (_sortKeys.Length < n) _sortKeys = new long[Math.Max(n, _options.BatchSize)];
        for (int i = 0; i < n; i++) _sortKeys[i] = ((long)data[_order[start + i]].Steps << 32) | (uint)i;
        _sortKeys.AsSpan(0, n).Sort(_order.AsSpan(start, n));
    }

    private static ulong Mix(ulong a, ulong b) => (a * 0x9E3779B97F4A7C15UL) ^ (b + 0x632BE59BD9B4E019UL + (a << 6) + (a >> 2));

    /// <summary>Splits <paramref name="data"/> into training and validation parts, the validation part chosen by <paramref name="seed"/>.</summary>
    public static (IReadOnlyList<Sequence> Training, IReadOnlyList<Sequence> Validation) Split(IReadOnlyList<Sequence> data, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Expected a fraction in (0, 1).");
        int[] order = new int[data.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var random = new DeterministicRandom(Mix((ulong)(uint)seed, 0));
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int held = Math.Max(1, (int)Math.Round(data.Count * validationFraction));
        if (held >= data.Count) throw new ArgumentException($"data has {data.Count} sequences; too few to hold out {validationFraction:P0} and keep some for training.", nameof(data));
        int[] validation = order[..held], training = order[held..];
        Array.Sort(validation);
        Array.Sort(training);
        return (new Subset(data, training), new Subset(data, validation));
    }

    private sealed class Subset(IReadOnlyList<Sequence> data, int[] indices) : IReadOnlyList<Sequence>
    {
        public Sequence this[int index] => data[indices[index]];
        public int Count => indices.Length;
        public IEnumerator<Sequence> GetEnumerator() { foreach (int i in indices) yield return data[i]; }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    // ---- checkpoints -----------------------------------------------------------------------------------------

    /// <summary>Writes a checkpoint now to <paramref name="path"/> (or <see cref="TrainerOptions.CheckpointPath"/>).</summary>
    private void SaveCheckpoint(string mode, long dataLength, string? path = null)
    {
        path ??= _options.CheckpointPath;
        if (path is null) return;
        var state = new TrainerCheckpoint
        {
            Version = CheckpointVersion,
            Mode = mode,
            DataLength = dataLength,
            Seed = _options.Seed,
            BatchSize = _options.BatchSize,
            Shards = _options.Shards,
            UpdatesBefore = _position.UpdatesBefore,
            Update = _position.Update,
            Epoch = _position.Epoch,
            BatchInEpoch = _position.BatchInEpoch,
            SmoothedLoss = _position.SmoothedLoss,
            EpochLossSum = _position.EpochLossSum,
            EpochUpdates = _position.EpochUpdates,
            BestValidation = _position.BestValidation,
            LastValidation = _position.LastValidation,
            BadEpochs = _position.BadEpochs,
            StoredPosition = _position.StoredPosition,
            BaseLearningRate = _baseRate,
            Optimizer = _optimizer.GetType().Name,
            OptimizerSteps = _optimizer.StepCount,
            History = _position.History.ToArray(),
        };
        Checkpoint.Save(path, _model, _optimizer, state, _position.BestParameters, mode == "stream" ? _streamStates : null);
    }

    /// <summary>Loads a checkpoint written by this trainer's options (parameters, optimizer state, position);
    /// the next <c>Fit</c>/<c>FitStream</c> with the same data continues exactly where it stopped.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this network and optimizer.</exception>
    public void LoadCheckpoint(string path)
    {
        (TrainerCheckpoint state, float[]? best, float[][]? streams) = Checkpoint.Load(path, _model, _optimizer);
        if (state.Seed != _options.Seed || state.BatchSize != _options.BatchSize || state.Shards != _options.Shards)
            throw new InvalidDataException($"{path}: written with Seed {state.Seed}, BatchSize {state.BatchSize}, Shards {state.Shards}; " +
                $"this trainer has Seed {_options.Seed}, BatchSize {_options.BatchSize}, Shards {_options.Shards}. Resume with the same options.");
        if (Math.Abs(state.BaseLearningRate - _baseRate) > 0)
            throw new InvalidDataException($"{path}: written with base learning rate {state.BaseLearningRate}; this trainer's optimizer starts at {_baseRate}.");
        _position = new Position
        {
            UpdatesBefore = state.UpdatesBefore,
            Update = state.Update,
            Epoch = state.Epoch,
            BatchInEpoch = state.BatchInEpoch,
            SmoothedLoss = state.SmoothedLoss,
            EpochLossSum = state.EpochLossSum,
            EpochUpdates = state.EpochUpdates,
            BestValidation = state.BestValidation,
            LastValidation = state.LastValidation,
            BadEpochs = state.BadEpochs,
            StoredPosition = state.StoredPosition,
            BestParameters = best,
            History = [.. state.History],
            ResumeMode = state.Mode,
            ResumeDataLength = state.DataLength,
        };
        if (streams is not null) _streamStates = streams;
    }

    /// <summary>Continues the unfinished run of a loaded checkpoint (same data required), or starts a new run: a fresh
    /// position (epoch, schedule, history, early stopping) from the current weights and optimizer state.</summary>
    private void BeginRun(string mode, long dataLength)
    {
        if (_position.ResumeMode is null || _position.Epoch >= _options.Epochs)
        {
            _position = new Position { UpdatesBefore = _position.UpdatesBefore + _position.Update };
            return;
        }
        if (_position.ResumeMode != mode || _position.ResumeDataLength != dataLength)
            throw new InvalidOperationException($"The loaded checkpoint was written by {(_position.ResumeMode == "stream" ? "FitStream" : "Fit")} over {_position.ResumeDataLength} " +
                $"{(_position.ResumeMode == "stream" ? "steps" : "sequences")}; this call is {(mode == "stream" ? "FitStream" : "Fit")} over {dataLength}. Resume with the same data.");
        _position.ResumeMode = null;
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool?.Dispose();

    private sealed class Position
    {
        public long UpdatesBefore;   // updates of earlier runs
        public long Update;          // updates of this run
        public int Epoch;
        public int BatchInEpoch;
        public double SmoothedLoss = double.NaN;
        public double EpochLossSum;
        public int EpochUpdates;
        public double BestValidation = double.PositiveInfinity;
        public double LastValidation = double.NaN;
        public int BadEpochs;
        public int StoredPosition;
        public float LastRate;
        public float LastNorm;
        public float[]? BestParameters;
        public List<EpochSummary> History = [];
        public string? ResumeMode;
        public long ResumeDataLength;
    }
}
