using System.Numerics;

namespace RnnGen.Reference;

// The reference runtime's layers (this file and one file per layer kind) are one of two copies of the cell math, on
// purpose. The generated models carry their own, vectorised and unrolled for each model's shape
// (the element-wise parts in src/RnnGen/Generated/*Cell.cs, called by the code generators/RnnGen.Generators/Emitting/
// writes, one emitter per layer kind); these stay plain and generic over T, the
// readable definition the generated code is checked against. Both must agree: change one, change the other.
// The tests that hold them together:
// - GeneratedParityTests (tests/RnnGen.Tests/Generated): every generated model of the matrix against this runtime
//   with the same parameters: outputs, final states, loss and every gradient, also streamed step by step and in
//   truncated-BPTT chunks;
// - GradientCheckTests (tests/RnnGen.Tests/Reference): these analytic gradients against finite differences;
// - PyTorchParityTests (tests/RnnGen.Tests/Reference): this runtime, in float and double, and the generated twins
//   against the PyTorch fixtures in tests/RnnGen.Tests/Fixtures.

/// <summary>
/// One layer of the reference runtime. It processes a whole sequence at once (layer-major), keeps what BPTT
/// needs for up to MaxSteps steps, and owns its output buffer.
/// </summary>
internal abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected Layer(LayerSpec spec, int inputWidth, int parameterOffset, int parameterCount, int stateOffset, int maxSteps)
    {
        Spec = spec;
        InputWidth = inputWidth;
        OutputWidth = spec.OutputWidth;
        ParameterOffset = parameterOffset;
        ParameterCount = parameterCount;
        StateOffset = stateOffset;
        MaxSteps = maxSteps;
        Output = new T[maxSteps * OutputWidth];
    }

    public LayerSpec Spec { get; }
    public int InputWidth { get; }
    public int OutputWidth { get; }
    public int ParameterOffset { get; }
    public int ParameterCount { get; }
    public int StateOffset { get; }
    public int MaxSteps { get; }

    /// <summary>[MaxSteps × OutputWidth]: this layer's output at each step of the last forward pass.</summary>
    public T[] Output { get; }

    /// <summary>Runs <paramref name="steps"/> steps. <paramref name="state"/> holds this layer's initial state on
    /// entry and its final state on return. <paramref name="parameters"/> is this layer's slice.</summary>
    public abstract void Forward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> parameters, Span<T> state);

    /// <summary>Back-propagates <paramref name="outputGradient"/> [steps × OutputWidth] through the last forward
    /// pass: accumulates into <paramref name="gradients"/> (this layer's slice), overwrites
    /// <paramref name="inputGradient"/> [steps × InputWidth] and <paramref name="stateGradient"/> (dLoss/d initial state).</summary>
    public abstract void Backward(ReadOnlySpan<T> input, ReadOnlySpan<int> tokens, int steps, ReadOnlySpan<T> parameters,
        Span<T> gradients, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> stateGradient);
}
