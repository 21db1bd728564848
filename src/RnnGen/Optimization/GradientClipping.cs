namespace RnnGen.Optimization;

/// <summary>Gradient clipping by global L2 norm, as <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> by min(1, maxNorm / (‖g‖₂ + 1e-6)) and returns ‖g‖₂ before clipping
    /// (NaN or ∞ if the gradients are not finite; then they are left unchanged so the caller can react).
    /// </summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be > 0.");
        float norm = GlobalNorm(gradients);
        if (!float.IsFinite(norm)) return norm;
        float coefficient = maxNorm / (norm + 1e-6f);
        if (coefficient < 1f)
            for (int i = 0; i < gradients.Length; i++) gradients[i] *= coefficient;
        return norm;
    }

    /// <summary>‖g‖₂, accumulated in double.</summary>
    public static float GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        foreach (float g in gradients) sum += (double)g * g;
        return (float)Math.Sqrt(sum);
    }
}
