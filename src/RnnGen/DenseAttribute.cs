namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>Affine layer applied at every step: y = act(W·x + b).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.Identity) : Attribute
{
    /// <summary>Output units.</summary>
    public int Units { get; } = units;
    /// <summary>Element-wise activation; <see cref="RnnGen.Activation.Softmax"/> only on the final layer.</summary>
    public Activation Activation { get; } = activation;
    /// <summary>Inverted dropout of this layer's outputs while training (<see cref="IRecurrentNetwork.Training"/>): each
    /// output element is kept with probability 1 − p and scaled by 1/(1 − p), or set to 0. p ∈ [0, 1); 0 (default): none.
    /// Not on the final layer (see <see cref="LayerSpec.Dropout"/>).</summary>
    public float Dropout { get; set; }
}
