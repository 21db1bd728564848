using System;
using System.Collections.Generic;
using System.IO;
using RnnGen.Generators.Model;
using RnnGen.Geometry;
using RnnGen.Safetensors;

namespace RnnGen.Generators.Weights;

/// <summary>
/// Reads a safetensors file for <c>[RnnModel(Weights = …)]</c> and lays its tensors out in the model's parameter
/// order. The header is checked by the runtime's own <see cref="SafetensorsFormat"/> (linked in); F32, F64, F16 and
/// BF16 are converted to float as the runtime converts them. Every problem is returned as text naming the tensor;
/// nothing here throws for bad input.
/// </summary>
internal static class BakedWeights
{
    /// <summary>One tensor the model needs: RnnGen's name, its shape and where it goes in the parameter buffer.</summary>
    internal readonly record struct Expected(string Name, int[] Shape, int Offset);

    /// <summary>The tensors of the model's parameter layout (names, shapes, offsets), as RnnGen.ParameterLayout lists them.</summary>
    public static (List<Expected> Tensors, int ParameterCount) ExpectedTensors(ModelSpec model)
    {
        NetworkGeometry geometry = model.Geometry;
        var tensors = new List<Expected>();
        foreach (PlacedTensor t in geometry.Tensors())
            tensors.Add(new Expected(t.Name, t.Tensor.Shape, t.Offset));
        return (tensors, checked((int)geometry.ParameterCount));
    }

    /// <summary>The model's parameters from the bytes of a safetensors file, or null with <paramref name="problems"/> saying why.</summary>
    public static float[]? Read(byte[] bytes, IReadOnlyList<Expected> expected, int parameterCount, List<string> problems)
    {
        Dictionary<string, SafetensorsTensorInfo> entries;
        long dataStart;
        try
        {
            long headerLength = SafetensorsFormat.HeaderLength(bytes, bytes.Length);
            dataStart = SafetensorsFormat.PrefixBytes + headerLength;
            (entries, _) = SafetensorsFormat.ParseHeader(bytes, SafetensorsFormat.PrefixBytes, (int)headerLength, bytes.Length - dataStart);
        }
        catch (InvalidDataException e)
        {
            problems.Add("not a valid safetensors file: " + e.Message.TrimEnd('.'));
            return null;
        }
        var parameters = new float[parameterCount];
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (Expected t in expected)
        {
            string shape = "[" + string.Join(", ", t.Shape) + "]";
            if (!entries.TryGetValue(t.Name, out SafetensorsTensorInfo? e))
            {
                problems.Add($"tensor '{t.Name}' {shape} is missing");
                continue;
            }
            used.Add(t.Name);
            if (!SameShape(e.Shape, t.Shape))
            {
                problems.Add($"tensor '{t.Name}' is {e.ShapeText} in the file; the model needs {shape}");
                continue;
            }
            if (!SafetensorsFormat.IsFloat(e.DType))
            {
                problems.Add($"tensor '{t.Name}' has dtype {e.DType}; expected F32, F64, F16 or BF16");
                continue;
            }
            // The header check guarantees the data holds exactly the shape's elements, inside the file.
            long start = dataStart + e.Begin;
            for (int i = 0; i < e.ElementCount; i++)
                parameters[t.Offset + i] = SafetensorsFormat.ReadSingle(bytes, start, i, e.DType);
        }
        foreach (string name in entries.Keys)
            if (!used.Contains(name) && !name.StartsWith("optimizer.", StringComparison.Ordinal))
                problems.Add($"tensor '{name}' matches no parameter of this model");
        return problems.Count == 0 ? parameters : null;
    }

    private static bool SameShape(IReadOnlyList<long> a, int[] b)
    {
        if (a.Count != b.Length) return false;
        for (int i = 0; i < b.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
