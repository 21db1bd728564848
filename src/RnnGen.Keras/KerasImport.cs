using System.IO.Compression;
using System.Text.Json;
using PureHDF;
using PureHDF.VOL.Native;
using RnnGen.Safetensors;

namespace RnnGen.Keras;

/// <summary>
/// Imports Keras' own files: a Keras 3 <c>.keras</c> zip (<c>config.json</c> + <c>model.weights.h5</c>, weights under
/// <c>layers/&lt;snake_case(class name)&gt;[_k]/[cell/|layer/]vars/0…</c>, numbered per class in the model's layer
/// order, as Keras' saving_lib writes them) and a legacy Keras 2 <c>.h5</c> (<c>model_config</c> attribute,
/// weights under <c>model_weights/&lt;layer&gt;/…</c> named by its <c>weight_names</c> attribute). The configuration
/// gives the layer types, activations, <c>return_sequences</c> and <c>reset_after</c>; the HDF5 datasets (read with
/// PureHDF) give the weights, converted as <see cref="KerasJsonImport.Build"/> does.
/// </summary>
public static class KerasImport
{
    /// <summary>The largest <c>config.json</c> or <c>model.weights.h5</c> read out of a .keras zip.</summary>
    public const long MaxEntryBytes = 512L << 20;

    /// <summary>The largest HDF5 attribute (<c>model_config</c>, <c>weight_names</c>) read, checked from its type size
    /// and element count before it is read.</summary>
    public const long MaxAttributeBytes = 16L << 20;

