using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RnnGen.Safetensors;

/// <summary>
/// Reads a PyTorch (or RnnGen) checkpoint's tensor names and shapes and infers the RnnGen declaration that loads it:
/// <c>nn.LSTM</c>/<c>nn.GRU</c>/<c>nn.RNN</c> modules (any <c>num_layers</c>, bidirectional) become
/// <c>[Lstm]</c>/<c>[Gru]</c>/<c>[Rnn]</c> layers, <c>nn.Linear</c> becomes <c>[Dense]</c>, <c>nn.Embedding</c> becomes
/// <c>[Embedding]</c>, chained by matching widths (a file RnnGen wrote is declared from the spec saved in its
/// metadata instead); prints the declaration as a console program; and checks a checkpoint against a network.
/// </summary>
public static class PyTorchImport
{
    private static readonly Regex Recurrent = new(@"^(?<prefix>.*?)(?<tensor>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(?<layer>\d+)(?<reverse>_reverse)?$", RegexOptions.CultureInvariant);

    private sealed class Module(string prefix)
    {
        public string Prefix = prefix;
        public string Kind = "";
        public int In, Out, Hidden, Layers, Directions = 1, Gates;
        public bool HasBias;
        public SafetensorsTensorInfo? Projection;
        public int ProjectionSize;
    }

