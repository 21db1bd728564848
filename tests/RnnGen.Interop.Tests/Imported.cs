using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

/// <summary>What OnnxImport made of a file: the spec, the flat parameters and the mapped lines.</summary>
internal sealed record Imported(NetworkSpec Spec, float[] Parameters, IReadOnlyList<string> Mapped)
{
    public static Imported Read(string path)
    {
        ImportedModel m = OnnxImport.Read(path);
        return new Imported(m.Spec!, m.Parameters!, m.Mapped);
    }
}
