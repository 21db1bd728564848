using System.Numerics;
using RnnGen.Geometry;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (generators/RnnGen.Generators/Emitting/, the Dense layer's file); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>nn.Linear followed by an activation, applied at every step: y = act(W·x + b).</summary>
internal sealed class DenseLayer<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _preActivation;
    private readonly T[] _dz;

    public DenseLayer(LayerSpec spec, int inputWidth, int parameterOffset, int maxSteps)
        : base(spec, inputWidth, parameterOffset, (int)LayerGeometry.Of(spec.Description, inputWidth).ParameterCount, 0, maxSteps)
    {
        _preActivation = new T[maxSteps * spec.Size];
        _dz = new T[spec.Size];
    }

    /// <summary>[MaxSteps × Units]: z = W·x + b before the activation (the logits, for the losses).</summary>
    public ReadOnlySpan<T> PreActivation => _preActivation;

    /// <summary>Set when the loss hands back dLoss/dz directly (cross-entropy and BCE from logits).</summary>
    public bool GradientIsPreActivation { get; set; }

    public override void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p, Span<T> state)
    {
        int units = Spec.Size, inWidth = InputWidth;
        ReadOnlySpan<T> w = p[..(units * inWidth)];
        ReadOnlySpan<T> b = p.Slice(units * inWidth, units);
        for (int t = 0; t < steps; t++)
        {
            // z = W·x + b
            Span<T> z = _preActivation.AsSpan(t * units, units);
            b.CopyTo(z);
            LinearAlgebra<T>.MultiplyAdd(w, units, inWidth, input.Slice(t * inWidth, inWidth), z);
            // y = act(z)
            Span<T> y = Output.AsSpan(t * units, units);
            if (Spec.Activation == Activation.Softmax)
                LinearAlgebra<T>.Softmax(z, y);
            else
                for (int u = 0; u < units; u++) y[u] = LinearAlgebra<T>.Activate(Spec.Activation, z[u]);
        }
    }

    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p,
        Span<T> g, ReadOnlySpan<T> dOut, Span<T> dIn, Span<T> dState)
    {
        int units = Spec.Size, inWidth = InputWidth;
        ReadOnlySpan<T> w = p[..(units * inWidth)];
        Span<T> dw = g[..(units * inWidth)];
        Span<T> db = g.Slice(units * inWidth, units);
        Span<T> dz = _dz;
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<T> dy = dOut.Slice(t * units, units);
            ReadOnlySpan<T> y = Output.AsSpan(t * units, units);
            if (GradientIsPreActivation)
                dy.CopyTo(dz);
            else if (Spec.Activation == Activation.Softmax)
            {
                // dz = y ⊙ (dy − (dy·y))
                T dot = T.Zero;
                for (int u = 0; u < units; u++) dot += dy[u] * y[u];
                for (int u = 0; u < units; u++) dz[u] = y[u] * (dy[u] - dot);
            }
            else
                for (int u = 0; u < units; u++) dz[u] = dy[u] * LinearAlgebra<T>.Derivative(Spec.Activation, y[u]);

            // dW += dz·xᵀ, db += dz, dx = Wᵀ·dz
            ReadOnlySpan<T> x = input.Slice(t * inWidth, inWidth);
            LinearAlgebra<T>.OuterAdd(dw, dz, x);
            LinearAlgebra<T>.Add(dz, db);
            Span<T> dx = dIn.Slice(t * inWidth, inWidth);
            dx.Clear();
            LinearAlgebra<T>.TransposeMultiplyAdd(w, units, inWidth, dz, dx);
        }
    }
}
