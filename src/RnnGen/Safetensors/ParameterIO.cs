namespace RnnGen.Safetensors;

/// <summary>Parameters ⇄ safetensors with PyTorch's state_dict names; shared by the reference runtime and generated models.</summary>
public static class ParameterIO
{
    /// <summary>Metadata key holding the network spec as JSON.</summary>
    public const string SpecMetadataKey = "rnngen.spec";

    /// <summary>Saves <paramref name="parameters"/> (layout of <paramref name="spec"/>) to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, NetworkSpec spec, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ParameterLayout layout = spec.ParameterLayout;
        Guard.Length(parameters.Length, layout.ParameterCount, nameof(parameters));
        float[] copy = parameters.ToArray();
        var tensors = layout.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<float>)copy.AsMemory(t.Offset, t.Length)));
        var metadata = new Dictionary<string, string> { ["format"] = "pt", [SpecMetadataKey] = spec.ToJson() };
        SafetensorsFile.WriteFloat32(path, tensors, metadata);
    }

    /// <summary>
    /// Loads every tensor of <paramref name="layout"/> from <paramref name="path"/> into <paramref name="destination"/>.
    /// All problems are collected and reported together; <paramref name="destination"/> is written only when the
    /// whole file fits.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, mis-shaped or of a non-float dtype, an unused
    /// tensor is present (unless ignored), or the file is corrupt.</exception>
    public static void Load(string path, ParameterLayout layout, IReadOnlyDictionary<string, string> nameMap,
        bool ignoreUnusedTensors, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(nameMap);
        Guard.Length(destination.Length, layout.ParameterCount, nameof(destination));
        SafetensorsFile file = SafetensorsFile.Open(path);
        var problems = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor t in layout)
        {
            string fileName = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            string label = fileName == t.Name ? t.Name : $"{t.Name} (file: {fileName})";
            if (!file.Tensors.TryGetValue(fileName, out SafetensorsTensorInfo? info))
            {
                problems.Add($"missing tensor {label}: expected shape {t.ShapeText}");
                continue;
            }
            used.Add(fileName);
            if (!info.Shape.SequenceEqual(t.Shape.Select(d => (long)d)))
                problems.Add($"tensor {label}: expected shape {t.ShapeText}, the file has {info.ShapeText}");
            else if (info.DType is not ("F32" or "F64" or "F16" or "BF16"))
                problems.Add($"tensor {label}: dtype {info.DType} is not a floating-point type");
        }
        if (!ignoreUnusedTensors)
        {
            foreach (SafetensorsTensorInfo extra in file.Tensors.Values.Where(i => !used.Contains(i.Name)).OrderBy(i => i.Name, StringComparer.Ordinal))
                problems.Add($"extra tensor {extra.Name} {extra.ShapeText} matches no parameter of this network");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{path} does not fit this network ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n  "
                + string.Join("\n  ", problems));

        float[] staged = new float[layout.ParameterCount];
        foreach (ParameterTensor t in layout)
        {
            string fileName = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            file.ReadFloat32(fileName, staged.AsSpan(t.Offset, t.Length));
        }
        staged.CopyTo(destination);
    }
}
