using System.Text.Json;
using RnnGen.Optimization;
using RnnGen.Safetensors;

namespace RnnGen.Training;

/// <summary>
/// Trainer checkpoints: one safetensors file holding the parameters (PyTorch names, so the file also loads with
/// <see cref="IRecurrentNetwork.LoadSafetensors(string)"/> and in PyTorch), the optimizer state
/// (<c>optimizer.exp_avg</c>, …), the best parameters for early stopping and the carried stream states, with the
/// trainer's position and the network spec as JSON metadata. A readable copy of that JSON is written beside it
/// (<c>&lt;path&gt;.json</c>). Both are written to a temporary file, then renamed.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key of the trainer's position (JSON).</summary>
    public const string TrainerMetadataKey = ParameterIO.TrainerMetadataKey;

    /// <summary>The networks a checkpoint holds, each with the prefix of its tensor names: one network with none, or an
    /// encoder–decoder pair with <c>encoder.</c> and <c>decoder.</c>. The master parameters are their parameters in this order.</summary>
    internal static (string Prefix, IRecurrentNetwork Network)[] Parts(IRecurrentNetwork model, EncoderDecoder? pair) =>
        pair is null ? [("", model)] : [("encoder.", pair.Encoder), ("decoder.", pair.Decoder)];

    /// <summary>The metadata key of a part's network spec.</summary>
    private static string SpecKey(string prefix) => prefix.Length == 0 ? ParameterIO.SpecMetadataKey : ParameterIO.SpecMetadataKey + "." + prefix.TrimEnd('.');

    internal static void Save(string path, (string Prefix, IRecurrentNetwork Network)[] parts, ReadOnlySpan<float> master, IOptimizer optimizer,
        TrainerCheckpoint state, float[]? bestParameters, float[][]? streamStates)
    {
        float[] parameters = master.ToArray();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (!float.IsFinite(parameters[i]))
                throw new TrainingDivergedException($"Not writing checkpoint {path}: parameter {i} is {parameters[i]} after update {state.Update}; the previous checkpoint is intact.", state.Update);
        }
        // Like Keras' ModelCheckpoint, a folder that does not exist yet is created.
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            try { Directory.CreateDirectory(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Could not write checkpoint {path}: its folder {folder} cannot be created ({e.Message}).", e);
            }
        }
        var tensors = new List<(string, int[], ReadOnlyMemory<float>)>();
        int offset = 0;
        foreach (var (prefix, network) in parts)
        {
            foreach (ParameterTensor t in network.Spec.ParameterLayout)
                tensors.Add((prefix + t.Name, t.Shape, parameters.AsMemory(offset + t.Offset, t.Length)));
            offset += network.ParameterCount;
        }
        foreach (var (name, buffer) in optimizer.State.OrderBy(p => p.Key, StringComparer.Ordinal))
            tensors.Add(("optimizer." + name, [buffer.Length], buffer.ToArray()));
        if (bestParameters is not null) tensors.Add(("trainer.best_parameters", [bestParameters.Length], bestParameters.ToArray()));
        if (streamStates is { Length: > 0 })
        {
            int width = streamStates[0].Length;
            float[] flat = new float[streamStates.Length * width];
            for (int b = 0; b < streamStates.Length; b++) streamStates[b].CopyTo(flat, b * width);
            tensors.Add(("trainer.stream_states", [streamStates.Length, width], flat));
        }
        string json = JsonSerializer.Serialize(state, TrainingJsonContext.Default.TrainerCheckpoint);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", [TrainerMetadataKey] = json };
        string readable = "{\n  \"trainer\": " + json;
        foreach (var (prefix, network) in parts)
        {
            metadata[SpecKey(prefix)] = network.Spec.ToJson();
            readable += ",\n  \"" + (prefix.Length == 0 ? "spec" : prefix.TrimEnd('.')) + "\": " + network.Spec.ToJson();
        }
        readable += "\n}\n";
        SafetensorsFile.WriteFloat32(path, tensors, metadata);
        AtomicFile.Write(path + ".json", stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(readable)));
    }

    internal static (Trainer.Position State, float[]? Best, float[][]? Streams) Load(string path, (string Prefix, IRecurrentNetwork Network)[] parts,
        Span<float> master, IOptimizer optimizer, Action<Trainer.Position> check)
    {
        SafetensorsFile file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(TrainerMetadataKey, out string? json))
            throw new InvalidDataException($"{path}: not a trainer checkpoint (no '{TrainerMetadataKey}' metadata). To load parameters only, use LoadSafetensors.");
        Trainer.Position state;
        try
        {
            state = JsonSerializer.Deserialize(json, TrainingJsonContext.Default.Position)
                ?? throw new InvalidDataException($"{path}: the '{TrainerMetadataKey}' metadata is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the '{TrainerMetadataKey}' metadata is not valid JSON: {e.Message}", e);
        }
        if (state.Version != 1) throw new InvalidDataException($"{path}: checkpoint version {state.Version}; this RnnGen reads version 1.");
        check(state);   // the trainer's own rules, before anything of it changes
        foreach (var (prefix, network) in parts)
        {
            string what = prefix.Length == 0 ? "network" : prefix.TrimEnd('.');
            if (!file.Metadata.TryGetValue(SpecKey(prefix), out string? specJson))
            {
                if (parts.Length == 1) continue;   // a single network's spec is optional, as in any safetensors file
                throw new InvalidDataException($"{path}: no '{SpecKey(prefix)}' metadata; it is not a checkpoint of an encoder–decoder pair.");
            }
            NetworkSpec spec;
            try { spec = NetworkSpec.FromJson(specJson); }
            catch (Exception e) when (e is JsonException or ArgumentException) { throw new InvalidDataException($"{path}: the {what} spec in the file is invalid: {e.Message}", e); }
            if (!spec.Equals(network.Spec))
                throw new InvalidDataException($"{path}: written for {spec}; this trainer's {what} is {network.Spec}.");
        }
        if (state.Optimizer != optimizer.GetType().Name)
            throw new InvalidDataException($"{path}: written with optimizer {state.Optimizer}; this trainer uses {optimizer.GetType().Name}.");

        int count = master.Length;
        float[] parameters = new float[count];
        int offset = 0;
        foreach (var (prefix, network) in parts)
        {
            ParameterLayout layout = network.Spec.ParameterLayout;
            var names = layout.ToDictionary(t => t.Name, t => prefix + t.Name, StringComparer.Ordinal);
            ParameterIO.Load(path, layout, names, ignoreUnusedTensors: true, parameters.AsSpan(offset, network.ParameterCount));
            offset += network.ParameterCount;
        }
        IRecurrentNetwork model = parts[0].Network;
        var optimizerState = new Dictionary<string, float[]>(StringComparer.Ordinal);
        float[]? best = null;
        float[][]? streams = null;
        foreach (var (name, info) in file.Tensors)
        {
            if (name.StartsWith("optimizer.", StringComparison.Ordinal))
                optimizerState[name["optimizer.".Length..]] = ReadVector(file, path, name, info, count);
            else if (name == "trainer.best_parameters")
                best = ReadVector(file, path, name, info, count);
            else if (name == "trainer.stream_states")
            {
                if (info.Shape.Count != 2 || info.Shape[1] != model.StateSize || info.Shape[0] < 1 || info.Shape[0] > 1 << 20)
                    throw new InvalidDataException($"{path}: tensor {name} has shape {info.ShapeText}; expected [streams, {model.StateSize}].");
                float[] flat = file.ReadFloat32(name);
                streams = new float[(int)info.Shape[0]][];
                for (int b = 0; b < streams.Length; b++) streams[b] = flat.AsSpan(b * model.StateSize, model.StateSize).ToArray();
            }
        }
        optimizer.Restore(state.OptimizerSteps, optimizerState);   // validates the state names
        parameters.CopyTo(master);
        return (state, best, streams);
    }

    private static float[] ReadVector(SafetensorsFile file, string path, string name, SafetensorsTensorInfo info, int count)
    {
        if (info.Shape.Count != 1 || info.Shape[0] != count)
            throw new InvalidDataException($"{path}: tensor {name} has shape {info.ShapeText}; expected [{count}] (ParameterCount).");
        return file.ReadFloat32(name);
    }
}
