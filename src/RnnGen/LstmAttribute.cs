namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>LSTM layer with PyTorch's equations and gate order (i, f, g, o).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int hidden) : Attribute
{
    /// <summary>Hidden units per direction.</summary>
    public int Hidden { get; } = hidden;
    /// <summary>Also run the sequence backwards; each step's output is forward‖backward.</summary>
    public bool Bidirectional { get; set; }
}
