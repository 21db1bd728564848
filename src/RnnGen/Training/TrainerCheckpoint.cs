namespace RnnGen.Training;

/// <summary>The trainer's position, stored as JSON in a checkpoint: what it was written with (version, mode and data
/// length, seed, batch and shard sizes, base learning rate, optimizer) and where the run was. The trainer's live
/// position (<see cref="Trainer.Position"/>) is one of these, so nothing is copied field by field.</summary>
internal class TrainerCheckpoint
{
    public int Version { get; set; }
    public string Mode { get; set; } = "";
    public long DataLength { get; set; }
    public int Seed { get; set; }
    public int BatchSize { get; set; }
    public int Shards { get; set; }
    public long UpdatesBefore { get; set; }
    public long Update { get; set; }
    public int Epoch { get; set; }
    public int BatchInEpoch { get; set; }
    public double SmoothedLoss { get; set; }
    public double EpochLossSum { get; set; }
    public int EpochUpdates { get; set; }
    public double BestValidation { get; set; }
    public double LastValidation { get; set; }
    public double? LastValidationAccuracy { get; set; }
    public int BadEpochs { get; set; }
    /// <summary><see cref="LearningRateSchedule.OnPlateau"/>: the best validation loss so far (+∞ before the first).</summary>
    public double PlateauBest { get; set; } = double.PositiveInfinity;
    /// <summary><see cref="LearningRateSchedule.OnPlateau"/>: epochs since the best one, reset at each reduction.</summary>
    public int PlateauBadEpochs { get; set; }
    /// <summary><see cref="LearningRateSchedule.OnPlateau"/>: the reduced rate (in double, as PyTorch keeps it); NaN before the first reduction.</summary>
    public double PlateauRate { get; set; } = double.NaN;
    public int StoredPosition { get; set; }
    public float BaseLearningRate { get; set; }
    public string Optimizer { get; set; } = "";
    public long OptimizerSteps { get; set; }
    public List<EpochSummary> History { get; set; } = [];
}
