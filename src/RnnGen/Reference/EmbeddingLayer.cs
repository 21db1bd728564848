using System.Numerics;
using RnnGen.Geometry;

namespace RnnGen.Reference;

// One of two copies of this math, on purpose: the generated models carry their own, vectorised for each shape
// (generators/RnnGen.Generators/Emitting/, the Embedding layer's file); this plain one is the definition they are checked
// against. Both must agree. GeneratedParityTests, GradientCheckTests and PyTorchParityTests hold them together (Layer.cs).

/// <summary>nn.Embedding: out[t] = W[token[t]].</summary>
internal sealed class EmbeddingLayer<T>(LayerSpec spec, int parameterOffset, int maxSteps)
    : Layer<T>(spec, 0, parameterOffset, (int)LayerGeometry.Of(spec.Description, 0).ParameterCount, 0, maxSteps)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p, Span<T> state)
    {
        int width = Spec.Size;
        for (int t = 0; t < steps; t++)
            p.Slice(tokens[t] * width, width).CopyTo(Output.AsSpan(t * width, width));
    }

    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> p,
        Span<T> g, ReadOnlySpan<T> dOut, Span<T> dIn, Span<T> dState)
    {
        // dW[token[t]] += dOut[t]   (token ids have no gradient)
        int width = Spec.Size;
        for (int t = 0; t < steps; t++)
            LinearAlgebra<T>.Add(dOut.Slice(t * width, width), g.Slice(tokens[t] * width, width));
    }
}
