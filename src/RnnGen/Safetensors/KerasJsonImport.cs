using System.Globalization;
using System.Text.Json;

namespace RnnGen.Safetensors;

/// <summary>
/// Imports models saved as JSON: the layout RTNeural's <c>save_model</c> writes for a Keras model
/// (<c>{"in_shape": […], "layers": [{"type", "activation", "shape", "weights"}]}</c>), and a PyTorch state_dict dumped
/// as <c>{name: tensor.tolist()}</c>; which one a file is, is told from its content. Keras' weights are converted to
/// RnnGen's (PyTorch's) layout: kernels transposed, GRU gates z,r,h reordered to r,z,n, LSTM gates i,f,c,o kept.
/// </summary>
public static class KerasJsonImport
{
    /// <summary>MaxSteps of the imported spec (the files do not say; <c>rnngen import --max-steps</c> overrides it).</summary>
    public const int DefaultMaxSteps = 64;

    private const int MaxDepth = 64;

    /// <summary>The largest JSON file <see cref="Read(string)"/> reads.</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Reads the JSON model at <paramref name="path"/>: RTNeural/Keras JSON or a PyTorch state_dict JSON.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON, is neither kind, or holds a layer or shape
    /// RnnGen cannot import; the message starts with the path and names the layer or tensor.</exception>
    public static ImportedModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        using (FileStream s = File.OpenRead(path))
        {
            long length = s.Length;
            if (length > MaxFileBytes)
                throw Bad(path, $"{length:N0} bytes; a JSON model this importer reads is at most {MaxFileBytes:N0} bytes.");
            bytes = new byte[length];
            s.ReadExactly(bytes);
        }
        return Read(bytes, path);
    }

    /// <summary>Reads a JSON model from <paramref name="utf8Json"/>; <paramref name="path"/> starts every message.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read(string)"/>.</exception>
    public static ImportedModel Read(ReadOnlyMemory<byte> utf8Json, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonDocument document;
        try { document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = MaxDepth }); }
        catch (JsonException e) { throw Bad(path, $"not valid JSON ({e.Message})", e); }
        using (document)
        {
            JsonElement root = document.RootElement;
            try
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("layers", out _)) return ReadRTNeural(root, path);
                if (root.ValueKind == JsonValueKind.Object && IsStateDict(root)) return ReadStateDict(root, path);
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("class_name", out JsonElement c) && c.ValueKind == JsonValueKind.String
                    && root.TryGetProperty("config", out _))
                    throw Bad(path, "this is a Keras architecture without weights: save the model as .keras or .h5, or with RTNeural's save_model.");
            }
            catch (InvalidOperationException e) { throw Bad(path, $"holds text that is not valid UTF-8 ({e.Message})", e); }
            throw Bad(path, "neither an RTNeural/Keras model ({\"in_shape\": …, \"layers\": […]}) nor a PyTorch state_dict ({\"name\": nested list, …}).");
        }
    }

    private static bool IsStateDict(JsonElement root)
    {
        bool any = false;
        foreach (JsonProperty p in root.EnumerateObject())
        {
            if (p.Value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Number)) return false;
            any = true;
        }
        return any;
    }

    // ------------------------------------------------------------------------------------------------ RTNeural JSON

    private static ImportedModel ReadRTNeural(JsonElement root, string path)
    {
        JsonElement layers = root.GetProperty("layers");
        if (layers.ValueKind != JsonValueKind.Array) throw Bad(path, "\"layers\" is not a list.");
        int inputSize = 0;
        if (root.TryGetProperty("in_shape", out JsonElement inShape))
        {
            if (inShape.ValueKind != JsonValueKind.Array || inShape.GetArrayLength() == 0)
                throw Bad(path, "\"in_shape\" is not a list like [null, null, features].");
            JsonElement last = inShape[inShape.GetArrayLength() - 1];
            if (last.ValueKind == JsonValueKind.Number)
            {
                if (!last.TryGetInt32(out inputSize) || inputSize <= 0) throw Bad(path, $"\"in_shape\" ends with {last.GetRawText()}, not a positive feature count.");
            }
            else if (last.ValueKind != JsonValueKind.Null)
            {
                throw Bad(path, "\"in_shape\" does not end with a feature count.");
            }
        }
        var list = new List<KerasLayer>();
        int i = 0;
        foreach (JsonElement l in layers.EnumerateArray())
        {
            string where = $"layers[{i}]";
            if (l.ValueKind != JsonValueKind.Object) throw Bad(path, $"{where} is not an object.");
            string type = StringProperty(l, "type", where, path, required: true);
            string activation = ActivationProperty(l, where, path);
            int units = 0;
            bool sequences = true;
            if (l.TryGetProperty("shape", out JsonElement shape) && shape.ValueKind != JsonValueKind.Null)
            {
                if (shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() == 0) throw Bad(path, $"{where}.shape is not a list.");
                JsonElement last = shape[shape.GetArrayLength() - 1];
                if (last.ValueKind == JsonValueKind.Number && (!last.TryGetInt32(out units) || units <= 0))
                    throw Bad(path, $"{where}.shape ends with {last.GetRawText()}, not a positive unit count.");
                sequences = shape.GetArrayLength() != 2;   // [null, units]: the layer returns its last step only
            }
            var weights = new List<KerasTensor>();
            if (l.TryGetProperty("weights", out JsonElement w))
            {
                if (w.ValueKind != JsonValueKind.Array) throw Bad(path, $"{where}.weights is not a list.");
                int k = 0;
                foreach (JsonElement t in w.EnumerateArray()) weights.Add(Tensor(t, $"{where}.weights[{k++}]", path));
            }
            list.Add(new KerasLayer(type, activation, units, weights) { Name = "", ReturnSequences = sequences });
            i++;
        }
        return Build(path, inputSize, list, ["RTNeural JSON does not store recurrent_activation: sigmoid (Keras' default) assumed."]);
    }

    /// <summary>"activation": a name, or Keras 3's object of a built-in function (<c>{"module": "keras.activations",
    /// "class_name": "function", "config": "relu"}</c>), which save_model may copy from get_config(); any other object
    /// (a LeakyReLU layer, a custom function) is refused by name.</summary>
    private static string ActivationProperty(JsonElement l, string where, string path)
    {
        if (!l.TryGetProperty("activation", out JsonElement v) || v.ValueKind != JsonValueKind.Object)
            return StringProperty(l, "activation", where, path, required: false);
        string cls = v.TryGetProperty("class_name", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
        string module = v.TryGetProperty("module", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        string fn = v.TryGetProperty("config", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
        if (cls == "function" && fn.Length > 0
            && (module.Length == 0 || module == "keras.activations" || module.StartsWith("keras.src.activations", StringComparison.Ordinal)))
            return fn;
        string what = cls == "function" ? $"the function '{(fn.Length > 0 ? fn : "?")}'{(module.Length > 0 ? $" of module '{module}'" : "")}" : $"a {(cls.Length > 0 ? cls : "?")} object";
        throw Bad(path, $"{where}.activation is {what}; RnnGen reads Keras' built-in activations by name.");
    }

    private static string StringProperty(JsonElement e, string name, string where, string path, bool required)
    {
        if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw Bad(path, $"{where} has no \"{name}\".") : "";
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad(path, $"{where}.{name} is not a string.");
    }

    /// <summary>A nested list of numbers as a row-major tensor; refuses ragged lists and non-finite values.</summary>
    private static KerasTensor Tensor(JsonElement e, string source, string path)
    {
        var shape = new List<int>();
        for (JsonElement cur = e; cur.ValueKind == JsonValueKind.Array; cur = cur[0])
        {
            shape.Add(cur.GetArrayLength());
            if (cur.GetArrayLength() == 0) break;
        }
        var values = new List<float>();
        Fill(e, 0);
        return new KerasTensor(source, shape, [.. values]);

        void Fill(JsonElement x, int depth)
        {
            if (depth == shape.Count)
            {
                if (x.ValueKind != JsonValueKind.Number || !x.TryGetDouble(out double d))
                    throw Bad(path, $"{source} holds {Short(x)} where a number belongs.");
                float f = (float)d;
                if (!float.IsFinite(f)) throw Bad(path, $"{source} holds {x.GetRawText()}, which is not a finite float.");
                values.Add(f);
                return;
            }
            if (x.ValueKind != JsonValueKind.Array || x.GetArrayLength() != shape[depth])
                throw Bad(path, $"{source} is not a rectangular list: {Short(x)} where a list of {shape[depth]} belongs (shape {Text(shape)}).");
            foreach (JsonElement c in x.EnumerateArray()) Fill(c, depth + 1);
        }
    }

    private static string Short(JsonElement x)
    {
        string raw = x.ValueKind switch
        {
            JsonValueKind.Array => $"a list of {x.GetArrayLength()}",
            JsonValueKind.Object => "an object",
            _ => x.GetRawText(),
        };
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }

    private static string Text(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    // ------------------------------------------------------------------------------------------- PyTorch state_dict

    private static ImportedModel ReadStateDict(JsonElement root, string path)
    {
        var tensors = new Dictionary<string, KerasTensor>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.EnumerateObject()) tensors[p.Name] = Tensor(p.Value, p.Name, path);
        ImportedModel inferred;
        try
        {
            inferred = PyTorchImport.Infer(tensors.Select(t => (t.Key, (IReadOnlyList<long>)t.Value.Shape.Select(d => (long)d).ToArray())));
        }
        catch (InvalidDataException e) { throw Bad(path, e.Message, e); }
        NetworkSpec spec = Spec(path, inferred.InputSize, inferred.Layers, OutputMode.EveryStep);
        var weights = new ImportedWeights(spec);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor t in spec.ParameterLayout)
        {
            string theirs = inferred.NameMap.TryGetValue(t.Name, out string? n) ? n : t.Name;
            if (!tensors.TryGetValue(theirs, out KerasTensor? source)) throw Bad(path, $"{theirs} is missing ({t.Name} {Text(t.Shape)} is loaded from it).");
            if (!source.Shape.SequenceEqual(t.Shape)) throw Bad(path, $"{theirs} is {source.ShapeText}; {t.Name} needs {Text(t.Shape)}.");
            Set(weights, path, t.Name, source.Values, $"{theirs} {source.ShapeText}");
            used.Add(theirs);
        }
        var notes = inferred.Notes.ToList();
        var unused = tensors.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unused.Count > 0) notes.Add($"not imported (no RnnGen parameter): {string.Join(", ", unused)}.");
        return weights.Build(notes);
    }

    // ------------------------------------------------------------------------------------------ Keras layers → spec

    /// <summary>
    /// The <see cref="ImportedModel"/> of a Keras model given layer by layer (what the RTNeural JSON reader and the
    /// .h5/.keras readers of RnnGen.Keras produce): checks each layer's weight shapes against the widths, converts the
    /// weights to RnnGen's layout and declares <c>[Dense]</c>/<c>[Lstm]</c>/<c>[Gru]</c>/<c>[Rnn]</c> layers, with
    /// <see cref="OutputMode.LastStep"/> when the last recurrent layer has <c>return_sequences=False</c>.
    /// </summary>
    /// <param name="path">The file, which starts every message.</param>
    /// <param name="inputSize">Features per step, or 0 to take it from the first layer's kernel.</param>
    /// <param name="layers">The layers in order (no input layer).</param>
    /// <param name="notes">Notes to add to the model's.</param>
    /// <exception cref="InvalidDataException">A layer type, activation or shape RnnGen cannot import; the message
    /// starts with the path and names the layer's index and type.</exception>
    public static ImportedModel Build(string path, int inputSize, IReadOnlyList<KerasLayer> layers, IEnumerable<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw Bad(path, "the model has no layers.");
        var specs = new List<LayerSpec>();
        var setters = new List<Action<ImportedWeights>>();
        var allNotes = new List<string>(notes ?? []);
        int width = inputSize;
        OutputMode output = OutputMode.EveryStep;
        bool lstmBias = false, gruV1 = false;
        for (int i = 0; i < layers.Count; i++)
        {
            KerasLayer l = layers[i];
            string type = l.Type.ToLowerInvariant();
            string where = $"layer {i} ({l.Type}{(l.Name.Length > 0 ? " '" + l.Name + "'" : "")})";
            bool recurrent = type is "lstm" or "gru" or "simple-rnn";
            if (recurrent && output == OutputMode.LastStep)
                throw Bad(path, $"{where} follows a recurrent layer with return_sequences=False, which gives it no sequence.");
            IReadOnlyList<KerasTensor> w = l.Weights;
            if (width == 0 && w.Count > 0 && w[0].Shape.Count == 2) width = w[0].Shape[0];
            if (width == 0 && type != "activation") throw Bad(path, $"{where}: cannot tell the input width (no in_shape and no 2-D kernel).");
            int n = specs.Count;
            switch (type)
            {
                case "dense":
                case "time-distributed-dense":
                {
                    Activation act = DenseActivation(path, where, l.Activation);
                    Count(path, where, w, 1, 2, "kernel and bias");
                    int units = Units(path, where, l, w[0], width, 1);
                    if (w.Count == 2) Shape(path, where, w[1], units);
                    else allNotes.Add($"{where} has no bias (use_bias=False): layers.{n}.bias is zero.");
                    int inW = width;
                    specs.Add(LayerSpec.Dense(units, act));
                    setters.Add(iw =>
                    {
                        Set(iw, path, $"layers.{n}.weight", ImportedWeights.Transpose(w[0].Values, inW, units), $"{w[0].Source} {w[0].ShapeText}, transposed");
                        if (w.Count == 2) Set(iw, path, $"layers.{n}.bias", w[1].Values, $"{w[1].Source} {w[1].ShapeText}");
                        else Set(iw, path, $"layers.{n}.bias", new float[units], "zeros (no bias)");
                    });
                    width = units;
                    break;
                }
                case "activation":
                {
                    Activation act = DenseActivation(path, where, l.Activation);
                    if (w.Count != 0) throw Bad(path, $"{where} has {w.Count} weight arrays; an activation layer has none.");
                    if (act == Activation.Identity) break;
                    if (specs.Count == 0 || specs[^1].Kind != LayerKind.Dense || specs[^1].Activation != Activation.Identity)
                        throw Bad(path, $"{where}: RnnGen applies '{l.Activation}' only as the activation of a Dense layer, and the layer before is {(specs.Count == 0 ? "the input" : specs[^1].Activation == Activation.Identity ? specs[^1].Kind.ToString() : $"a Dense layer with {specs[^1].Activation}")}.");
                    specs[^1] = specs[^1] with { Activation = act };
                    allNotes.Add($"{where} is folded into the Dense layer before it.");
                    break;
                }
                case "lstm":
                case "gru":
                case "simple-rnn":
                {
                    int gates = type switch { "lstm" => 4, "gru" => 3, _ => 1 };
                    if (!string.Equals(l.RecurrentActivation, "sigmoid", StringComparison.OrdinalIgnoreCase) && gates > 1)
                        throw Bad(path, $"{where} has recurrent_activation '{l.RecurrentActivation}'; RnnGen's gates are sigmoid.");
                    Activation act = Activation.Tanh;
                    if (gates > 1 && l.Activation is not ("" or "tanh"))
                        throw Bad(path, $"{where} has activation '{l.Activation}'; RnnGen's {(gates == 4 ? "LSTM" : "GRU")} uses tanh.");
                    if (gates == 1) act = l.Activation switch
                    {
                        "" or "tanh" => Activation.Tanh,
                        "relu" => Activation.Relu,
                        _ => throw Bad(path, $"{where} has activation '{l.Activation}'; an RnnGen Rnn layer is tanh or relu."),
                    };
                    Count(path, where, w, 2, 3, "kernel, recurrent_kernel and bias");
                    int units = Units(path, where, l, w[0], width, gates);
                    Shape(path, where, w[1], units, gates * units);
                    int inW = width, u = units;
                    bool resetAfter = true;
                    if (w.Count == 3)
                    {
                        if (gates == 3)
                        {
                            bool twoRows = w[2].Shape.Count == 2;
                            if (twoRows) Shape(path, where, w[2], 2, 3 * u);
                            else Shape(path, where, w[2], 3 * u);
                            resetAfter = l.ResetAfter ?? twoRows;
                            if (resetAfter != twoRows)
                                throw Bad(path, $"{where} has reset_after={(resetAfter ? "True" : "False")} but a bias of {w[2].ShapeText}; expected {(resetAfter ? $"[2, {3 * u}]" : $"[{3 * u}]")}.");
                        }
                        else
                        {
                            Shape(path, where, w[2], gates * u);
                        }
                    }
                    else
                    {
                        resetAfter = l.ResetAfter ?? true;
                        allNotes.Add($"{where} has no bias (use_bias=False): its biases are zero.");
                    }
                    specs.Add(gates switch { 4 => LayerSpec.Lstm(u), 3 => LayerSpec.Gru(u, resetAfter: resetAfter), _ => LayerSpec.Rnn(u, act) });
                    if (gates == 4 && w.Count == 3) lstmBias = true;
                    if (gates == 3 && !resetAfter) gruV1 = true;
                    setters.Add(iw => SetRecurrent(iw, path, n, w, inW, u, gates, resetAfter));
                    if (!l.ReturnSequences)
                    {
                        output = OutputMode.LastStep;
                        allNotes.Add($"{where} has return_sequences=False: the network's output is its last step (Output = OutputMode.LastStep).");
                    }
                    width = u;
                    break;
                }
                default:
                    throw Bad(path, $"layer {i} has type '{l.Type}'{(l.Name.Length > 0 ? $" ('{l.Name}')" : "")}, which RnnGen has no layer for (supported: dense, time-distributed-dense, lstm, gru, simple-rnn, activation).");
            }
        }
        if (specs.Count == 0) throw Bad(path, "the model has no layer with weights.");
        if (lstmBias) allNotes.Add("Keras' LSTM has one bias; it becomes bias_ih_l0 and bias_hh_l0 is zero.");
        if (gruV1) allNotes.Add("a GRU with reset_after=False has one bias; it becomes bias_ih_l0 and bias_hh_l0 is zero.");
        NetworkSpec spec = Spec(path, inputSize > 0 ? inputSize : FirstWidth(layers), specs, output);
        var weights = new ImportedWeights(spec);
        foreach (Action<ImportedWeights> set in setters) set(weights);
        return weights.Build(allNotes);
    }

    private static int FirstWidth(IReadOnlyList<KerasLayer> layers) =>
        layers.Select(l => l.Weights.Count > 0 && l.Weights[0].Shape.Count == 2 ? l.Weights[0].Shape[0] : 0).FirstOrDefault(w => w > 0);

    private static void SetRecurrent(ImportedWeights iw, string path, int n, IReadOnlyList<KerasTensor> w, int inW, int u, int gates, bool resetAfter)
    {
        string p = $"layers.{n}.";
        int[] order = gates == 3 ? [1, 0, 2] : [.. Enumerable.Range(0, gates)];   // Keras GRU z,r,h → PyTorch r,z,n
        string gateText = gates switch { 4 => ", gates i,f,c,o", 3 => ", gates z,r,h → r,z,n", _ => "" };
        float[] ih = ImportedWeights.Transpose(w[0].Values, inW, gates * u);
        float[] hh = ImportedWeights.Transpose(w[1].Values, u, gates * u);
        if (gates == 3)
        {
            ih = ImportedWeights.ReorderBlocks(ih, u * inW, order);
            hh = ImportedWeights.ReorderBlocks(hh, u * u, order);
        }
        Set(iw, path, p + "weight_ih_l0", ih, $"{w[0].Source} {w[0].ShapeText}, transposed{gateText}");
        Set(iw, path, p + "weight_hh_l0", hh, $"{w[1].Source} {w[1].ShapeText}, transposed{gateText}");
        if (w.Count < 3)
        {
            Set(iw, path, p + "bias_ih_l0", new float[gates * u], "zeros (no bias)");
            Set(iw, path, p + "bias_hh_l0", new float[gates * u], "zeros (no bias)");
            return;
        }
        KerasTensor b = w[2];
        int len = gates * u;
        if (gates == 3 && resetAfter)
        {
            Set(iw, path, p + "bias_ih_l0", ImportedWeights.ReorderBlocks(b.Values.AsSpan(0, len), u, order), $"{b.Source}[0] {b.ShapeText}{gateText}");
            Set(iw, path, p + "bias_hh_l0", ImportedWeights.ReorderBlocks(b.Values.AsSpan(len, len), u, order), $"{b.Source}[1] {b.ShapeText}{gateText}");
            return;
        }
        float[] bias = gates == 3 ? ImportedWeights.ReorderBlocks(b.Values, u, order) : b.Values;
        Set(iw, path, p + "bias_ih_l0", bias, $"{b.Source} {b.ShapeText}{gateText}");
        Set(iw, path, p + "bias_hh_l0", new float[len], "zeros (Keras has one bias)");
    }

    private static Activation DenseActivation(string path, string where, string name) => name.ToLowerInvariant() switch
    {
        "" or "linear" => Activation.Identity,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "sigmoid" => Activation.Sigmoid,
        "softmax" => Activation.Softmax,
        _ => throw Bad(path, $"{where} has activation '{name}'; RnnGen's Dense has linear, tanh, relu, sigmoid and softmax."),
    };

    private static void Count(string path, string where, IReadOnlyList<KerasTensor> w, int min, int max, string what)
    {
        if (w.Count < min || w.Count > max)
            throw Bad(path, $"{where} has {w.Count} weight arrays; expected {(min == max - 1 ? $"{max} ({what}) or {min} without a bias" : $"{max} ({what})")}.");
    }

    /// <summary>The unit count from kernel [width, gates·u], checked against the layer's stated units.</summary>
    private static int Units(string path, string where, KerasLayer l, KerasTensor kernel, int width, int gates)
    {
        if (kernel.Shape.Count != 2 || kernel.Shape[0] != width || kernel.Shape[1] == 0 || kernel.Shape[1] % gates != 0)
            throw Bad(path, $"{kernel.Source} (kernel of {where}) is {kernel.ShapeText}; expected [{width}, {(gates == 1 ? "units" : $"{gates}·units")}] for an input {width} wide.");
        int units = kernel.Shape[1] / gates;
        if (l.Units > 0 && l.Units != units)
            throw Bad(path, $"{where} states {l.Units} units, but its kernel {kernel.ShapeText} has {units}.");
        return units;
    }

    private static void Shape(string path, string where, KerasTensor t, params int[] expected)
    {
        if (!t.Shape.SequenceEqual(expected))
            throw Bad(path, $"{t.Source} of {where} is {t.ShapeText}; expected {Text(expected)}.");
    }

    private static NetworkSpec Spec(string path, int inputSize, IReadOnlyList<LayerSpec> layers, OutputMode output)
    {
        try { return new NetworkSpec(inputSize, layers, DefaultMaxSteps, output); }
        catch (ArgumentException e) { throw Bad(path, $"the network does not fit RnnGen's limits: {e.Message}", e); }
    }

    private static void Set(ImportedWeights weights, string path, string name, ReadOnlySpan<float> values, string source)
    {
        try { weights.Set(name, values, source); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal)) { throw Bad(path, e.Message, e); }
    }

    private static InvalidDataException Bad(string path, string message, Exception? inner = null) =>
        new($"{path}: {message}", inner);
}
