namespace RnnGen;

/// <summary>
/// A network that can run several sequences of equal length in lockstep, so that each weight block is loaded once
/// per step for all of them (every generated model implements it). The results are bit-identical to running the
/// sequences one at a time with <see cref="IRecurrentNetwork.Forward(ReadOnlySpan{float}, int, Span{float})"/> and
/// <see cref="IRecurrentNetwork.Backward(ReadOnlySpan{float})"/>, in order; <see cref="RnnGen.Training.Trainer"/> uses it
/// automatically.
/// </summary>
public interface IBatchedNetwork : IRecurrentNetwork
{
    /// <summary>The most sequences one batched pass takes.</summary>
    int BatchTile { get; }

    /// <summary>Runs <paramref name="batch"/> sequences: inputs [batch × steps × InputSize] → outputs [batch × output
    /// steps × OutputSize], each from its row of <paramref name="initialStates"/> [batch × StateSize] (zeros when
    /// empty), final states to <paramref name="finalStates"/> (when not empty). Does not use <see cref="IRecurrentNetwork.CurrentState"/>.
    /// A batched pass is inference as far as dropout goes: it never drops.</summary>
    /// <exception cref="InvalidOperationException">The model has dropout and <see cref="IRecurrentNetwork.Training"/> is
    /// true (train such a model one sequence at a time with <c>Forward</c>, as the <c>Trainer</c> does).</exception>
    void ForwardBatch(ReadOnlySpan<float> inputs, int batch, int steps, Span<float> outputs, ReadOnlySpan<float> initialStates, Span<float> finalStates);

    /// <summary>The token version of <see cref="ForwardBatch(ReadOnlySpan{float}, int, int, Span{float}, ReadOnlySpan{float}, Span{float})"/>: tokens [batch × steps].</summary>
    void ForwardBatch(ReadOnlySpan<int> tokens, int batch, int steps, Span<float> outputs, ReadOnlySpan<float> initialStates, Span<float> finalStates);

    /// <summary>BPTT through the last batched pass: targets [batch × output steps × OutputSize]; returns the sum of the losses.</summary>
    float BackwardBatch(ReadOnlySpan<float> targets);

    /// <summary>BPTT for cross-entropy: class ids [batch × output steps]; returns the sum of the losses.</summary>
    float BackwardBatch(ReadOnlySpan<int> classIds);
}
