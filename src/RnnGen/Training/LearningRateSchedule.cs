namespace RnnGen.Training;

/// <summary>The learning rate as a function of the update count (0-based: the rate for the first update is
/// <c>RateAt(0, …)</c>). Schedules are pure functions, so a resumed run continues the same curve.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for update <paramref name="update"/> (0-based) of <paramref name="totalUpdates"/>.</summary>
    public abstract float RateAt(long update, long totalUpdates, float baseRate);

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
}
