namespace RnnGen.Training;

// Checkpoints: the position written beside the parameters and optimizer state, and a run resumed from one.
public sealed partial class Trainer
{
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
}
