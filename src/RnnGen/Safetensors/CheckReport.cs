namespace RnnGen.Safetensors;

/// <summary>How a checkpoint fits a network: each tensor's status, and file tensors nothing uses.</summary>
public sealed record CheckReport(IReadOnlyList<TensorCheck> Tensors, IReadOnlyList<string> Extra, string Naming)
{
    /// <summary>True when every tensor is present with the right shape and a float dtype.</summary>
    public bool Fits => Tensors.All(t => t.Status == "ok");
}
