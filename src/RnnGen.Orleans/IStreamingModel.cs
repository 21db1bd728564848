namespace RnnGen.Orleans;

/// <summary>
/// A generated model seen through its many-stream step: the generated class already has these members, so declaring
/// <c>partial class Sensor : RnnGen.Orleans.IStreamingModel&lt;Sensor.State&gt;;</c> beside the <c>[RnnModel]</c>
/// declaration is all it takes.
/// </summary>
/// <typeparam name="TState">The model's nested <c>State</c> struct (its recurrent state, inline floats).</typeparam>
public interface IStreamingModel<TState> : IRecurrentNetwork
    where TState : unmanaged
{
    /// <summary>Steps every state one step on: stream i reads <c>inputs[i·InputSize …]</c>, writes <c>outputs[i·OutputSize …]</c>.</summary>
    void Step(Span<TState> states, ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Sets the states to the model's initial state.</summary>
    void ResetState(Span<TState> states);
}
