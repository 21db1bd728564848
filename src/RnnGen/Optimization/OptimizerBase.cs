namespace RnnGen.Optimization;

/// <summary>What the optimizers share: the learning rate, weight decay, the step count and the named state buffers.</summary>
public abstract class OptimizerBase : IOptimizer
{
    private readonly string[] _stateNames;
    private readonly Dictionary<string, float[]> _state = new(StringComparer.Ordinal);

    /// <summary>Creates an optimizer without weight decay whose per-parameter state buffers have these names.</summary>
    protected OptimizerBase(float learningRate, params string[] stateNames)
        : this(learningRate, 0f, stateNames)
    {
    }

    /// <summary>Creates an optimizer with weight decay <paramref name="weightDecay"/> (λ ≥ 0) whose per-parameter state
    /// buffers have these names.</summary>
    protected OptimizerBase(float learningRate, float weightDecay, params string[] stateNames)
    {
        if (!(learningRate >= 0f) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a finite number ≥ 0.");
        if (!(weightDecay >= 0f)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be ≥ 0.");
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        _stateNames = stateNames;
    }

    /// <inheritdoc/>
    public float LearningRate { get; set; }

    /// <summary>λ: the L2 penalty added to the gradient before the update rule, g ← g + λθ (torch.optim's
    /// <c>weight_decay</c>; for Adam that is Adam's, not AdamW's decoupled decay).</summary>
    public float WeightDecay { get; }

    /// <summary>The gradient with weight decay added: g + λθ, or g itself when λ is 0.</summary>
    protected float Decayed(float gradient, float parameter) => WeightDecay != 0f ? gradient + WeightDecay * parameter : gradient;

    /// <inheritdoc/>
    public long StepCount { get; protected set; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> State => _state;

    /// <summary>Returns the named state buffer, allocating zeros of <paramref name="length"/> on first use.</summary>
    protected float[] Buffer(string name, int length)
    {
        if (!_state.TryGetValue(name, out float[]? buffer))
            _state[name] = buffer = new float[length];
        else if (buffer.Length != length)
            throw new ArgumentException($"parameters has {length} elements; this optimizer's state was made for {buffer.Length}.", "parameters");
        return buffer;
    }

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Guard.Length(gradients.Length, parameters.Length, nameof(gradients));
        StepCount++;
        Update(parameters, gradients);
    }

    /// <summary>The update rule; <see cref="StepCount"/> already counts this step.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <inheritdoc/>
    public void Reset()
    {
        _state.Clear();
        StepCount = 0;
    }

    /// <inheritdoc/>
    public void Restore(long stepCount, IReadOnlyDictionary<string, float[]> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        foreach (string key in state.Keys)
            if (Array.IndexOf(_stateNames, key) < 0)
                throw new ArgumentException($"'{key}' is not state of {GetType().Name}; expected {string.Join(", ", _stateNames)}.", nameof(state));
        _state.Clear();
        foreach (var (key, value) in state) _state[key] = (float[])value.Clone();
        StepCount = stepCount;
    }
}
