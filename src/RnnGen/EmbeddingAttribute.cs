namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>Token id → learned vector of <paramref name="width"/> floats. Must be the first layer.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int vocabulary, int width) : Attribute
{
    /// <summary>Number of distinct token ids (0 … vocabulary−1).</summary>
    public int Vocabulary { get; } = vocabulary;
    /// <summary>Floats per embedded token.</summary>
    public int Width { get; } = width;
    /// <summary>Inverted dropout of this layer's outputs while training (<see cref="IRecurrentNetwork.Training"/>): each
    /// output element is kept with probability 1 − p and scaled by 1/(1 − p), or set to 0. p ∈ [0, 1); 0 (default): none.
    /// Not on the final layer (see <see cref="LayerSpec.Dropout"/>).</summary>
    public float Dropout { get; set; }
}
