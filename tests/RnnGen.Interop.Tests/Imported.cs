using RnnGen.Onnx;
using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

/// <summary>What OnnxImport made of a file: the spec, the flat parameters and the mapped lines.</summary>
internal sealed record Imported(NetworkSpec Spec, float[] Parameters, IReadOnlyList<string> Mapped)
{
    public static Imported Read(string path)
    {
#if RNNGEN_NO_IMPORT_CONTRACT
        OnnxGraphModel g = OnnxImport.ReadGraph(path);
        var parameters = new float[g.Spec.ParameterCount];
        foreach (var (name, values, _) in g.Tensors) values.CopyTo(parameters.AsSpan(g.Spec.ParameterLayout[name].Offset));
        return new Imported(g.Spec, parameters, [.. g.Tensors.Select(t => $"{t.Name} {g.Spec.ParameterLayout[t.Name].ShapeText} ← {t.Source}")]);
#else
        ImportedModel m = OnnxImport.Read(path);
        return new Imported(m.Spec!, m.Parameters!, m.Mapped);
#endif
    }
}
