namespace RnnGen.Training;

// Epochs: how many updates a run plans and when it stops, each epoch's order, and its close (history, early stopping).
public sealed partial class Trainer
{
    private long Planned(int updatesPerEpoch)
    {
        long planned = (long)updatesPerEpoch * _options.Epochs;
        return _options.MaxUpdates > 0 ? Math.Min(planned, _options.MaxUpdates) : planned;
    }

    /// <summary>A schedule that follows the validation loss (<see cref="LearningRateSchedule.OnPlateau"/>) needs validation data.</summary>
    private void RequireValidation(bool hasValidation, string mode)
    {
        if (hasValidation || !_options.Schedule.NeedsValidation) return;
        throw new ArgumentException($"The learning-rate schedule ({_options.Schedule}) reduces the rate when the validation loss stops " +
            (mode == "stream" ? "falling, and FitStream got no validation stream; pass one." : "falling, and Fit got no validation data; pass a validation set or set ValidationFraction > 0."),
            "validation");
    }

    private bool Stop(long planned, CancellationToken cancellation, ref string reason)
    {
        if (_position.Update >= planned && _options.MaxUpdates > 0) { reason = $"reached MaxUpdates ({_options.MaxUpdates})"; return true; }
        if (_position.SmoothedLoss < _options.StopWhenLossBelow) { reason = $"smoothed loss {_position.SmoothedLoss:G4} < {_options.StopWhenLossBelow}"; return true; }
        if (cancellation.IsCancellationRequested) { reason = "cancelled"; return true; }
        return false;
    }

    /// <summary>Closes an epoch: history, validation, early stopping. Returns true when training should stop.</summary>
    private bool EndEpoch(Evaluation validation, ref string reason)
    {
        double trainLoss = _position.EpochUpdates > 0 ? _position.EpochLossSum / _position.EpochUpdates : double.NaN;
        double validationLoss = validation.Loss;
        _position.History.Add(new EpochSummary(_position.Epoch + 1, trainLoss, validationLoss, validation.Accuracy));
        _position.LastValidation = validationLoss;
        _position.LastValidationAccuracy = validation.Accuracy;
        _options.Schedule.EndEpoch(validationLoss, _baseRate, _position);
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
                _position.BestParameters ??= new float[_parameters.Length];
                MasterParameters.CopyTo(_position.BestParameters);
            }
            return false;
        }
        _position.BadEpochs++;
        if (_options.Patience > 0 && _position.BadEpochs >= _options.Patience)
        {
            reason = $"early stopping: no validation improvement for {_position.BadEpochs} epochs (best {_position.BestValidation:G4})";
            if (_options.RestoreBestParameters && _position.BestParameters is not null)
            {
                _position.BestParameters.CopyTo(MasterParameters);
                MasterChanged();
            }
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
        if (_options.Shuffle) Shuffle(order, Mix((ulong)(uint)_options.Seed, (ulong)epoch + 1));
    }

    /// <summary>Fisher–Yates from the back, with <see cref="DeterministicRandom"/> seeded by <paramref name="seed"/>.</summary>
    private static void Shuffle(int[] order, ulong seed)
    {
        var random = new DeterministicRandom(seed);
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
    public static (IReadOnlyList<Sequence> Training, IReadOnlyList<Sequence> Validation) Split(IReadOnlyList<Sequence> data, double validationFraction, int seed) =>
        SplitOf(data, validationFraction, seed);

    private static (IReadOnlyList<T> Training, IReadOnlyList<T> Validation) SplitOf<T>(IReadOnlyList<T> data, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Expected a fraction in (0, 1).");
        int[] order = new int[data.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Shuffle(order, Mix((ulong)(uint)seed, 0));
        int held = Math.Max(1, (int)Math.Round(data.Count * validationFraction));
        if (held >= data.Count) throw new ArgumentException($"data has {data.Count} sequences; too few to hold out {validationFraction:P0} and keep some for training.", nameof(data));
        int[] validation = order[..held], training = order[held..];
        Array.Sort(validation);
        Array.Sort(training);
        return (new Subset<T>(data, training), new Subset<T>(data, validation));
    }

    private sealed class Subset<T>(IReadOnlyList<T> data, int[] indices) : IReadOnlyList<T>
    {
        public T this[int index] => data[indices[index]];
        public int Count => indices.Length;
        public IEnumerator<T> GetEnumerator() { foreach (int i in indices) yield return data[i]; }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