    private static readonly byte[] Hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads <paramref name="path"/>: a .keras zip or a legacy .h5, told apart by their first bytes.</summary>
    /// <exception cref="InvalidDataException">The file is neither, is damaged, or holds a layer RnnGen cannot import;
    /// the message starts with the path.</exception>
    public static ImportedModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] head = new byte[8];
        int n;
        using (FileStream s = File.OpenRead(path)) n = s.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        if (n >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K') return ReadKeras(path);
        if (n == 8 && head.AsSpan().SequenceEqual(Hdf5Signature)) return ReadH5(path);
        throw Bad(path, "neither a .keras zip nor an HDF5 (.h5) file.");
    }

    /// <summary>Reads a Keras 3 <c>.keras</c> file.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static ImportedModel ReadKeras(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] config, weights;
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            config = Entry(zip, "config.json", path);
            weights = Entry(zip, "model.weights.h5", path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal)) { throw Bad(path, $"not a readable zip ({e.Message})", e); }
        (int inputSize, List<LayerConfig> layers) = Config(config, path, "config.json");
        var list = new List<KerasLayer>();
        using (var scan = new MemoryStream(weights, writable: false)) CheckGlobalHeaps(scan, path, "model.weights.h5 ");
        Hdf5(path, "model.weights.h5", () => H5File.Open(new MemoryStream(weights, writable: false), leaveOpen: false), file =>
        {
            foreach (LayerConfig l in layers)
            {
                if (!l.HasWeights) { list.Add(l.Layer([])); continue; }
                // Keras 3 addresses a layer's weights by its class, not its name (saving_lib: layers/lstm, layers/lstm_1…);
                // the name is tried only when that path is absent (files written by other tools).
                string? found = null;
                foreach (string key in l.WeightsKey == l.Name ? [l.WeightsKey] : new[] { l.WeightsKey, l.Name })
                {
                    if (!Exists(file, $"layers/{key}")) continue;
                    foreach (string sub in new[] { "cell/vars", "layer/vars", "vars" })
                    {
                        string p = $"layers/{key}/{sub}";
                        if (Exists(file, p) && file.Group(p).Children().Any()) { found = p; break; }
                    }
                    break;
                }
                if (found is null)
                    throw Bad(path, $"model.weights.h5 has no weights for layer '{l.Name}' ({l.ClassName}) under layers/{l.WeightsKey}/{(l.WeightsKey == l.Name ? "" : $" nor layers/{l.Name}/")}.");
                var vars = file.Group(found).Children()
                    .Select(c => (Index: int.TryParse(c.Name, out int k) ? k : int.MaxValue, c.Name))
                    .OrderBy(c => c.Index).ToList();
                if (vars.Any(v => v.Index == int.MaxValue)) throw Bad(path, $"{found} holds '{vars.First(v => v.Index == int.MaxValue).Name}', not a numbered variable.");
                list.Add(l.Layer([.. vars.Select(v => Tensor(file, $"{found}/{v.Name}", path, "model.weights.h5 "))]));
            }
        });
        return KerasJsonImport.Build(path, inputSize, list, ["read from the Keras 3 file's config.json and model.weights.h5."]);
    }

    /// <summary>Reads a legacy Keras 2 <c>.h5</c> file (<c>model.save("x.h5")</c>).</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static ImportedModel ReadH5(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int inputSize = 0;
        var list = new List<KerasLayer>();
        using (FileStream scan = File.OpenRead(path)) CheckGlobalHeaps(scan, path, "");
        Hdf5(path, "", () => H5File.OpenRead(path), file =>
        {
            if (!file.AttributeExists("model_config"))
                throw Bad(path, "has no 'model_config' attribute: a weights-only file (save_weights) does not say which layers it holds; save the whole model.");
            string json = StringAttribute(file, "model_config", path, "");
            (inputSize, List<LayerConfig> layers) = Config(System.Text.Encoding.UTF8.GetBytes(json), path, "model_config");
            string root = Exists(file, "model_weights") ? "model_weights" : "";
            foreach (LayerConfig l in layers)
            {
                if (!l.HasWeights) { list.Add(l.Layer([])); continue; }
                string g = root.Length > 0 ? $"{root}/{l.Name}" : l.Name;
                if (!Exists(file, g)) throw Bad(path, $"has no group {g} for layer '{l.Name}' ({l.ClassName}).");
                IH5Group group = file.Group(g);
                string[] names = group.AttributeExists("weight_names") ? StringsAttribute(group, "weight_names", path, g + "/") : [];
                if (names.Length == 0) throw Bad(path, $"{g} has no weight_names.");
                var ordered = names.OrderBy(Role).ToList();
                list.Add(l.Layer([.. ordered.Select(w => Tensor(group, w, path, g + "/"))]));
            }
        });
        return KerasJsonImport.Build(path, inputSize, list, ["read from the legacy .h5 file's model_config and model_weights."]);
    }

    // kernel, recurrent_kernel, bias: the order KerasJsonImport.Build takes them in, whatever the file's.
    private static int Role(string name)
    {
        string leaf = name[(name.LastIndexOf('/') + 1)..];
        return leaf.StartsWith("recurrent_kernel", StringComparison.Ordinal) ? 1 : leaf.StartsWith("kernel", StringComparison.Ordinal) ? 0 : leaf.StartsWith("bias", StringComparison.Ordinal) ? 2 : 3;
    }

    /// <summary>A string attribute, its size checked against <see cref="MaxAttributeBytes"/> before it is read.</summary>
    private static string StringAttribute(IH5Object owner, string name, string path, string prefix)
    {
        IH5Attribute a = owner.Attribute(name);
        CheckAttribute(a, path, prefix + name);
        if (a.Space.Dimensions.Length > 0 && Elements(a) != 1) throw Bad(path, $"{prefix}{name} holds {Elements(a)} values, not one string.");
        return a.Read<string>();
    }

    private static string[] StringsAttribute(IH5Object owner, string name, string path, string prefix)
    {
        IH5Attribute a = owner.Attribute(name);
        CheckAttribute(a, path, prefix + name);
        if (a.Space.Dimensions.Length > 1) throw Bad(path, $"{prefix}{name} has {a.Space.Dimensions.Length} dimensions, not a list of strings.");
        return a.Read<string[]>();
    }

    /// <summary>
    /// Variable-length strings (h5py's <c>model_config</c>, <c>weight_names</c>) live in global heap collections
    /// ("GCOL"), whose objects PureHDF allocates at the size the file states. Every collection in the file is walked
    /// as PureHDF would walk it, and an object larger than <see cref="MaxAttributeBytes"/> or than the rest of the file
    /// is refused before PureHDF reads anything.
    /// </summary>
    private static void CheckGlobalHeaps(Stream s, string path, string prefix)
    {
        long length = s.Length;
        if (length < 16) return;
        var head = new byte[16];
        s.Position = 0;
        s.ReadExactly(head);
        // The superblock's "size of lengths": byte 14 in versions 0 and 1, byte 10 in versions 2 and 3.
        int lengths = head[8] <= 1 ? head[14] : head[10];
        if (lengths is not (2 or 4 or 8)) return;   // PureHDF refuses such a superblock itself
        var buffer = new byte[1 << 20];
        long at = 0;
        var hits = new List<long>();
        while (at < length)
        {
            s.Position = at;
            int n = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            for (int i = 0; i + 3 < n; i++)
                if (buffer[i] == 'G' && buffer[i + 1] == 'C' && buffer[i + 2] == 'O' && buffer[i + 3] == 'L') hits.Add(at + i);
            if (at + n >= length) break;
            at += n - 3;
        }
        Span<byte> field = stackalloc byte[8];
        foreach (long start in hits)
        {
            if (start + 8 + lengths > length) continue;
            s.Position = start + 4;
            if (s.ReadByte() != 1) continue;   // not a version 1 collection: PureHDF refuses it
            s.Position = start + 8;
            ulong remaining = ReadLength(s, lengths, field);
            ulong header = 8UL + (ulong)lengths;
            long pos = start + 8 + lengths;
            while (remaining > header && pos + 2 <= length)
            {
                s.Position = pos;
                int index = s.ReadByte() | (s.ReadByte() << 8);
                if (index == 0) break;
                if (pos + 8 + lengths > length) break;   // PureHDF meets the end of the file
                s.Position = pos + 8;
                ulong size = ReadLength(s, lengths, field);
                long rest = length - (pos + 8 + lengths);
                if (size > (ulong)MaxAttributeBytes || size > (ulong)rest)
                    throw Bad(path, $"{prefix}has a global heap object of {size} bytes at offset {pos}, more than {(size > (ulong)MaxAttributeBytes ? $"the {MaxAttributeBytes} bytes an attribute may hold here" : $"the {rest} bytes after it")}.");
                ulong consumed = header + (size + 7) / 8 * 8;
                unchecked { remaining -= consumed; }   // as PureHDF counts
                pos += (long)consumed;
            }
        }
        s.Position = 0;
    }

    private static ulong ReadLength(Stream s, int size, Span<byte> field)
    {
        field.Clear();
        s.ReadExactly(field[..size]);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(field);
    }

    private static ulong Elements(IH5Attribute a)
    {
        ulong count = 1;
        foreach (ulong d in a.Space.Dimensions)
        {
            if (d != 0 && count > ulong.MaxValue / d) return ulong.MaxValue;
            count *= d;
        }
        return count;
    }

    private static void CheckAttribute(IH5Attribute a, string path, string what)
    {
        if (a.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            throw Bad(path, $"{what} holds {a.Type.Class}, not text.");
        ulong count = Elements(a), size = (ulong)Math.Max((long)a.Type.Size, 1L);
        if (count > (ulong)MaxAttributeBytes / size)
            throw Bad(path, $"{what} is {(count == ulong.MaxValue ? "more than 2^64" : count.ToString(System.Globalization.CultureInfo.InvariantCulture))} values of {a.Type.Size} bytes, more than the {MaxAttributeBytes} bytes an attribute may hold here.");
    }

    private static bool Exists(IH5Group file, string path)
    {
        IH5Group g = file;
        foreach (string part in path.Split('/'))
        {
            if (!g.LinkExists(part)) return false;
            if (g.Get(part) is not IH5Group next) return false;
            g = next;
        }
        return true;
    }

    private static KerasTensor Tensor(IH5Group group, string name, string path, string prefix)
    {
        IH5Dataset ds;
        try { ds = group.Dataset(name); }
        catch (Exception e) when (e is not InvalidDataException) { throw Bad(path, $"{prefix}{name} is not a dataset ({e.Message})", e); }
        ulong[] dims = ds.Space.Dimensions;
        if (dims.Length is 0 or > 4) throw Bad(path, $"{prefix}{name} has {dims.Length} dimensions; a weight has 1 to 4.");
        long count = 1;
        foreach (ulong d in dims)
        {
            if (d > int.MaxValue || (count *= (long)d) > NetworkSpec.MaxParameterCount)
                throw Bad(path, $"{prefix}{name} is [{string.Join(", ", dims)}], larger than any RnnGen network.");
        }
        if (ds.Type.Class != H5DataTypeClass.FloatingPoint || ds.Type.Size is not (4 or 8))
            throw Bad(path, $"{prefix}{name} holds {ds.Type.Class} of {ds.Type.Size} bytes, not float32 or float64.");
        float[] values = ds.Type.Size == 4 ? ds.Read<float[]>() : [.. ds.Read<double[]>().Select(v => (float)v)];
        if (values.Length != count) throw Bad(path, $"{prefix}{name}: {values.Length} values for [{string.Join(", ", dims)}].");
        foreach (float v in values)
            if (!float.IsFinite(v)) throw Bad(path, $"{prefix}{name} holds {v}, not a finite float.");
        return new KerasTensor(prefix + name, [.. dims.Select(d => (int)d)], values);
    }

    /// <summary>Opens an HDF5 file and runs <paramref name="read"/>; whatever PureHDF throws on a damaged file becomes
    /// an <see cref="InvalidDataException"/> naming the path.</summary>
    private static void Hdf5(string path, string what, Func<NativeFile> open, Action<NativeFile> read)
    {
        try
        {
            using NativeFile file = open();
            read(file);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(path, StringComparison.Ordinal)) { throw; }
        // PureHDF on a damaged file: EndOfStream, IndexOutOfRange, Overflow… An OutOfMemoryException is not one of these:
        // sizes read from the file (datasets, attributes, zip entries) are checked before anything is allocated.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Bad(path, $"{(what.Length > 0 ? what + " is " : "")}not a readable HDF5 file ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static byte[] Entry(ZipArchive zip, string name, string path)
    {
        ZipArchiveEntry entry = zip.GetEntry(name) ?? throw Bad(path, $"has no {name}: not a Keras 3 .keras file.");
        if (entry.Length > MaxEntryBytes) throw Bad(path, $"{name} is {entry.Length} bytes, more than {MaxEntryBytes}.");
        using Stream s = entry.Open();
        var buffer = new MemoryStream();
        s.CopyTo(buffer);
        if (buffer.Length != entry.Length) throw Bad(path, $"{name} holds {buffer.Length} bytes, its entry says {entry.Length}.");
        return buffer.ToArray();
    }

    // ------------------------------------------------------------------------------------------ the configuration

    private sealed record LayerConfig(string ClassName, string Name, string Type, string Activation, int Units, bool HasWeights)
    {
        /// <summary>Where a Keras 3 model.weights.h5 keeps the layer's weights: layers/&lt;this&gt;/….</summary>
        public string WeightsKey { get; init; } = Name;
        public bool ReturnSequences { get; init; } = true;
        public string RecurrentActivation { get; init; } = "sigmoid";
        public bool? ResetAfter { get; init; }

        public KerasLayer Layer(IReadOnlyList<KerasTensor> weights) => new(Type, Activation, Units, weights)
        {
            Name = Name,
            ReturnSequences = ReturnSequences,
            RecurrentActivation = RecurrentActivation,
            ResetAfter = ResetAfter,
        };
    }

    private static (int InputSize, List<LayerConfig> Layers) Config(byte[] json, string path, string where)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw Bad(path, $"{where} is not valid JSON ({e.Message})", e); }
        using (document)
        {
            try { return Layers(document.RootElement, path, where); }
            catch (InvalidOperationException e) { throw Bad(path, $"{where} holds text that is not valid UTF-8 ({e.Message})", e); }
        }
    }

    private static (int InputSize, List<LayerConfig> Layers) Layers(JsonElement root, string path, string where)
    {
        {
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, $"{where} is not a model configuration.");
            string cls = Str(root, "class_name");
            if (cls is not ("Sequential" or "Functional" or "Model"))
                throw Bad(path, $"{where} describes a '{cls}'; RnnGen imports Sequential models and functional models that are one chain of layers.");
            JsonElement config = root.TryGetProperty("config", out JsonElement c) ? c : default;
            JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
                : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out JsonElement l) && l.ValueKind == JsonValueKind.Array ? l
                : throw Bad(path, $"{where} has no list of layers.");
            int inputSize = 0;
            var result = new List<LayerConfig>();
            int index = 0;
            // Keras 3's saving_lib numbers the model's layers per class: layers/lstm, layers/lstm_1, layers/dense…, over
            // Sequential.layers (without the InputLayer it starts with) or Functional.layers (with its InputLayer).
            var perClass = new Dictionary<string, int>(StringComparer.Ordinal);
            string previous = "";
            foreach (JsonElement layer in layers.EnumerateArray())
            {
                if (layer.ValueKind != JsonValueKind.Object) throw Bad(path, $"{where}: layer {index} is not an object.");
                string type = Str(layer, "class_name");
                JsonElement lc = layer.TryGetProperty("config", out JsonElement x) && x.ValueKind == JsonValueKind.Object ? x
                    : throw Bad(path, $"{where}: layer {index} ({type}) has no config.");
                string name = Str(lc, "name");
                if (name.Length == 0 || name.Contains('/')) throw Bad(path, $"{where}: layer {index} ({type}) has no usable name.");
                if (cls != "Sequential") Chain(layer, name, type, previous, index, path, where);
                previous = name;
                string weightsKey = name;
                if (!(cls == "Sequential" && index == 0 && type == "InputLayer"))
                {
                    string snake = SnakeCase(type);
                    int k = perClass.TryGetValue(snake, out int seen) ? seen + 1 : 0;
                    perClass[snake] = k;
                    weightsKey = k == 0 ? snake : $"{snake}_{k}";
                }
                if (index == 0 || type == "InputLayer")
                {
                    foreach (string key in new[] { "batch_input_shape", "batch_shape" })
                        if (lc.TryGetProperty(key, out JsonElement shape) && shape.ValueKind == JsonValueKind.Array && shape.GetArrayLength() > 0
                            && shape[shape.GetArrayLength() - 1].TryGetInt32(out int features) && features > 0)
                            inputSize = features;
                }
                index++;
                switch (type)
                {
                    case "InputLayer":
                        continue;
                    case "Dropout" or "SpatialDropout1D" or "GaussianDropout" or "GaussianNoise":
                        continue;   // identity at inference
                    case "Bidirectional":
                        throw Bad(path, $"{where}: layer {index - 1} '{name}' is Bidirectional, which this importer does not read yet.");
                }
                bool recurrent = type is "LSTM" or "GRU" or "SimpleRNN";
                if (recurrent && Bool(lc, "go_backwards", false)) throw Bad(path, $"{where}: layer '{name}' ({type}) has go_backwards=True, which RnnGen has no layer for.");
                string activation = ActivationName(lc, "activation", name, type, path, where);
                string mapped = type switch
                {
                    "Dense" => "dense",
                    "LSTM" => "lstm",
                    "GRU" => "gru",
                    "SimpleRNN" => "simple-rnn",
                    "Activation" => "activation",
                    "TimeDistributed" => "time-distributed-dense",
                    _ => throw Bad(path, $"{where}: layer {index - 1} has type '{type}' ('{name}'), which RnnGen has no layer for (supported: Dense, TimeDistributed(Dense), LSTM, GRU, SimpleRNN, Activation, Dropout)."),
                };
                if (type == "TimeDistributed")
                {
                    JsonElement inner = lc.TryGetProperty("layer", out JsonElement il) && il.ValueKind == JsonValueKind.Object ? il : default;
                    string innerClass = inner.ValueKind == JsonValueKind.Object ? Str(inner, "class_name") : "";
                    if (innerClass != "Dense") throw Bad(path, $"{where}: layer '{name}' is TimeDistributed({(innerClass.Length > 0 ? innerClass : "?")}); RnnGen reads TimeDistributed(Dense).");
                    JsonElement ic = inner.TryGetProperty("config", out JsonElement icc) && icc.ValueKind == JsonValueKind.Object ? icc : default;
                    activation = ic.ValueKind == JsonValueKind.Object ? ActivationName(ic, "activation", name, type, path, where) : "";
                    lc = ic.ValueKind == JsonValueKind.Object ? ic : lc;
                }
                int units = lc.TryGetProperty("units", out JsonElement u) && u.TryGetInt32(out int un) && un > 0 ? un : 0;
                result.Add(new LayerConfig(type, name, mapped, activation, units, HasWeights: mapped != "activation")
                {
                    WeightsKey = weightsKey,
                    ReturnSequences = !recurrent || Bool(lc, "return_sequences", false),
                    RecurrentActivation = recurrent && type != "SimpleRNN" ? ActivationName(lc, "recurrent_activation", name, type, path, where) is { Length: > 0 } ra ? ra : "sigmoid" : "sigmoid",
                    ResetAfter = type == "GRU" && lc.TryGetProperty("reset_after", out JsonElement r) && r.ValueKind is JsonValueKind.True or JsonValueKind.False ? r.GetBoolean() : null,
                });
            }
            if (cls != "Sequential") Outputs(config, previous, path, where);
            return (inputSize, result);
        }
    }

    /// <summary>Keras 3's <c>naming.to_snake_case</c> of a class name: LSTM → lstm, SimpleRNN → simple_rnn,
    /// TimeDistributed → time_distributed, InputLayer → input_layer.</summary>
    internal static string SnakeCase(string name)
    {
        var kept = new System.Text.StringBuilder(name.Length);
        foreach (char c in name)
            if (char.IsLetterOrDigit(c) || c == '_') kept.Append(c);   // re.sub(r"\W+", "", name)
        string s = kept.ToString();
        // re.sub("(.)([A-Z][a-z]+)", r"\1_\2"): an underscore before each capital followed by lower-case letters, but
        // not at the start; the matches do not overlap, so a capital whose run ends a previous match is not split.
        var a = new System.Text.StringBuilder(s.Length + 8);
        int i = 0;
        while (i < s.Length)
        {
            if (i + 2 < s.Length && IsUpper(s[i + 1]) && IsLower(s[i + 2]))
            {
                int end = i + 3;
                while (end < s.Length && IsLower(s[end])) end++;
                a.Append(s[i]).Append('_').Append(s, i + 1, end - i - 1);
                i = end;
                continue;
            }
            a.Append(s[i]);
            i++;
        }
        // re.sub("([a-z])([A-Z])", r"\1_\2") then lower().
        string t = a.ToString();
        var b = new System.Text.StringBuilder(t.Length + 8);
        for (int j = 0; j < t.Length; j++)
        {
            b.Append(t[j]);
            if (IsLower(t[j]) && j + 1 < t.Length && IsUpper(t[j + 1])) { b.Append('_'); b.Append(t[j + 1]); j++; }
        }
        return b.ToString().ToLowerInvariant();

        static bool IsUpper(char c) => c is >= 'A' and <= 'Z';
        static bool IsLower(char c) => c is >= 'a' and <= 'z';
    }

    /// <summary>A functional model is read as a chain: each layer's one inbound node takes the one output of the layer
    /// before it. Keras 3 writes <c>{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0,
    /// 0]}}], "kwargs": {…}}</c> per node, Keras 2 <c>[[name, 0, 0, {…}]]</c>.</summary>
    private static void Chain(JsonElement layer, string name, string type, string previous, int index, string path, string where)
    {
        JsonElement nodes = layer.TryGetProperty("inbound_nodes", out JsonElement n) ? n : default;
        int count = nodes.ValueKind == JsonValueKind.Array ? nodes.GetArrayLength() : 0;
        if (index == 0 || type == "InputLayer")
        {
            if (index != 0 || count != 0) throw Bad(path, $"{where}: layer {index} '{name}' ({type}) {(index == 0 ? "takes inputs, but starts the model" : "is a second input")}; branches are not supported.");
            return;
        }
        if (count != 1)
            throw Bad(path, $"{where}: layer '{name}' ({type}) is called {count} times; RnnGen reads a chain of layers each called once (branches are not supported).");
        var sources = new List<string>();
        History(nodes[0], sources, depth: 0);
        if (sources.Count != 1 || sources[0] != previous)
            throw Bad(path, $"{where}: layer '{name}' ({type}) takes {(sources.Count == 0 ? "no layer's output" : string.Join(", ", sources.Select(s => $"'{s}'")))}, not only the output of '{previous}' before it; branches are not supported.");
    }

    private static void History(JsonElement e, List<string> sources, int depth)
    {
        if (depth > 32) return;
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (p.NameEquals("keras_history") && p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() > 0
                        && p.Value[0].ValueKind == JsonValueKind.String)
                        sources.Add(p.Value[0].GetString()!);
                    else History(p.Value, sources, depth + 1);
                }
                break;
            case JsonValueKind.Array:
                // Keras 2: [name, node_index, tensor_index, kwargs]
                if (e.GetArrayLength() >= 3 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.Number)
                {
                    sources.Add(e[0].GetString()!);
                    for (int i = 3; i < e.GetArrayLength(); i++) History(e[i], sources, depth + 1);
                    break;
                }
                foreach (JsonElement c in e.EnumerateArray()) History(c, sources, depth + 1);
                break;
        }
    }

    /// <summary>A functional model's one output is its last layer's.</summary>
    private static void Outputs(JsonElement config, string last, string path, string where)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("output_layers", out JsonElement outputs)) return;
        var names = new List<string>();
        History(outputs, names, depth: 0);
        if (names.Count != 1 || names[0] != last)
            throw Bad(path, $"{where}: the model's outputs are {string.Join(", ", names.Select(s => $"'{s}'"))}, not only its last layer '{last}'; branches are not supported.");
    }

    /// <summary>An activation as Keras writes it: a name, or (Keras 3) the object of a built-in function
    /// <c>{"module": "keras.activations", "class_name": "function", "config": "relu", …}</c>. Anything else (a layer
    /// object such as LeakyReLU, a custom function) is refused, naming the layer and the property.</summary>
    private static string ActivationName(JsonElement lc, string property, string name, string type, string path, string where)
    {
        if (!lc.TryGetProperty(property, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return "";
        if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
        if (v.ValueKind == JsonValueKind.Object)
        {
            string cls = Str(v, "class_name"), module = Str(v, "module");
            if (cls == "function" && v.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.String
                && (module.Length == 0 || module == "keras.activations" || module.StartsWith("keras.src.activations", StringComparison.Ordinal)))
                return c.GetString()!;
            string what = cls == "function" ? $"the function '{(v.TryGetProperty("config", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString() : "?")}'{(module.Length > 0 ? $" of module '{module}'" : "")}"
                : $"a {(cls.Length > 0 ? cls : "?")} object";
            throw Bad(path, $"{where}: layer '{name}' ({type}) has {property} {what}; RnnGen reads Keras' built-in activations by name.");
        }
        throw Bad(path, $"{where}: layer '{name}' ({type}) has {property} {v.GetRawText()[..Math.Min(40, v.GetRawText().Length)]}, not an activation name.");
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    private static InvalidDataException Bad(string path, string message, Exception? inner = null) => new($"{path}: {message}", inner);
}
