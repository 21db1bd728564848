namespace RnnGen.Safetensors;

/// <summary>One expected tensor in a <see cref="CheckReport"/>.</summary>
/// <param name="Name">RnnGen's name.</param>
/// <param name="FileName">The name looked up in the file.</param>
/// <param name="Expected">The shape the network needs.</param>
/// <param name="Actual">The file's shape, or null when the tensor is missing.</param>
/// <param name="Status">"ok", "missing", "mis-shaped" or "not float".</param>
public sealed record TensorCheck(string Name, string FileName, string Expected, string? Actual, string Status);
