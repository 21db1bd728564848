namespace RnnGen.Optimization;

/// <summary>Updates a flat parameter buffer from its gradients, like a <c>torch.optim</c> optimizer over one tensor.</summary>
public interface IOptimizer
{
    /// <summary>The learning rate used by the next <see cref="Step"/> (schedules change it between steps).</summary>
    float LearningRate { get; set; }

    /// <summary>Updates completed so far.</summary>
    long StepCount { get; }

    /// <summary>Applies one update. The buffers keep their length for the optimizer's lifetime.</summary>
    /// <exception cref="ArgumentException">The lengths differ from each other or from the first call's.</exception>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>The optimizer's per-parameter state, by name (e.g. <c>exp_avg</c>), for checkpoints.</summary>
    IReadOnlyDictionary<string, float[]> State { get; }

    /// <summary>Forgets all state (moments, momentum, step count).</summary>
    void Reset();

    /// <summary>Restores state captured from <see cref="State"/> and <see cref="StepCount"/>.</summary>
    void Restore(long stepCount, IReadOnlyDictionary<string, float[]> state);
}
