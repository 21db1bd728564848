using System.Numerics.Tensors;
using RnnGen.Kernels;
using RnnGen.Optimization;

namespace RnnGen.Training;

// The update: the shard gradients reduced, clipped, checked for NaN, stepped; and the progress report after it.
public sealed partial class Trainer
{
    /// <summary>Sums the first <paramref name="shards"/> shard gradients in shard order into the model's gradients,
    /// scaled to the mean over <paramref name="count"/> examples; returns the mean loss.</summary>
    private double Reduce(int count, int shards)
    {
        Span<float> g = MasterGradients;
        _shardGradients[0].CopyTo(g);
        for (int s = 1; s < shards; s++) VectorKernels.Add(_shardGradients[s], g);
        TensorPrimitives.Multiply(g, 1f / count, g);   // one IEEE product each, as a loop would
        double loss = 0;
        for (int s = 0; s < shards; s++) loss += _shardLoss[s];
        return loss / count;
    }

    /// <summary>Clips the model's gradients, refuses a non-finite loss or norm (the NaN guard: the parameters stay those
    /// before this update), steps the optimizer at the scheduled rate and moves the position on.</summary>
    private void Update(double loss, long planned, int batchesPerEpoch, int nextBatch)
    {
        long update = _position.Update + 1;
        Span<float> g = MasterGradients;
        float norm = _options.ClipNorm > 0 ? GradientClipping.ClipByGlobalNorm(g, _options.ClipNorm) : GradientClipping.GlobalNorm(g);
        if (!double.IsFinite(loss) || !float.IsFinite(norm))
        {
            string what = !double.IsFinite(loss) ? $"the loss is {loss}" : $"the gradient norm is {norm}";
            throw new TrainingDivergedException(
                $"Training diverged at update {update} (epoch {_position.Epoch + 1}): {what}. The parameters are those before this update" +
                (_options.CheckpointPath is null ? "." : $"; the last good checkpoint, {_options.CheckpointPath}, is intact.") +
                " Lower the learning rate, clip gradients (ClipNorm) or check the data for NaN or Inf.", update);
        }
        if (_options.ClipValue is float clip) GradientClipping.ClipByValue(g, clip);   // after the norm: clip_grad_norm_, then clip_grad_value_
        float rate = _options.Schedule.Rate(_position.Update, planned, _baseRate, _position);
        _optimizer.LearningRate = rate;
        _optimizer.Step(MasterParameters, g);
        MasterChanged();
        _position.Update = update;
        _position.BatchInEpoch = nextBatch == batchesPerEpoch ? batchesPerEpoch : nextBatch;
        _position.SmoothedLoss = double.IsNaN(_position.SmoothedLoss) ? loss : _options.LossSmoothing * _position.SmoothedLoss + (1 - _options.LossSmoothing) * loss;
        _position.EpochLossSum += loss;
        _position.EpochUpdates++;
        _position.LastRate = rate;
        _position.LastNorm = norm;
    }

    /// <summary>The time <paramref name="updatesLeft"/> updates take at <paramref name="secondsPerUpdate"/>; <see cref="TimeSpan.MaxValue"/>
    /// beyond its range (Epochs = int.MaxValue, "until cancelled", plans 10¹² updates and more).</summary>
    internal static TimeSpan Remaining(long updatesLeft, double secondsPerUpdate)
    {
        double seconds = Math.Max(0, updatesLeft) * secondsPerUpdate;
        return seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue;
    }

    private void Report(long planned, double loss, long sequences, TimeSpan elapsed, long startUpdate)
    {
        if (Progress is null) return;
        bool last = _position.Update >= planned;
        if (_position.Update % _options.ProgressEvery != 0 && !last) return;
        long done = _position.Update - startUpdate;
        double perUpdate = done > 0 ? elapsed.TotalSeconds / done : 0;
        TimeSpan remaining = Remaining(planned - _position.Update, perUpdate);
        Progress.Report(new TrainingProgress(
            _position.Epoch + 1, _options.Epochs, _position.Update, planned, loss, _position.SmoothedLoss, _position.LastValidation,
            _position.LastRate, _position.LastNorm, elapsed.TotalSeconds > 0 ? sequences / elapsed.TotalSeconds : 0, elapsed, remaining,
            _position.LastValidationAccuracy));
    }
}
