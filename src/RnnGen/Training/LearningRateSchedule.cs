using System.Globalization;

namespace RnnGen.Training;

/// <summary>The learning rate as a function of the update count (0-based: the rate for the first update is
/// <c>RateAt(0, …)</c>). Schedules are pure functions, so a resumed run continues the same curve; the one exception,
/// <see cref="OnPlateau"/>, follows the validation losses, and its state is part of the trainer's checkpoint.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for update <paramref name="update"/> (0-based) of <paramref name="totalUpdates"/>.</summary>
    public abstract float RateAt(long update, long totalUpdates, float baseRate);

    /// <summary>True when the schedule needs a validation loss after every epoch.</summary>
    internal virtual bool NeedsValidation => false;

    /// <summary>The rate the trainer uses: <see cref="RateAt"/>, unless the schedule keeps state in the run's <paramref name="position"/>.</summary>
    internal virtual float Rate(long update, long totalUpdates, float baseRate, TrainerCheckpoint position) => RateAt(update, totalUpdates, baseRate);

    /// <summary>Called by the trainer after each epoch's validation (NaN without validation data).</summary>
    internal virtual void EndEpoch(double validationLoss, float baseRate, TrainerCheckpoint position) { }

    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>PyTorch's StepLR: base · γ^⌊update / every⌋.</summary>
    public static LearningRateSchedule StepDecay(long every, float gamma)
    {
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be ≥ 1.");
        if (!(gamma > 0f && gamma <= 1f)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must be in (0, 1].");
        return new StepSchedule(every, gamma);
    }

    /// <summary>Linear warm-up over <paramref name="warmupUpdates"/>, then cosine decay from the base rate to
    /// <paramref name="minimumRate"/> at the last update (PyTorch's CosineAnnealingLR over the remaining updates).</summary>
    public static LearningRateSchedule Cosine(float minimumRate = 0f, long warmupUpdates = 0)
    {
        if (!(minimumRate >= 0f)) throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(warmupUpdates);
        return new CosineSchedule(minimumRate, warmupUpdates);
    }

    /// <summary>
    /// PyTorch's <c>ReduceLROnPlateau</c> over the validation loss (mode <c>min</c>, relative threshold 1e-4, no
    /// cooldown): an epoch improves when its validation loss is below best · (1 − 10⁻⁴); after more than
    /// <paramref name="patience"/> epochs in a row without improvement the rate becomes max(rate · <paramref name="factor"/>,
    /// <paramref name="minimum"/>) (kept when that changes it by 10⁻⁸ or less), and the count starts again.
    /// The new rate applies from the next epoch's first update. Needs validation data: <c>Trainer.Fit</c> and
    /// <see cref="Trainer.FitStream"/> throw without it. The best loss, the bad-epoch count and the current rate are
    /// stored in checkpoints, so a resumed run continues exactly.
    /// </summary>
    /// <param name="factor">The factor the rate is multiplied by, in (0, 1) (PyTorch's default is 0.1).</param>
    /// <param name="patience">Epochs without improvement that are tolerated (0: reduce at the first one; PyTorch's default is 10).</param>
    /// <param name="minimum">The lowest rate (≥ 0).</param>
    public static LearningRateSchedule OnPlateau(float factor, int patience, float minimum)
    {
        if (!(factor > 0f && factor < 1f)) throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor = {factor}; expected a number in (0, 1).");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"patience = {patience}; expected ≥ 0.");
        if (!(minimum >= 0f) || float.IsInfinity(minimum))
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, $"minimum = {minimum}; expected a finite rate ≥ 0.");
        return new PlateauSchedule(factor, patience, minimum, Decimal(factor), Decimal(minimum));
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override float RateAt(long update, long totalUpdates, float baseRate) => baseRate;
        public override string ToString() => "constant";
    }

    private sealed class StepSchedule(long every, float gamma) : LearningRateSchedule
    {
        public override float RateAt(long update, long totalUpdates, float baseRate) => (float)(baseRate * Math.Pow(gamma, update / every));
        public override string ToString() => $"step decay ×{gamma} every {every} updates";
    }

    private sealed class CosineSchedule(float minimum, long warmup) : LearningRateSchedule
    {
        public override float RateAt(long update, long totalUpdates, float baseRate)
        {
            if (update < warmup) return baseRate * (update + 1) / warmup;
            long span = Math.Max(1, totalUpdates - warmup - 1);
            double progress = Math.Min(1.0, (double)(update - warmup) / span);
            return (float)(minimum + (baseRate - minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        }

        public override string ToString() => $"cosine to {minimum}" + (warmup > 0 ? $" after {warmup} warm-up updates" : "");
    }

    /// <summary>The double a user meant by a float literal (0.1f → 0.1), as PyTorch's Python floats hold it.</summary>
    private static double Decimal(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private sealed class PlateauSchedule(float factor, int patience, float minimum, double exactFactor, double exactMinimum) : LearningRateSchedule
    {
        private const double Threshold = 1e-4, Epsilon = 1e-8;   // ReduceLROnPlateau's threshold (rel) and eps

        internal override bool NeedsValidation => true;

        /// <summary>Before any reduction the base rate; the trainer's rate is <see cref="Rate"/>.</summary>
        public override float RateAt(long update, long totalUpdates, float baseRate) => baseRate;

        internal override float Rate(long update, long totalUpdates, float baseRate, TrainerCheckpoint position) =>
            double.IsNaN(position.PlateauRate) ? baseRate : (float)position.PlateauRate;

        internal override void EndEpoch(double validationLoss, float baseRate, TrainerCheckpoint position)
        {
            if (validationLoss < position.PlateauBest * (1 - Threshold))
            {
                position.PlateauBest = validationLoss;
                position.PlateauBadEpochs = 0;
            }
            else position.PlateauBadEpochs++;
            if (position.PlateauBadEpochs <= patience) return;
            double old = double.IsNaN(position.PlateauRate) ? Decimal(baseRate) : position.PlateauRate;
            double reduced = Math.Max(old * exactFactor, exactMinimum);
            if (old - reduced > Epsilon) position.PlateauRate = reduced;
            position.PlateauBadEpochs = 0;
        }

        public override string ToString() => $"×{factor} after {patience + 1} epochs without validation improvement, down to {minimum}";
    }
}
