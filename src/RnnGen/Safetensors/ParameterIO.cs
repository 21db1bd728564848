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

    /// <summary>Metadata key of a trainer checkpoint's position (JSON); a file that has it also holds the trainer's
    /// own tensors (<c>optimizer.*</c>, <c>trainer.*</c>), which loading parameters skips.</summary>
    internal const string TrainerMetadataKey = "rnngen.trainer";

    /// <summary>
    /// Loads the parameters of <paramref name="spec"/> from <paramref name="path"/> into <paramref name="destination"/>,
    /// as <c>LoadSafetensors</c> does: besides the checks of
    /// <see cref="Load(string, ParameterLayout, IReadOnlyDictionary{string, string}, bool, Span{float})"/>, a file that
    /// records the network it was saved from (<see cref="SpecMetadataKey"/>) must describe the same function: the same
    /// layers with the same activations, loss, reduction and output mode (MaxSteps may differ). A trainer
    /// checkpoint's optimizer and trainer tensors are recognised and skipped.
    /// </summary>
    /// <exception cref="InvalidDataException">The file does not fit (see the other overload), or it was saved from a
    /// network that computes something else; the message names the differing field and <paramref name="ignoreSpecMismatch"/>.</exception>
    public static void Load(string path, NetworkSpec spec, IReadOnlyDictionary<string, string> nameMap,
        bool ignoreUnusedTensors, bool ignoreSpecMismatch, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(nameMap);
        Guard.Length(destination.Length, spec.ParameterCount, nameof(destination));
        SafetensorsFile file = SafetensorsFile.Open(path);
        if (!ignoreSpecMismatch && file.Metadata.TryGetValue(SpecMetadataKey, out string? json))
        {
            NetworkSpec saved;
            try { saved = NetworkSpec.FromJson(json); }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: the network spec stored in the file ('{SpecMetadataKey}') is invalid: {e.Message} " +
                    "Pass ignoreSpecMismatch: true to load the tensors anyway.", e);
            }
            string? difference = FunctionDifference(saved, spec);
            if (difference is not null)
                throw new InvalidDataException($"{path} was saved from a network that computes something else: {difference}. " +
                    "Load it into a model declared like the saved one, or pass ignoreSpecMismatch: true to load the weights anyway.");
        }
        Load(file, path, spec.ParameterLayout, nameMap, ignoreUnusedTensors, destination);
    }

    /// <summary>The first field in which two networks of the same architecture (the same layers, sizes and directions)
    /// compute different functions: an activation, a leak, a reservoir setting, the loss, reduction or output mode
    /// (MaxSteps aside). Null when they agree, or when the architectures differ: then the tensors' names and shapes
    /// tell (or a name map was given on purpose).</summary>
    internal static string? FunctionDifference(NetworkSpec saved, NetworkSpec current)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        if (saved.InputSize != current.InputSize || saved.Layers.Count != current.Layers.Count) return null;
        for (int i = 0; i < saved.Layers.Count; i++)
        {
            LayerSpec a = saved.Layers[i], b = current.Layers[i];
            if (a.Kind != b.Kind || a.Size != b.Size || a.Bidirectional != b.Bidirectional || a.Vocabulary != b.Vocabulary || a.Peepholes != b.Peepholes || a.ProjectionSize != b.ProjectionSize || a.LearnInitialState != b.LearnInitialState) return null;
        }
        static string Field<TValue>(string name, TValue file, TValue model) => $"{name} is {file} in the file and {model} in this model";
        for (int i = 0; i < saved.Layers.Count; i++)
        {
            LayerSpec a = saved.Layers[i], b = current.Layers[i];
            if (a == b) continue;
            if (a with { Dropout = b.Dropout, RecurrentDropout = b.RecurrentDropout } == b) continue;   // dropout only acts while training
            string layer = $"layer {i + 1}, {NetworkSpec.Describe(b)}:";
            if (a.Activation != b.Activation) return $"{layer} {Field("Activation", a.Activation, b.Activation)}";
            if (a.Leak != b.Leak) return $"{layer} {Field("Leak", a.Leak, b.Leak)}";
            if (a.LearnLeak != b.LearnLeak) return $"{layer} {Field("LearnLeak", a.LearnLeak, b.LearnLeak)}";
            if (a.SkipDelay != b.SkipDelay) return $"{layer} {Field("SkipDelay", a.SkipDelay, b.SkipDelay)}";
            if (a.ReplaceUnitDelay != b.ReplaceUnitDelay) return $"{layer} {Field("ReplaceUnitDelay", a.ReplaceUnitDelay, b.ReplaceUnitDelay)}";
            if (!Equals(a.ClockPeriods, b.ClockPeriods))
                return $"{layer} {Field("ClockPeriods", a.ClockPeriods?.ToString() ?? "none", b.ClockPeriods?.ToString() ?? "none")}";
            if (a.IsReservoir != b.IsReservoir) return $"{layer} {Field("IsReservoir", a.IsReservoir, b.IsReservoir)}";
            return $"{layer} the reservoir settings differ ({a} in the file, {b} in this model)";
        }
        if (saved.Loss != current.Loss) return Field("Loss", saved.Loss, current.Loss);
        if (saved.Reduction != current.Reduction) return Field("Reduction", saved.Reduction, current.Reduction);
        if (saved.Output != current.Output) return Field("Output", saved.Output, current.Output);
        return null;
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
        Load(SafetensorsFile.Open(path), path, layout, nameMap, ignoreUnusedTensors, destination);
    }

    private static void Load(SafetensorsFile file, string path, ParameterLayout layout, IReadOnlyDictionary<string, string> nameMap,
        bool ignoreUnusedTensors, Span<float> destination)
    {
        // A trainer checkpoint also holds the optimizer's state and the trainer's own tensors: not parameters.
        bool checkpoint = file.Metadata.ContainsKey(TrainerMetadataKey);
        var problems = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        int missing = 0, extras = 0;
        foreach (ParameterTensor t in layout)
        {
            string fileName = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            string label = fileName == t.Name ? t.Name : $"{t.Name} (file: {fileName})";
            if (!file.Tensors.TryGetValue(fileName, out SafetensorsTensorInfo? info))
            {
                problems.Add($"missing tensor {label}: expected shape {t.ShapeText}");
                missing++;
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
            foreach (SafetensorsTensorInfo extra in file.Tensors.Values
                .Where(i => !used.Contains(i.Name) && !(checkpoint && IsTrainerTensor(i.Name)))
                .OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                problems.Add($"extra tensor {extra.Name} {extra.ShapeText} matches no parameter of this network");
                extras++;
            }
        }
        if (problems.Count > 0)
        {
            var advice = new List<string>();
            if (missing > 0)
                advice.Add("If the file names its tensors differently (e.g. encoder.lstm.weight_ih_l0), pass a nameMap from our names to the file's: " +
                    "LoadSafetensors(path, new Dictionary<string, string> { [\"layers.0.weight_ih_l0\"] = \"encoder.lstm.weight_ih_l0\" }); " +
                    "`rnngen check` and `rnngen import` list the names.");
            if (extras > 0)
                advice.Add("To load it anyway, skipping the extra tensors, call LoadSafetensors(path, nameMap, ignoreUnusedTensors: true).");
            throw new InvalidDataException($"{path} does not fit this network ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n  "
                + string.Join("\n  ", problems) + (advice.Count > 0 ? "\n" + string.Join("\n", advice) : ""));
        }

        float[] staged = new float[layout.ParameterCount];
        foreach (ParameterTensor t in layout)
        {
            string fileName = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            file.ReadFloat32(fileName, staged.AsSpan(t.Offset, t.Length));
        }
        staged.CopyTo(destination);
    }

    /// <summary>Tensors a trainer checkpoint holds besides the parameters.</summary>
    internal static bool IsTrainerTensor(string name) =>
        name.StartsWith("optimizer.", StringComparison.Ordinal) || name.StartsWith("trainer.", StringComparison.Ordinal);
}
