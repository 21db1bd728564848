namespace RnnGen.Optimization;

/// <summary>
/// Stochastic gradient descent with momentum, exactly as <c>torch.optim.SGD</c>:
/// g ← g + λθ; b ← g (first step) or μb + (1 − τ)g; g ← g + μb (Nesterov) or b; θ ← θ − lr·g.
/// </summary>
public sealed class Sgd : OptimizerBase
{
    /// <summary>Creates the optimizer (PyTorch's argument names and defaults).</summary>
    public Sgd(float learningRate, float momentum = 0f, float dampening = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(learningRate, weightDecay, "momentum_buffer")
    {
        if (!(momentum >= 0f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be ≥ 0.");
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException("Nesterov momentum requires momentum > 0 and dampening = 0 (as in PyTorch).", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>μ.</summary>
    public float Momentum { get; }
    /// <summary>τ.</summary>
    public float Dampening { get; }
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float[]? buffer = Momentum != 0f ? Buffer("momentum_buffer", parameters.Length) : null;
        bool first = StepCount == 1;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = Decayed(gradients[i], parameters[i]);
            if (buffer is not null)
            {
                buffer[i] = first ? g : Momentum * buffer[i] + (1f - Dampening) * g;
                g = Nesterov ? g + Momentum * buffer[i] : buffer[i];
            }
            parameters[i] -= LearningRate * g;
        }
    }
}
