namespace RnnGen.Training;

/// <summary>What <c>Trainer.Evaluate</c> and <see cref="Trainer.EvaluateStream"/> measure.</summary>
/// <param name="Loss">The mean loss (per sequence; per step for a stream), as in training.</param>
/// <param name="Accuracy">For classification losses, the share of scored outputs predicted right, in [0, 1]; null for
/// the other losses. CrossEntropy: an output step is right when its largest output (the first of equal ones) is the
/// class id; steps whose id is ignore_index (−100) are not counted. BinaryCrossEntropy: each output unit is right when
/// "output above ½" (after a Sigmoid; above 0 for logits) agrees with "target above ½"; NaN targets are not counted.
/// NaN when nothing was scored.</param>
public readonly record struct Evaluation(double Loss, double? Accuracy)
{
    /// <summary>No data: a NaN loss, and no accuracy.</summary>
    internal static Evaluation None => new(double.NaN, null);

    /// <summary>The loss, so that code which reads an evaluation as a number keeps working.</summary>
    public static implicit operator double(Evaluation evaluation) => evaluation.Loss;
}
