using RnnGen.Kernels;

namespace RnnGen.Training;

/// <summary>Counts right predictions for <see cref="Evaluation.Accuracy"/>: the arg-max class against class ids
/// (CrossEntropy), or an output above a threshold against a target above ½ (BinaryCrossEntropy). Allocation-free.</summary>
internal static class ClassificationAccuracy
{
    /// <summary>True for the losses that have an accuracy.</summary>
    public static bool Applies(NetworkSpec spec) => spec.Loss is LossKind.CrossEntropy or LossKind.BinaryCrossEntropy;

    /// <summary>The output above which a binary prediction is positive: ½ after a Sigmoid, 0 for logits.</summary>
    public static float Threshold(NetworkSpec spec) => spec.Layers[^1].Activation == Activation.Sigmoid ? 0.5f : 0f;

    /// <summary>Output steps [steps × <paramref name="classes"/>] against one class id per step; ignore_index is skipped.</summary>
    public static (long Correct, long Scored) Count(ReadOnlySpan<float> outputs, int classes, ReadOnlySpan<int> classIds)
    {
        long correct = 0, scored = 0;
        for (int s = 0; s < classIds.Length; s++)
        {
            int id = classIds[s];
            if (id == Losses<float>.IgnoreIndex) continue;
            ReadOnlySpan<float> row = outputs.Slice(s * classes, classes);
            int best = 0;
            for (int k = 1; k < classes; k++)
                if (row[k] > row[best]) best = k;
            scored++;
            if (best == id) correct++;
        }
        return (correct, scored);
    }

    /// <summary>Each output against its target (positive above ½); NaN targets are skipped.</summary>
    public static (long Correct, long Scored) Count(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, float threshold)
    {
        long correct = 0, scored = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            float t = targets[i];
            if (float.IsNaN(t)) continue;
            scored++;
            if (outputs[i] > threshold == t > 0.5f) correct++;
        }
        return (correct, scored);
    }

    /// <summary>correct / scored, NaN when nothing was scored; null when <paramref name="applies"/> is false.</summary>
    public static double? Share(bool applies, long correct, long scored) => applies ? (scored > 0 ? (double)correct / scored : double.NaN) : null;
}