    /// <summary>
    /// The network stored in <paramref name="file"/>: the spec in its <see cref="ParameterIO.SpecMetadataKey"/>
    /// metadata when RnnGen wrote one (checked against the tensors), else inferred from the tensor names and shapes.
    /// </summary>
    /// <exception cref="InvalidDataException">The saved spec is invalid or does not fit the tensors; or the tensors do
    /// not form a chain of supported modules, or use a PyTorch
    /// feature RnnGen has no layer for (<c>bias=False</c>); the message names the tensor.</exception>
    public static ImportedModel Infer(SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Metadata.TryGetValue(ParameterIO.SpecMetadataKey, out string? json)) return FromSavedSpec(file, json);
        return InferFromShapes(file.Tensors);
    }

    /// <summary>
    /// The network of a PyTorch-style <c>state_dict</c> given as tensor names and shapes, inferred as for a checkpoint
    /// file without RnnGen's spec (see <see cref="Infer(SafetensorsFile)"/>): for parameters that live in memory, such as
    /// a TorchSharp module's <c>named_parameters()</c>.
    /// </summary>
    /// <param name="tensors">Each tensor's state_dict name and shape.</param>
    /// <exception cref="ArgumentException">Two tensors have the same name.</exception>
    /// <exception cref="InvalidDataException">The tensors do not form a chain of supported modules, or use a PyTorch
    /// feature RnnGen has no layer for (<c>bias=False</c>); the message names the tensor.</exception>
    public static ImportedModel Infer(IEnumerable<(string Name, IReadOnlyList<long> Shape)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach ((string name, IReadOnlyList<long> shape) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(shape, nameof(tensors));
            if (!byName.TryAdd(name, new SafetensorsTensorInfo(name, "F32", shape.ToArray(), 0, 0)))
                throw new ArgumentException($"the tensor name '{name}' occurs twice.", nameof(tensors));
        }
        return InferFromShapes(byName);
    }

    private static ImportedModel InferFromShapes(IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors)
    {
        var modules = new Dictionary<string, Module>(StringComparer.Ordinal);
        var notes = new List<string>();
        var recurrent = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensorInfo t in tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            Match m = Recurrent.Match(t.Name);
            if (!m.Success) continue;
            recurrent.Add(t.Name);
            string prefix = m.Groups["prefix"].Value;
            if (!modules.TryGetValue(prefix, out Module? module)) modules[prefix] = module = new Module(prefix) { Kind = "recurrent" };
            if (!int.TryParse(m.Groups["layer"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int layer) || layer >= NetworkSpec.MaxLayers)
                throw new InvalidDataException($"{t.Name}: layer index {m.Groups["layer"].Value} is beyond RnnGen's {NetworkSpec.MaxLayers} layers.");
            module.Layers = Math.Max(module.Layers, layer + 1);
            if (m.Groups["reverse"].Success) module.Directions = 2;
            if (m.Groups["tensor"].Value == "weight_hr") module.Projection ??= t;
            if (m.Groups["tensor"].Value == "weight_hh" && t.Shape.Count == 2)
            {
                module.Hidden = (int)t.Shape[1];
                module.Gates = t.Shape[1] == 0 ? 0 : (int)(t.Shape[0] / t.Shape[1]);
            }
            if (m.Groups["tensor"].Value == "weight_ih" && layer == 0 && t.Shape.Count == 2) module.In = (int)t.Shape[1];
        }
        foreach (Module module in modules.Values.OrderBy(m => m.Prefix, StringComparer.Ordinal))
        {
            if (module.Projection is { Shape.Count: 2 } hr)
            {
                // nn.LSTM(…, proj_size=p): weight_hr_l0 is [p, H] and weight_hh_l0 [4·H, p]; h (the output) is p wide.
                module.ProjectionSize = (int)hr.Shape[0];
                module.Hidden = (int)hr.Shape[1];
                module.Gates = module.Hidden == 0 ? 0 : (int)(tensors[module.Prefix + "weight_hh_l0"].Shape[0] / module.Hidden);
            }
            CheckSupported(tensors, module);
            module.Out = (module.ProjectionSize > 0 ? module.ProjectionSize : module.Hidden) * module.Directions;
        }
        foreach (SafetensorsTensorInfo t in tensors.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (recurrent.Contains(t.Name) || !t.Name.EndsWith("weight", StringComparison.Ordinal) || t.Shape.Count != 2) continue;
            string prefix = t.Name[..^"weight".Length];
            bool bias = tensors.TryGetValue(prefix + "bias", out SafetensorsTensorInfo? b) && b.Shape.Count == 1 && b.Shape[0] == t.Shape[0];
            modules[prefix] = bias
                ? new Module(prefix) { Kind = "dense", In = (int)t.Shape[1], Out = (int)t.Shape[0], HasBias = true }
                : new Module(prefix) { Kind = "embedding", In = (int)t.Shape[0], Out = (int)t.Shape[1] };
        }
        if (modules.Count == 0)
            throw new InvalidDataException("no recurrent (weight_ih_l0, …), linear (weight + bias) or embedding (weight) tensors found.");

        // Chain the modules by width: an embedding first, else the module whose input no other module produces.
        var left = modules.Values.OrderBy(m => m.Prefix, StringComparer.Ordinal).ToList();
        Module first = left.FirstOrDefault(m => m.Kind == "embedding")
            ?? left.FirstOrDefault(m => !left.Any(o => o != m && o.Out == m.In))
            ?? left[0];
        var chain = new List<Module> { first };
        left.Remove(first);
        while (left.Count > 0)
        {
            int width = chain[^1].Out;
            var next = left.Where(m => m.Kind != "embedding" && m.In == width).ToList();
            if (next.Count == 0)
                throw new InvalidDataException($"after {Describe(chain[^1])} (width {width}), none of {string.Join(", ", left.Select(Describe))} takes {width} inputs.");
            if (next.Count > 1) notes.Add($"{string.Join(" and ", next.Select(Describe))} all take {width} inputs; placed {Describe(next[0])} first (by name): check the order.");
            chain.Add(next[0]);
            left.Remove(next[0]);
        }

        var layers = new List<LayerSpec>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Module m in chain)
        {
            switch (m.Kind)
            {
                case "embedding":
                    if (layers.Count != 0) throw new InvalidDataException($"{m.Prefix}weight looks like an embedding but is not first.");
                    map[$"layers.{layers.Count}.weight"] = m.Prefix + "weight";
                    layers.Add(LayerSpec.Embedding(m.In, m.Out));
                    break;
                case "dense":
                    map[$"layers.{layers.Count}.weight"] = m.Prefix + "weight";
                    map[$"layers.{layers.Count}.bias"] = m.Prefix + "bias";
                    layers.Add(LayerSpec.Dense(m.Out));
                    break;
                default:
                    for (int k = 0; k < m.Layers; k++)
                    {
                        foreach (string tensor in m.ProjectionSize > 0 ? ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"] : new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
                            for (int d = 0; d < m.Directions; d++)
                            {
                                string suffix = d == 0 ? "" : "_reverse";
                                map[$"layers.{layers.Count}.{tensor}_l0{suffix}"] = $"{m.Prefix}{tensor}_l{k}{suffix}";
                            }
                        layers.Add(m.Gates switch
                        {
                            4 => LayerSpec.Lstm(m.Hidden, m.Directions == 2) with { ProjectionSize = m.ProjectionSize },
                            3 => LayerSpec.Gru(m.Hidden, m.Directions == 2),
                            _ => LayerSpec.Rnn(m.Hidden, Activation.Tanh, m.Directions == 2),
                        });
                        if (m.Gates == 1) notes.Add($"{m.Prefix.TrimEnd('.')}: nn.RNN's nonlinearity is not stored in a checkpoint; Tanh assumed (use Activation = Activation.Relu for nonlinearity='relu').");
                    }
                    break;
            }
        }
        if (layers.Any(l => l.Kind == LayerKind.Dense))
            notes.Add("Linear layers become Dense(units) with Identity activation: a PyTorch checkpoint does not store activations or the loss; add them as your model has them.");
        int inputSize = layers[0].Kind == LayerKind.Embedding ? 0 : chain[0].In;
        return new ImportedModel(inputSize, layers, map, notes);
    }

    private static ImportedModel FromSavedSpec(SafetensorsFile file, string json)
    {
        const string key = ParameterIO.SpecMetadataKey;
        NetworkSpec spec;
        try { spec = NetworkSpec.FromJson(json); }
        catch (ArgumentException e) { throw new InvalidDataException($"the '{key}' metadata is not a valid network spec: {e.Message}", e); }
        CheckReport report = Check(file, spec, new Dictionary<string, string>());
        if (!report.Fits)
        {
            var problems = report.Tensors.Where(t => t.Status != "ok")
                .Select(t => t.Actual is null ? $"{t.Name} {t.Expected} is missing" : $"{t.Name} is {t.Actual}, expected {t.Expected}").ToList();
            throw new InvalidDataException($"the '{key}' metadata describes {spec}, but the tensors do not fit it: "
                + string.Join("; ", problems.Take(5)) + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : "") + ".");
        }
        var notes = new List<string> { $"declared as saved in the file's '{key}' metadata (layers, activations, loss, output mode, MaxSteps)." };
        var map = spec.ParameterLayout.ToDictionary(t => t.Name, t => t.Name, StringComparer.Ordinal);
        return new ImportedModel(spec.InputSize, spec.Layers, map, notes) { Spec = spec, UnusedTensors = report.Extra };
    }

    /// <summary>
    /// Refuses, naming the feature, the PyTorch recurrent modules RnnGen has no layer for: layers without biases
    /// (<c>bias=False</c>); and names any missing tensor of a layer (an LSTM projection's <c>weight_hr_l*</c> too).
    /// </summary>
    private static void CheckSupported(IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, Module module)
    {
        string p = module.Prefix;
        if (module.Projection is { } hr && (hr.Shape.Count != 2 || module.Gates != 4))
            throw new InvalidDataException($"{hr.Name} {hr.ShapeText}: a projection (proj_size) is [p, H] on an nn.LSTM whose weight_hh_l0 is [4·H, p].");
        if (module.Projection is not null)
            for (int k = 0; k < module.Layers; k++)
                for (int d = 0; d < module.Directions; d++)
                {
                    string name = $"{p}weight_hr_l{k}{(d == 0 ? "" : "_reverse")}";
                    if (!tensors.ContainsKey(name))
                        throw new InvalidDataException($"{name} is missing: an nn.LSTM with proj_size has weight_hr for every layer and direction.");
                }
        for (int k = 0; k < module.Layers; k++)
            for (int d = 0; d < module.Directions; d++)
            {
                string suffix = $"_l{k}{(d == 0 ? "" : "_reverse")}";
                foreach (string weight in new[] { "weight_ih", "weight_hh" })
                    if (!tensors.ContainsKey(p + weight + suffix))
                        throw new InvalidDataException($"{p}{weight}{suffix} is missing: a PyTorch recurrent module has weight_ih, weight_hh, bias_ih and bias_hh for every layer and direction.");
            }
        if (module.Gates is not (1 or 3 or 4))
            throw new InvalidDataException($"{p}weight_hh_l0: {module.Gates} gate blocks of {module.Hidden} rows; expected 1 (RNN), 3 (GRU) or 4 (LSTM).");
        string kind = module.Gates switch { 4 => "nn.LSTM", 3 => "nn.GRU", _ => "nn.RNN" };
        for (int k = 0; k < module.Layers; k++)
            for (int d = 0; d < module.Directions; d++)
            {
                string suffix = $"_l{k}{(d == 0 ? "" : "_reverse")}";
                bool ih = tensors.ContainsKey(p + "bias_ih" + suffix), hh = tensors.ContainsKey(p + "bias_hh" + suffix);
                if (!ih && !hh)
                    throw new InvalidDataException($"{p}weight_ih{suffix} has no {p}bias_ih{suffix}/{p}bias_hh{suffix}: {kind}(bias=False) is not supported yet. "
                        + "To import it anyway, add zero-filled bias_ih and bias_hh tensors to the state_dict: the network is the same.");
                if (!ih || !hh)
                    throw new InvalidDataException($"{p}{(ih ? "bias_hh" : "bias_ih")}{suffix} is missing, but {p}{(ih ? "bias_ih" : "bias_hh")}{suffix} is present: a {kind} layer has both biases or neither.");
            }
    }

    /// <summary>
    /// The class name <c>rnngen import</c> gives the model of the checkpoint at <paramref name="path"/>: the file name
    /// without its extension, split into words at every character that is not a letter or digit and after digits, each
    /// word capitalised (<c>lstm_bidirectional.safetensors</c> → <c>LstmBidirectional</c>, <c>my-model.v2.safetensors</c>
    /// → <c>MyModelV2</c>); prefixed with <c>Model</c> when it would start with a digit, and never <c>Program</c> (the
    /// class of a console app's top-level statements).
    /// </summary>
    public static string ClassName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = new StringBuilder();
        bool wordStart = true;
        foreach (char c in Path.GetFileNameWithoutExtension(path))
        {
            if (!char.IsLetterOrDigit(c))
            {
                wordStart = true;
                continue;
            }
            name.Append(wordStart ? char.ToUpperInvariant(c) : c);
            wordStart = char.IsDigit(c);   // a letter after digits starts a word: 2layer → 2Layer
        }
        if (name.Length == 0) return "ImportedModel";
        if (char.IsDigit(name[0])) name.Insert(0, "Model");
        return name.ToString() is "Program" ? "ProgramModel" : name.ToString();
    }

    private static string Describe(Module m) => $"{m.Prefix.TrimEnd('.')} ({m.Kind} {m.In} → {m.Out})";

    /// <summary>
    /// A whole <c>Program.cs</c> for a console project that references RnnGen: the top-level statements that load the
    /// checkpoint (with the name map, when its names are not RnnGen's), then the declaration of the model, inside a
    /// block-scoped <c>namespace <paramref name="ns"/> { … }</c> when <paramref name="ns"/> is given (C# puts top-level
    /// statements before any type or namespace, and allows no file-scoped namespace beside them).
    /// </summary>
    public static string ProgramCode(ImportedModel model, string className, string fileName, string? ns = null, int? maxSteps = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(fileName);
        var s = new StringBuilder();
        s.AppendLine($"// Program.cs of a console project that references RnnGen: loads {fileName} into {className}, declared below.");
        if (NeedsNameMap(model) || model.UnusedTensors.Count > 0) s.AppendLine("using System.Collections.Generic;");
        s.AppendLine("using RnnGen;");
        s.AppendLine();
        AppendLoad(s, model, ns is null ? className : $"{ns}.{className}", fileName);
        s.AppendLine();
        if (ns is null)
        {
            AppendDeclaration(s, model, className, maxSteps, "");
        }
        else
        {
            s.AppendLine($"namespace {ns}").AppendLine("{");
            AppendDeclaration(s, model, className, maxSteps, "    ");
            s.AppendLine("}");
        }
        return s.ToString();
    }

    /// <summary>
    /// The C# declaration for <paramref name="model"/> as a file of its own: an attributed partial class, with the
    /// notes as comments, in a file-scoped namespace when <paramref name="ns"/> is given.
    /// </summary>
    /// <param name="model">The network.</param>
    /// <param name="className">The class to declare.</param>
    /// <param name="ns">Its namespace, or null for the global namespace.</param>
    /// <param name="maxSteps">MaxSteps; null keeps the saved spec's, or 64 when the file has no spec.</param>
    /// <param name="weights">A safetensors file with the model's parameters in RnnGen's names, relative to the project
    /// directory, to bake in as <c>[RnnModel(Weights = …)]</c>; null for none.</param>
    public static string Declaration(ImportedModel model, string className, string? ns = null, int? maxSteps = null, string? weights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(className);
        var s = new StringBuilder();
        s.AppendLine("using RnnGen;");
        s.AppendLine();
        if (ns is not null) s.AppendLine($"namespace {ns};").AppendLine();
        AppendDeclaration(s, model, className, maxSteps, "", weights);
        return s.ToString();
    }

    /// <summary>C# statements that create the declared model and load the checkpoint into it (through a name map when
    /// the file's names are not RnnGen's).</summary>
    public static string NameMapCode(ImportedModel model, string className, string fileName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(fileName);
        var s = new StringBuilder();
        AppendLoad(s, model, className, fileName);
        return s.ToString();
    }

    private static bool NeedsNameMap(ImportedModel model) => model.NameMap.Any(p => p.Key != p.Value);

    private static void AppendLoad(StringBuilder s, ImportedModel model, string typeName, string fileName)
    {
        string ignore = model.UnusedTensors.Count > 0 ? ", ignoreUnusedTensors: true" : "";
        if (NeedsNameMap(model))
        {
            s.AppendLine("// Load the file's names into RnnGen's (layers.i.*):");
            s.AppendLine("var nameMap = new Dictionary<string, string>");
            s.AppendLine("{");
            foreach (var (ours, theirs) in model.NameMap)
                if (ours != theirs) s.AppendLine($"    [{Literal(ours)}] = {Literal(theirs)},");
            s.AppendLine("};");
            s.AppendLine($"var model = new {typeName}();");
            s.AppendLine($"model.LoadSafetensors({Literal(fileName)}, nameMap{ignore});");
            return;
        }
        s.AppendLine("// The file already uses RnnGen's tensor names (layers.i.*):");
        s.AppendLine($"var model = new {typeName}();");
        if (model.UnusedTensors.Count > 0)
        {
            s.AppendLine($"// It also holds tensors that are not parameters ({string.Join(", ", model.UnusedTensors.Take(3))}{(model.UnusedTensors.Count > 3 ? ", …" : "")}: a trainer checkpoint's state); skip them:");
            s.AppendLine($"model.LoadSafetensors({Literal(fileName)}, new Dictionary<string, string>(){ignore});");
        }
        else
        {
            s.AppendLine($"model.LoadSafetensors({Literal(fileName)});");
        }
    }

    private static void AppendDeclaration(StringBuilder s, ImportedModel model, string className, int? maxSteps, string indent, string? weights = null)
    {
        NetworkSpec? spec = model.Spec;
        var arguments = new List<string>();
        if (model.InputSize > 0) arguments.Add($"InputSize = {model.InputSize}");
        arguments.Add($"MaxSteps = {maxSteps ?? spec?.MaxSteps ?? 64}");
        if (spec is { Loss: not LossKind.MeanSquaredError }) arguments.Add($"Loss = LossKind.{spec.Loss}");
        if (spec is { Reduction: not Reduction.Mean }) arguments.Add($"Reduction = Reduction.{spec.Reduction}");
        if (spec is { Output: not OutputMode.EveryStep }) arguments.Add($"Output = OutputMode.{spec.Output}");
        if (weights is not null) arguments.Add($"Weights = {Literal(weights)}");
        foreach (string note in model.Notes) s.Append(indent).AppendLine($"// note: {note}");
        s.Append(indent).AppendLine($"[RnnModel({string.Join(", ", arguments)})]   // MaxSteps: the longest sequence you will run");
        foreach (LayerSpec l in model.Layers) s.Append(indent).AppendLine(Attribute(l));
        s.Append(indent).AppendLine($"public partial class {className};");
    }

    /// <summary>The layer attribute that declares <paramref name="l"/>, with every setting that is not the default.</summary>
    private static string Attribute(LayerSpec l)
    {
        var a = new List<string>();
        switch (l.Kind)
        {
            case LayerKind.Embedding:
                return $"[Embedding({l.Vocabulary}, {l.Size})]";
            case LayerKind.Dense:
                return l.Activation == Activation.Identity ? $"[Dense({l.Size})]" : $"[Dense({l.Size}, Activation.{l.Activation})]";
            case LayerKind.Rnn when l.IsReservoir:
                if (l.SpectralRadius != 0.9f) a.Add($"SpectralRadius = {Float(l.SpectralRadius)}");
                if (l.Density != 0.1f) a.Add($"Density = {Float(l.Density)}");
                if (l.InputScaling != 1f) a.Add($"InputScaling = {Float(l.InputScaling)}");
                if (l.Leak != 0f) a.Add($"Leak = {Float(l.Leak)}");
                return $"[Reservoir({string.Join(", ", a.Prepend(l.Size.ToString(CultureInfo.InvariantCulture)))})]";
            case LayerKind.Rnn:
                if (l.Activation != Activation.Tanh) a.Add($"Activation = Activation.{l.Activation}");
                if (l.Bidirectional) a.Add("Bidirectional = true");
                if (l.Leak != 0f) a.Add($"Leak = {Float(l.Leak)}");
                if (l.SkipDelay != 0) a.Add($"SkipDelay = {l.SkipDelay}");
                if (l.ReplaceUnitDelay) a.Add("ReplaceUnitDelay = true");
                if (l.ClockPeriods is { } periods) a.Add($"ClockPeriods = new[] {{ {string.Join(", ", periods)} }}");
                if (l.LearnLeak) a.Add("LearnLeak = true");
                if (l.LearnInitialState) a.Add("LearnInitialState = true");
                return $"[Rnn({string.Join(", ", a.Prepend(l.Size.ToString(CultureInfo.InvariantCulture)))})]";
            default:
                return $"[{l.Kind}({l.Size}{(l.Bidirectional ? ", Bidirectional = true" : "")}{(l.Peepholes ? ", Peepholes = true" : "")}{(l.ProjectionSize != 0 ? $", ProjectionSize = {l.ProjectionSize}" : "")}{(l.LearnInitialState ? ", LearnInitialState = true" : "")}{(!l.ResetAfter ? ", ResetAfter = false" : "")})]";
        }
    }

    /// <summary>A C# float literal that reads back as exactly <paramref name="value"/>.</summary>
    private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>A C# string literal of <paramref name="text"/>.</summary>
    private static string Literal(string text)
    {
        var s = new StringBuilder("\"");
        foreach (char c in text)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return s.Append('"').ToString();
    }

    /// <summary>
    /// Checks <paramref name="file"/> against <paramref name="spec"/>: every tensor the network needs, looked up by
    /// RnnGen's own names or, when those are absent, through the names <see cref="Infer(SafetensorsFile)"/> finds (a PyTorch
    /// state_dict), or through <paramref name="nameMap"/> when given.
    /// </summary>
    public static CheckReport Check(SafetensorsFile file, NetworkSpec spec, IReadOnlyDictionary<string, string>? nameMap = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(spec);
        string naming = "given name map";
        if (nameMap is null)
        {
            nameMap = new Dictionary<string, string>();
            naming = "RnnGen names";
            if (!spec.ParameterLayout.Any(t => file.Tensors.ContainsKey(t.Name)))
            {
                try
                {
                    nameMap = Infer(file).NameMap;
                    naming = "PyTorch names, matched by module order";
                }
                catch (InvalidDataException) { }
            }
        }
        var checks = new List<TensorCheck>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensor t in spec.ParameterLayout)
        {
            string fileName = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            if (!file.Tensors.TryGetValue(fileName, out SafetensorsTensorInfo? info))
            {
                checks.Add(new TensorCheck(t.Name, fileName, t.ShapeText, null, "missing"));
                continue;
            }
            used.Add(fileName);
            string actual = "[" + string.Join(", ", info.Shape) + "]";
            string status = !info.Shape.SequenceEqual(t.Shape.Select(d => (long)d)) ? "mis-shaped"
                : info.DType is "F32" or "F64" or "F16" or "BF16" ? "ok" : "not float";
            checks.Add(new TensorCheck(t.Name, fileName, t.ShapeText, actual + (status == "not float" ? " " + info.DType : ""), status));
        }
        var extra = file.Tensors.Keys.Where(k => !used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        return new CheckReport(checks, extra, naming);
    }
}
