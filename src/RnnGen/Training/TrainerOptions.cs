namespace RnnGen.Training;

/// <summary>How a <see cref="Trainer"/> trains. Defaults follow common PyTorch practice.</summary>
public sealed record TrainerOptions
{
    /// <summary>Sequences per update (for <see cref="Trainer.FitStream"/>: parallel streams). Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Stop after this many updates in all (0: no limit besides <see cref="Epochs"/>).</summary>
    public long MaxUpdates { get; init; }

    /// <summary>Clip the batch gradient to this global L2 norm (<c>clip_grad_norm_</c>); 0 turns clipping off.</summary>
    public float ClipNorm { get; init; }

    /// <summary>Clamp every element of the batch gradient to [−v, v] (<c>clip_grad_value_</c>); null turns it off.
    /// With <see cref="ClipNorm"/> too, the norm is clipped first and the values after, as a PyTorch loop that calls
    /// <c>clip_grad_norm_</c> and then <c>clip_grad_value_</c>; the result satisfies both bounds, and the reported
    /// <see cref="TrainingProgress.GradientNorm"/> stays the norm before any clipping.</summary>
    public float? ClipValue { get; init; }

    /// <summary>Seeds the parameter initialisation and the order of the examples.</summary>
    public int Seed { get; init; }

    /// <summary>Shuffle the examples each epoch (order from <see cref="Seed"/> and the epoch). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The learning-rate schedule over the planned updates (base rate: the optimizer's), or over the validation
    /// losses (<see cref="LearningRateSchedule.OnPlateau"/>). Default constant.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>When <c>Trainer.Fit</c> gets no validation set, hold out this fraction of the training
    /// examples (chosen by <see cref="Seed"/>). 0: no validation.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Early stopping: stop after this many epochs without a validation improvement of more than
    /// <see cref="MinDelta"/>. 0 turns it off.</summary>
    public int Patience { get; init; }

    /// <summary>The improvement that counts for early stopping.</summary>
    public double MinDelta { get; init; }

    /// <summary>After early stopping, put back the parameters of the best validation epoch. Default true.</summary>
    public bool RestoreBestParameters { get; init; } = true;

    /// <summary>Stop as soon as the smoothed training loss falls below this (e.g. the adding problem's 0.01).</summary>
    public double StopWhenLossBelow { get; init; } = double.NegativeInfinity;

    /// <summary>Weight of the old value in the smoothed loss (exponential moving average). Default 0.98.</summary>
    public double LossSmoothing { get; init; } = 0.98;

    /// <summary>Threads computing gradients (model replicas). Results do not depend on it. Default: the core count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Each batch is cut into this many fixed shards whose gradients are summed in shard order; the
    /// weights depend on the shard count (as on any summation order) but never on <see cref="Workers"/>. Default 8.</summary>
    public int Shards { get; init; } = 8;

    /// <summary>Run sequences of equal length through a generated model's batched kernels (<see cref="IBatchedNetwork"/>),
    /// which load each weight block once per step for up to BatchTile sequences. The weights are bit-identical either
    /// way; only the reported losses may differ in the last bits (summed per tile). Default true.</summary>
    public bool UseBatchedKernels { get; init; } = true;

    /// <summary>Within each batch, order the sequences by length, so that sequences of equal length run through the
    /// batched kernels together — padding-free batching of variable-length data. The batch and its gradient are the
    /// same; only the order of the sum changes. Default true.</summary>
    public bool SortBatchesByLength { get; init; } = true;

    /// <summary>Truncated BPTT for <see cref="Trainer.FitStream"/>: new steps per update (k1). Default 32.</summary>
    public int TbpttK1 { get; init; } = 32;

    /// <summary>Truncated BPTT: steps the gradient flows back (k2 ≥ k1, at most MaxSteps); 0 means k2 = k1.</summary>
    public int TbpttK2 { get; init; }

    /// <summary>Write a checkpoint (parameters, optimizer state, trainer position) to this file; null: none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Checkpoint every this many updates; 0: at the end of every epoch (and always at the end).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Receives a <see cref="TrainingProgress"/> every <see cref="ProgressEvery"/> updates.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Report progress every this many updates. Default 1.</summary>
    public int ProgressEvery { get; init; } = 1;

    internal void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} = {value}; expected ≥ 1.");
        }
        Positive(BatchSize, nameof(BatchSize));
        Positive(Epochs, nameof(Epochs));
        Positive(Workers, nameof(Workers));
        Positive(Shards, nameof(Shards));
        Positive(TbpttK1, nameof(TbpttK1));
        Positive(ProgressEvery, nameof(ProgressEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxUpdates, nameof(MaxUpdates));
        ArgumentOutOfRangeException.ThrowIfNegative(Patience, nameof(Patience));
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEvery, nameof(CheckpointEvery));
        if (TbpttK2 != 0 && TbpttK2 < TbpttK1)
            throw new ArgumentOutOfRangeException(nameof(TbpttK2), TbpttK2, $"TbpttK2 = {TbpttK2}; expected 0 or ≥ TbpttK1 ({TbpttK1}).");
        if (!(ClipNorm >= 0f) || float.IsInfinity(ClipNorm))
            throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "ClipNorm must be a finite number ≥ 0 (0: off).");
        if (ClipValue is float clip && (!(clip > 0f) || float.IsInfinity(clip)))
            throw new ArgumentException($"ClipValue = {clip}; expected a finite number > 0 (null: off).", nameof(ClipValue));
        if (!(ValidationFraction is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be in [0, 1).");
        if (!(LossSmoothing is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(LossSmoothing), LossSmoothing, "LossSmoothing must be in [0, 1).");
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
    }
}
