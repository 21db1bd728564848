namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>GRU layer with PyTorch's equations and gate order (r, z, n).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
}
