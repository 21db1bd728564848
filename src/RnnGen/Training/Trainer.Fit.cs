using System.Diagnostics;

namespace RnnGen.Training;

// The fit loops: a run over sequences, a run over one long stream, and the evaluations they validate with.
public sealed partial class Trainer
{
    /// <summary>
    /// Trains on <paramref name="training"/> (sequences of any lengths up to MaxSteps; nothing is padded).
    /// Validation uses <paramref name="validation"/>, or holds out <see cref="TrainerOptions.ValidationFraction"/>.
    /// Each call is a run of its own (its epochs from the current weights), unless <see cref="LoadCheckpoint"/> loaded an unfinished run, which it continues.
    /// </summary>
    /// <exception cref="ArgumentException">An example does not fit the network (named, with expected and actual sizes), or the
    /// schedule is <see cref="LearningRateSchedule.OnPlateau"/> and there is no validation data.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    public TrainingResult Fit(IReadOnlyList<Sequence> training, IReadOnlyList<Sequence>? validation = null, CancellationToken cancellation = default)
    {
        RequireNetwork(nameof(Fit));
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0) throw new ArgumentException("training has 0 sequences; expected at least one.", nameof(training));
        if (validation is null && _options.ValidationFraction > 0)
            (training, validation) = Split(training, _options.ValidationFraction, _options.Seed);
        if (validation is { Count: 0 }) validation = null;
        RequireValidation(validation is not null, "sequences");
        return FitBatches("sequences", training.Count, (start, n) =>
        {
            if (_options.SortBatchesByLength) SortByLength(training, start, n);
            return RunSequences(new SequenceJob(training, "training", start, n, ShardsFor(n), EvaluateOnly: false));
        }, validation is null ? null : () => Evaluate(validation), cancellation);
    }

    /// <summary>The loop of a run over a data set of <paramref name="count"/> examples: epochs of shuffled batches,
    /// each run by <paramref name="runBatch"/>(first position, examples) on the workers (it returns the shard count),
    /// reduced and applied, with progress, checkpoints and validation by <paramref name="validate"/> after each epoch.</summary>
    private TrainingResult FitBatches(string mode, int count, Func<int, int, int> runBatch, Func<Evaluation>? validate, CancellationToken cancellation)
    {
        int batchesPerEpoch = (count + _options.BatchSize - 1) / _options.BatchSize;
        long planned = Planned(batchesPerEpoch);
        BeginRun(mode, count);
        EnsureWorkers();
        if (_order.Length != count) _order = new int[count];

        var clock = Stopwatch.StartNew();
        long startUpdate = _position.Update, examplesThisRun = 0;
        string reason = "completed all epochs";
        while (_position.Epoch < _options.Epochs)
        {
            int epoch = _position.Epoch;
            Permutation(_order, epoch);
            for (int batch = _position.BatchInEpoch; batch < batchesPerEpoch; batch++)
            {
                if (Stop(planned, cancellation, ref reason)) goto Done;
                int start = batch * _options.BatchSize, n = Math.Min(_options.BatchSize, count - start);
                PushParameters();
                int shards = runBatch(start, n);
                double loss = Reduce(n, shards);
                Update(loss, planned, batchesPerEpoch, batch + 1);
                examplesThisRun += n;
                Report(planned, loss, examplesThisRun, clock.Elapsed, startUpdate);
                if (_options.CheckpointEvery > 0 && _position.Update % _options.CheckpointEvery == 0) SaveCheckpoint(mode, count);
            }
            Evaluation validationResult = validate is null ? Evaluation.None : validate();
            if (EndEpoch(validationResult, ref reason)) { SaveCheckpoint(mode, count); goto Done; }
            if (_options.CheckpointEvery == 0) SaveCheckpoint(mode, count);
        }
    Done:
        return Finish(reason, clock.Elapsed, mode, count);
    }

    /// <summary>
    /// Truncated BPTT over one long stream: the stream is cut into <see cref="TrainerOptions.BatchSize"/> parallel
    /// streams (the remainder is dropped, like PyTorch's batchify) walked in chunks of k1 = <see cref="TrainerOptions.TbpttK1"/>
    /// steps; each update backpropagates through the last k2 = <see cref="TrainerOptions.TbpttK2"/> steps and scores
    /// the k1 new ones; each stream's state is carried from chunk to chunk (and reset at each epoch).
    /// </summary>
    public TrainingResult FitStream(SequenceStream training, SequenceStream? validation = null, CancellationToken cancellation = default)
    {
        RequireNetwork(nameof(FitStream));
        ArgumentNullException.ThrowIfNull(training);
        training.Validate(_model, nameof(training));
        validation?.Validate(_model, nameof(validation));
        RequireValidation(validation is not null, "stream");
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
        var streamJob = new StreamJob(training, _streamStates, length, streams, ShardsFor(streams),
            WindowStart: 0, WindowEnd: 0, ScoredFrom: 0, EvaluateOnly: false, KeepEndState: true);

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
                PushParameters();
                if (_position.StoredPosition < desired)
                {
                    // Advance the carried states to the window's start (forward only).
                    RunStream(_streamPrefix, streamJob with { WindowStart = _position.StoredPosition, WindowEnd = desired });
                    _position.StoredPosition = desired;
                }
                int shards = RunStream(_streamShards,
                    streamJob with { WindowStart = _position.StoredPosition, WindowEnd = t + n, ScoredFrom = t, KeepEndState = k2 == k1 });
                if (k2 == k1) _position.StoredPosition = t + n;   // the job kept the end states
                double loss = Reduce(streams, shards);
                Update(loss, planned, updatesPerEpoch, chunk + 1);
                chunksThisRun += streams;
                Report(planned, loss, chunksThisRun, clock.Elapsed, startUpdate);
                if (_options.CheckpointEvery > 0 && _position.Update % _options.CheckpointEvery == 0) SaveCheckpoint("stream", training.Length);
            }
            Evaluation validationResult = validation is null ? Evaluation.None : EvaluateStream(validation);
            if (EndEpoch(validationResult, ref reason)) { SaveCheckpoint("stream", training.Length); goto Done; }
            if (_options.CheckpointEvery == 0) SaveCheckpoint("stream", training.Length);
        }
    Done:
        return Finish(reason, clock.Elapsed, "stream", training.Length);
    }

    /// <summary>The mean loss of <see cref="Model"/> over <paramref name="data"/> and, for classification losses
    /// (CrossEntropy, BinaryCrossEntropy), its accuracy (no update; uses the workers). The result converts to its loss.</summary>
    public Evaluation Evaluate(IReadOnlyList<Sequence> data)
    {
        RequireNetwork(nameof(Evaluate));
        ArgumentNullException.ThrowIfNull(data);
        return EvaluateBatches(data.Count, (start, n) => RunSequences(new SequenceJob(data, "validation", start, n, ShardsFor(n), EvaluateOnly: true)));
    }

    /// <summary>The mean of the examples' losses over a data set of <paramref name="count"/> examples, run batch by
    /// batch by <paramref name="runBatch"/>(first position, examples) on the workers (it returns the shard count), and
    /// the accuracy the shards counted when the network's loss is a classification loss.</summary>
    private Evaluation EvaluateBatches(int count, Func<int, int, int> runBatch)
    {
        if (count == 0) return Evaluation.None;
        EnsureWorkers();
        double sum = 0;
        long correct = 0, scored = 0;
        PushParameters();
        for (int start = 0; start < count; start += _options.BatchSize)
        {
            int n = Math.Min(_options.BatchSize, count - start);
            int shards = runBatch(start, n);
            for (int s = 0; s < shards; s++) { sum += _shardLoss[s]; correct += _shardCorrect[s]; scored += _shardScored[s]; }
        }
        return new Evaluation(sum / count, ClassificationAccuracy.Share(_accuracy, correct, scored));
    }

    /// <summary>The mean per-step loss of <see cref="Model"/> over a stream, read as BatchSize parallel streams in
    /// chunks of k1 steps with the state carried, and for classification losses the per-step accuracy (no update).
    /// The result converts to its loss.</summary>
    public Evaluation EvaluateStream(SequenceStream data)
    {
        RequireNetwork(nameof(EvaluateStream));
        ArgumentNullException.ThrowIfNull(data);
        data.Validate(_model, nameof(data));
        int streams = _options.BatchSize, length = data.Length / streams, k1 = Math.Min(_options.TbpttK1, _model.MaxSteps);
        if (length < 1) return Evaluation.None;
        EnsureWorkers();
        // Its own states, from zero: the training streams' carried states are left as they are.
        var states = new float[streams][];
        for (int b = 0; b < streams; b++) states[b] = new float[_model.StateSize];
        var streamJob = new StreamJob(data, states, length, streams, ShardsFor(streams),
            WindowStart: 0, WindowEnd: 0, ScoredFrom: 0, EvaluateOnly: true, KeepEndState: true);
        PushParameters();
        double sum = 0;
        long scored = 0, correct = 0, predicted = 0;
        for (int t = 0; t < length; t += k1)
        {
            int shards = RunStream(_streamShards, streamJob with { WindowStart = t, WindowEnd = Math.Min(length, t + k1), ScoredFrom = t });
            for (int s = 0; s < shards; s++) { sum += _shardLoss[s]; scored += _shardCount[s]; correct += _shardCorrect[s]; predicted += _shardScored[s]; }
        }
        return new Evaluation(sum / scored, ClassificationAccuracy.Share(_accuracy, correct, predicted));
    }
}
