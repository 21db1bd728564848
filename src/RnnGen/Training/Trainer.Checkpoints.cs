namespace RnnGen.Training;

// Checkpoints: the position written beside the parameters and optimizer state, and a run resumed from one.
public sealed partial class Trainer
{
    /// <summary>Writes a checkpoint now to <paramref name="path"/> (or <see cref="TrainerOptions.CheckpointPath"/>).</summary>
    private void SaveCheckpoint(string mode, long dataLength, string? path = null)
    {
        path ??= _options.CheckpointPath;
        if (path is null) return;
        // The position is the checkpoint's content; it records what it is written with.
        _position.Version = CheckpointVersion;
        _position.Mode = mode;
        _position.DataLength = dataLength;
        _position.Seed = _options.Seed;
        _position.BatchSize = _options.BatchSize;
        _position.Shards = _options.Shards;
        _position.BaseLearningRate = _baseRate;
        _position.Optimizer = _optimizer.GetType().Name;
        _position.OptimizerSteps = _optimizer.StepCount;
        Checkpoint.Save(path, Checkpoint.Parts(_model, _pair), MasterParameters, _optimizer, _position, _position.BestParameters, mode == "stream" ? _streamStates : null);
    }

    /// <summary>Loads a checkpoint written by this trainer's options (parameters, optimizer state, position);
    /// the next <c>Fit</c>/<c>FitStream</c> with the same data continues exactly where it stopped.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this network and optimizer.</exception>
    public void LoadCheckpoint(string path)
    {
        (Position state, float[]? best, float[][]? streams) = Checkpoint.Load(path, Checkpoint.Parts(_model, _pair), MasterParameters, _optimizer, saved =>
        {
            if (saved.Seed != _options.Seed || saved.BatchSize != _options.BatchSize || saved.Shards != _options.Shards)
                throw new InvalidDataException($"{path}: written with Seed {saved.Seed}, BatchSize {saved.BatchSize}, Shards {saved.Shards}; " +
                    $"this trainer has Seed {_options.Seed}, BatchSize {_options.BatchSize}, Shards {_options.Shards}. Resume with the same options.");
            if (Math.Abs(saved.BaseLearningRate - _baseRate) > 0)
                throw new InvalidDataException($"{path}: written with base learning rate {saved.BaseLearningRate}; this trainer's optimizer starts at {_baseRate}.");
        });
        MasterChanged();
        state.BestParameters = best;
        state.Resuming = state.Mode is not null;   // the next Fit/FitStream continues this run (BeginRun checks the mode and the data)
        _position = state;
        if (streams is not null) _streamStates = streams;
    }

    /// <summary>Continues the unfinished run of a loaded checkpoint (same data required), or starts a new run: a fresh
    /// position (epoch, schedule, history, early stopping) from the current weights and optimizer state.</summary>
    private void BeginRun(string mode, long dataLength)
    {
        if (!_position.Resuming || _position.Epoch >= _options.Epochs)
        {
            _position = new Position { UpdatesBefore = _position.UpdatesBefore + _position.Update };
            return;
        }
        if (_position.Mode != mode || _position.DataLength != dataLength)
            throw new InvalidOperationException($"The loaded checkpoint was written by {(_position.Mode == "stream" ? "FitStream" : "Fit")} over {_position.DataLength} " +
                $"{Unit(_position.Mode)}; this call is {(mode == "stream" ? "FitStream" : "Fit")} over {dataLength} {Unit(mode)}. Resume with the same data.");
        _position.Resuming = false;
    }

    private static string Unit(string mode) => mode switch { "stream" => "steps", "pairs" => "pairs", _ => "sequences" };
}
