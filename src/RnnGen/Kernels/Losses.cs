using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Kernels;

/// <summary>The losses, as PyTorch defines them; shared by the reference runtime and generated models.
/// Each writes dLoss/d(its input) and returns the loss.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Losses<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A class id that is not scored (PyTorch's <c>ignore_index</c> default): no loss, no gradient.</summary>
    public const int IgnoreIndex = -100;

    /// <summary>MSELoss on the activated outputs: Σ (y − t)², divided by the scored element count for Mean.
    /// A NaN target marks an element that is not scored (no loss, no gradient).</summary>
    public static T MeanSquaredError(ReadOnlySpan<T> y, ReadOnlySpan<T> targets, Span<T> dy, Reduction reduction)
    {
        int scored = Scored(targets);
        T scale = reduction == Reduction.Mean && scored > 0 ? T.One / T.CreateChecked(scored) : T.One;
        T two = T.CreateChecked(2);
        T sum = T.Zero;
        for (int i = 0; i < y.Length; i++)
        {
            if (T.IsNaN(targets[i])) { dy[i] = T.Zero; continue; }
            T diff = y[i] - targets[i];
            sum += diff * diff;
            dy[i] = two * diff * scale;
        }
        return sum * scale;
    }

    /// <summary>BCEWithLogitsLoss: max(z, 0) − z·t + log(1 + e^−|z|); dz = σ(z) − t. A NaN target is not scored.</summary>
    public static T BinaryCrossEntropyWithLogits(ReadOnlySpan<T> z, ReadOnlySpan<T> targets, Span<T> dz, Reduction reduction)
    {
        int scored = Scored(targets);
        T scale = reduction == Reduction.Mean && scored > 0 ? T.One / T.CreateChecked(scored) : T.One;
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++)
        {
            T x = z[i], t = targets[i];
            if (T.IsNaN(t)) { dz[i] = T.Zero; continue; }
            sum += T.Max(x, T.Zero) - x * t + T.Log(T.One + T.Exp(-T.Abs(x)));
            dz[i] = (Sigmoid(x) - t) * scale;
        }
        return sum * scale;
    }

    /// <summary>CrossEntropyLoss from probabilities [steps × classes] (a Softmax layer's output), without a gradient:
    /// −Σ log max(p_c, 1e-30), accumulated in double; Mean divides by the number of steps. For a loss reported from
    /// outputs already computed (e.g. a decoder's teacher-forced pass), where the logits are not at hand.</summary>
    internal static T CrossEntropyOfProbabilities(ReadOnlySpan<T> probabilities, int classes, ReadOnlySpan<int> classIds, Reduction reduction)
    {
        double loss = 0;
        for (int s = 0; s < classIds.Length; s++)
            loss -= Math.Log(double.CreateChecked(T.Max(probabilities[s * classes + classIds[s]], T.CreateChecked(1e-30f))));
        return T.CreateChecked(reduction == Reduction.Mean ? loss / classIds.Length : loss);
    }

    /// <summary>CrossEntropyLoss over class ids from logits [steps × classes]: log Σ e^z − z_c; dz = softmax(z) − onehot(c).
    /// Mean divides by the number of scored steps; a step whose id is <see cref="IgnoreIndex"/> is not scored
    /// (as PyTorch's <c>ignore_index</c>; if no step is scored the loss is 0, where PyTorch returns NaN).</summary>
    public static T CrossEntropy(ReadOnlySpan<T> logits, int classes, ReadOnlySpan<int> classIds, Span<T> dz, Reduction reduction)
    {
        int steps = classIds.Length;
        int scored = 0;
        for (int s = 0; s < steps; s++)
        {
            int c = classIds[s];
            if (c == IgnoreIndex) continue;
            if ((uint)c >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(classIds), c, $"classIds[{s}] = {c}; expected 0..{classes - 1} (OutputSize {classes}) or {IgnoreIndex} (not scored).");
            scored++;
        }
        T scale = reduction == Reduction.Mean && scored > 0 ? T.One / T.CreateChecked(scored) : T.One;
        T sum = T.Zero;
        for (int s = 0; s < steps; s++)
        {
            int c = classIds[s];
            Span<T> d = dz.Slice(s * classes, classes);
            if (c == IgnoreIndex) { d.Clear(); continue; }
            ReadOnlySpan<T> z = logits.Slice(s * classes, classes);
            // e = exp(z − max z) once, vectorised (as the Softmax activation computes it): log Σ e + max − z_c is the loss,
            // e / Σ e the softmax. One scalar exp per class, twice over, was half of a small model's training step.
            T max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, d);
            TensorPrimitives.Exp(d, d);
            T total = TensorPrimitives.Sum<T>(d);
            sum += max + T.Log(total) - z[c];
            TensorPrimitives.Divide(d, total, d);
            d[c] -= T.One;
            TensorPrimitives.Multiply(d, scale, d);
        }
        return sum * scale;
    }

    /// <summary>σ(x) = 1 / (1 + e^−x) in <typeparamref name="T"/>'s own arithmetic (the reference runtime's definition,
    /// not <see cref="FastMath"/>'s: the loss gradient is the same for generated and reference models).</summary>
    private static T Sigmoid(T x) => T.One / (T.One + T.Exp(-x));

    private static int Scored(ReadOnlySpan<T> targets)
    {
        int scored = 0;
        foreach (T t in targets) if (!T.IsNaN(t)) scored++;
        return scored;
    }
}
