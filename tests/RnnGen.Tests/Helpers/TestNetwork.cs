using System.Numerics;

namespace RnnGen.Tests.Helpers;

/// <summary>What the parity checks need of a network, so one check serves ReferenceNetwork&lt;float&gt;,
/// ReferenceNetwork&lt;double&gt; and generated models alike.</summary>
internal interface ITestNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    Span<T> CurrentState { get; }
    ReadOnlySpan<T> Gradients { get; }
    ReadOnlySpan<T> InputGradients { get; }
    ReadOnlySpan<T> InitialStateGradients { get; }
    void LoadSafetensors(string path);
    void ForwardContinue(ReadOnlySpan<T> inputs, int steps, Span<T> outputs);
    void ForwardContinue(ReadOnlySpan<int> tokens, int steps, Span<T> outputs);
    T Backward(ReadOnlySpan<T> targets);
    T Backward(ReadOnlySpan<int> classIds);
}

internal static class TestNetwork
{
    public static ITestNetwork<T> AsTestNetwork<T>(this ReferenceNetwork<T> net) where T : unmanaged, IFloatingPointIeee754<T> => new Reference<T>(net);

    public static ITestNetwork<float> AsTestNetwork(this IRecurrentNetwork net) => new Interface(net);

    private sealed class Reference<T>(ReferenceNetwork<T> net) : ITestNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Span<T> CurrentState => net.CurrentState;
        public ReadOnlySpan<T> Gradients => net.Gradients;
        public ReadOnlySpan<T> InputGradients => net.InputGradients;
        public ReadOnlySpan<T> InitialStateGradients => net.InitialStateGradients;
        public void LoadSafetensors(string path) => net.LoadSafetensors(path);
        public void ForwardContinue(ReadOnlySpan<T> inputs, int steps, Span<T> outputs) => net.ForwardContinue(inputs, steps, outputs);
        public void ForwardContinue(ReadOnlySpan<int> tokens, int steps, Span<T> outputs) => net.ForwardContinue(tokens, steps, outputs);
        public T Backward(ReadOnlySpan<T> targets) => net.Backward(targets);
        public T Backward(ReadOnlySpan<int> classIds) => net.Backward(classIds);
    }

    private sealed class Interface(IRecurrentNetwork net) : ITestNetwork<float>
    {
        public Span<float> CurrentState => net.CurrentState;
        public ReadOnlySpan<float> Gradients => net.Gradients;
        public ReadOnlySpan<float> InputGradients => net.InputGradients;
        public ReadOnlySpan<float> InitialStateGradients => net.InitialStateGradients;
        public void LoadSafetensors(string path) => net.LoadSafetensors(path);
        public void ForwardContinue(ReadOnlySpan<float> inputs, int steps, Span<float> outputs) => net.ForwardContinue(inputs, steps, outputs);
        public void ForwardContinue(ReadOnlySpan<int> tokens, int steps, Span<float> outputs) => net.ForwardContinue(tokens, steps, outputs);
        public float Backward(ReadOnlySpan<float> targets) => net.Backward(targets);
        public float Backward(ReadOnlySpan<int> classIds) => net.Backward(classIds);
    }
}
