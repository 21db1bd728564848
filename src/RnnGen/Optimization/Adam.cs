using System.Numerics;

namespace RnnGen.Optimization;

/// <summary>
/// Adam, exactly as <c>torch.optim.Adam</c> (non-AMSGrad):
/// g ← g + λθ; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
/// </summary>
public sealed class Adam : OptimizerBase
{
    /// <summary>Creates the optimizer (PyTorch's defaults).</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(learningRate, weightDecay, "exp_avg", "exp_avg_sq")
    {
        if (!(beta1 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        if (!(beta2 is >= 0f and < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        if (!(epsilon >= 0f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be ≥ 0.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁.</summary>
    public float Beta1 { get; }
    /// <summary>β₂.</summary>
    public float Beta2 { get; }
    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        float[] m = Buffer("exp_avg", parameters.Length);
        float[] v = Buffer("exp_avg_sq", parameters.Length);
        // Bias corrections in double, as PyTorch computes them in Python floats.
        double correction1 = 1.0 - Math.Pow(Beta1, StepCount);
        double correction2 = 1.0 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / correction1);
        float correction2Sqrt = (float)Math.Sqrt(correction2);
        int i = 0;
        if (Vector.IsHardwareAccelerated && WeightDecay == 0f)
        {
            // The same operations in the same order as the scalar loop below (no fused multiply-adds), so the
            // vector path gives bit-identical results; it only does Vector<float>.Count elements at a time.
            var oneMinusBeta1 = new Vector<float>(1f - Beta1);
            var beta2 = new Vector<float>(Beta2);
            var oneMinusBeta2 = new Vector<float>(1f - Beta2);
            var c2 = new Vector<float>(correction2Sqrt);
            var epsilon = new Vector<float>(Epsilon);
            var step = new Vector<float>(stepSize);
            Span<float> ms = m, vs = v;
            for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var g = new Vector<float>(gradients.Slice(i));
                var mi = new Vector<float>(ms.Slice(i));
                var vi = new Vector<float>(vs.Slice(i));
                mi += (g - mi) * oneMinusBeta1;
                vi = vi * beta2 + oneMinusBeta2 * g * g;
                var denominator = Vector.SquareRoot(vi) / c2 + epsilon;
                var p = new Vector<float>(parameters.Slice(i)) - step * (mi / denominator);
                mi.CopyTo(ms.Slice(i));
                vi.CopyTo(vs.Slice(i));
                p.CopyTo(parameters.Slice(i));
            }
        }
        for (; i < parameters.Length; i++)
        {
            float g = Decayed(gradients[i], parameters[i]);
            m[i] += (g - m[i]) * (1f - Beta1);            // torch: exp_avg.lerp_(grad, 1 - beta1)
            v[i] = v[i] * Beta2 + (1f - Beta2) * g * g;   // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
            float denominator = MathF.Sqrt(v[i]) / correction2Sqrt + Epsilon;
            parameters[i] -= stepSize * (m[i] / denominator);
        }
    }
}
