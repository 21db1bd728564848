namespace RnnGen.Peers;

/// <summary>A model of one shape advancing <see cref="Batch"/> independent streams by one step per call.</summary>
internal abstract class Stepper : IDisposable
{
    protected Stepper(Shape shape, int batch)
    {
        Shape = shape;
        Batch = batch;
    }

    public Shape Shape { get; }

    public int Batch { get; }

    /// <summary>Advances every stream by one step: inputs [Batch x Input]; returns the sum of the outputs.</summary>
    public abstract float Step(ReadOnlySpan<float> inputs);

    /// <summary>The outputs of the last step, [Batch x Output].</summary>
    public abstract ReadOnlySpan<float> Outputs { get; }

    public abstract void Dispose();
}
