using System.Globalization;
using System.Runtime.InteropServices;
using RnnGen.Safetensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.TorchSharp;

/// <summary>
/// Copies the parameters of a TorchSharp module into an RnnGen model, so that a network trained with TorchSharp (on
/// the CPU or a GPU) is served by RnnGen. The module may be any <see cref="nn.Module"/> built from
/// <c>nn.LSTM</c>, <c>nn.GRU</c>, <c>nn.RNN</c> (any <c>numLayers</c>, bidirectional), <c>nn.Linear</c> and
/// <c>nn.Embedding</c>: a <c>Sequential</c>, or a custom module whose submodules are fields registered with
/// <c>RegisterComponents()</c>. Its parameters are matched to RnnGen's by name
/// (<c>layers.{i}.weight_ih_l0</c>, …), the way <see cref="PyTorchImport"/> matches a PyTorch <c>state_dict</c>, or
/// through a name map; they are copied to the CPU as float32, and the module is left unchanged.
/// </summary>
/// <remarks>
/// A module's parameters do not say what its <c>forward</c> does between the layers: the activations of a
/// <c>Linear</c> head, or the loss. Declare those on the RnnGen model as the TorchSharp model has them
/// (<see cref="Infer"/> notes them in its declaration). An <c>nn.RNN</c>'s nonlinearity (tanh or ReLU), which
/// TorchSharp keeps in the native module only, is found by running one step of the module.
/// </remarks>
public static class TorchSharpImport
{
    /// <summary>The module types whose parameters RnnGen has layers for.</summary>
    private const string Supported = "nn.LSTM, nn.GRU, nn.RNN, nn.Linear (with bias) and nn.Embedding";

    /// <summary>
    /// Every parameter of <paramref name="module"/> and its submodules, by its <c>named_parameters()</c> name
    /// (<c>encoder.weight_ih_l0</c>, <c>head.bias</c>, <c>0.weight</c> in a Sequential), with its shape.
    /// </summary>
    /// <exception cref="ArgumentException">A submodule with parameters is of a type RnnGen has no layer for, or is an
    /// <c>nn.Linear</c> without bias; the message names it.</exception>
    public static IReadOnlyList<(string Name, IReadOnlyList<long> Shape)> Tensors(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckModules(module);
        return module.named_parameters().Select(p => (p.name, (IReadOnlyList<long>)p.parameter.shape)).ToList();
    }

    /// <summary>
    /// The RnnGen network that <paramref name="module"/> computes, inferred from its parameters' names and shapes as
    /// <see cref="PyTorchImport.Infer(IEnumerable{ValueTuple{string, IReadOnlyList{long}}})"/> infers a PyTorch
    /// <c>state_dict</c>: the layers in data-flow order (chained by width), the name map from RnnGen's names to the
    /// module's, and notes on what the parameters cannot tell (activations, an <c>nn.RNN</c>'s nonlinearity, the
    /// order of modules of equal width). An <c>nn.RNN</c>'s layers get its nonlinearity, found by running one step
    /// of it (tanh or ReLU). The parameters stay in the module (<see cref="Convert"/> copies them out).
    /// <see cref="PyTorchImport.Declaration"/> prints the <c>[RnnModel]</c>
    /// declaration of the result; <see cref="Declaration"/> does both.
    /// </summary>
    /// <exception cref="ArgumentException">The module has a submodule RnnGen has no layer for, a layer without biases,
    /// or modules that do not chain by width; the message names the module or tensor.</exception>
    public static ImportedModel Infer(nn.Module module)
    {
        IReadOnlyList<(string Name, IReadOnlyList<long> Shape)> tensors = Tensors(module);
        ImportedModel model;
        try
        {
            model = PyTorchImport.Infer(tensors);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"the module's parameters do not form an RnnGen network: {e.Message}", nameof(module), e);
        }
        var notes = model.Notes.ToList();
        var layers = model.Layers.ToList();
        foreach ((string name, nn.Module sub) in module.named_modules())
        {
            if (sub is RNN rnn)
            {
                string prefix = name.Length == 0 ? "" : name + ".";
                Activation? found = Nonlinearity(rnn);
                if (found is not { } activation)
                {
                    notes.Add($"{Label(name)}: one step of this nn.RNN (from inputs of ones, −ones, 4 × ones and a random one) does not tell tanh from ReLU; declare Activation = Activation.Relu on its layers if it was created with NonLinearities.ReLU.");
                    continue;
                }
                // The nonlinearity is known, so PyTorchImport's "Tanh assumed" note on this module does not apply.
                notes.RemoveAll(n => n.StartsWith(name + ": nn.RNN's nonlinearity", StringComparison.Ordinal));
                for (int i = 0; i < layers.Count; i++)
                    if (OwnerPrefix(model.NameMap, i) == prefix) layers[i] = layers[i] with { Activation = activation };
            }
            else if (IsActivation(sub))
            {
                notes.Add($"{Label(name)} is a {sub.GetType().Name} module without parameters: put it in the declaration as the Activation of the layer it follows.");
            }
        }
        return model with { Layers = layers, Notes = notes };
    }

    /// <summary>
    /// The network of <paramref name="module"/> (as <see cref="Infer"/> finds it) with its parameters copied out of the
    /// module, in RnnGen's names and layout: the <see cref="ImportedWeights"/> contract that the readers of other
    /// formats follow. <see cref="ImportedModel.SaveWeights"/> writes them as a safetensors file that the plain
    /// <c>LoadSafetensors(path)</c> loads and that <c>[RnnModel(Weights = …)]</c> bakes in at compile time
    /// (<see cref="PyTorchImport.Declaration"/> with <c>weights:</c> declares it so); <see cref="ImportedModel.Mapped"/>
    /// says which module parameter each tensor came from.
    /// </summary>
    /// <param name="module">The TorchSharp module; its tensors may be on any device and of any floating-point type.</param>
    /// <param name="maxSteps">MaxSteps of the network's spec: the longest sequence it will run.</param>
    /// <exception cref="ArgumentException">As for <see cref="Infer"/>; or a parameter is not floating-point.</exception>
    public static ImportedModel Convert(nn.Module module, int maxSteps = 64)
    {
        ImportedModel inferred = Infer(module);
        var spec = new NetworkSpec(inferred.InputSize, [.. inferred.Layers], maxSteps);
        var parameters = Parameters(module);
        var weights = new ImportedWeights(spec);
        float[] staged = new float[spec.ParameterCount];
        try
        {
            foreach (ParameterTensor t in spec.ParameterLayout)
            {
                string theirs = inferred.NameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
                Parameter p = parameters.TryGetValue(theirs, out Parameter? found) ? found
                    : throw new ArgumentException($"the module has no parameter {theirs} for {t.Name} {t.ShapeText}.", nameof(module));
                if (!is_floating_point(p))
                    throw new ArgumentException($"{theirs}: dtype {p.dtype} is not a floating-point type.", nameof(module));
                Span<float> values = staged.AsSpan(t.Offset, t.Length);
                CopyAsFloat32(p, theirs, t, values);
                weights.Set(t.Name, values, p.dtype == ScalarType.Float32 ? theirs : $"{theirs}, {p.dtype} as Float32");
            }
            return weights.Build(inferred.Notes);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"the module's parameters do not fit the network they describe: {e.Message}", nameof(module), e);
        }
    }

    /// <summary>
    /// The C# declaration (an attributed partial class, see <see cref="PyTorchImport.Declaration"/>) of the RnnGen model
    /// that <paramref name="module"/> computes (<see cref="Infer"/>), with the notes as comments.
    /// </summary>
    /// <param name="module">The TorchSharp module.</param>
    /// <param name="className">The class to declare.</param>
    /// <param name="ns">Its namespace, or null for the global namespace.</param>
    /// <param name="maxSteps">MaxSteps, the longest sequence the model will run; 64 when null.</param>
    /// <exception cref="ArgumentException">As for <see cref="Infer"/>.</exception>
    public static string Declaration(nn.Module module, string className, string? ns = null, int? maxSteps = null)
    {
        ArgumentNullException.ThrowIfNull(className);
        return PyTorchImport.Declaration(Infer(module), className, ns, maxSteps);
    }

    /// <summary>
    /// Copies the parameters of <paramref name="module"/> into <paramref name="model"/>, matching names as
    /// <see cref="Infer"/> does (the module's layers, chained by width, are the model's layers in order). The copy is
    /// all-or-nothing: every parameter of the model must come from a module tensor of the same shape, and every module
    /// parameter must be used; otherwise nothing is written and the exception lists every problem.
    /// </summary>
    /// <param name="model">A generated model or a <see cref="ReferenceNetwork"/>, declared like the module.</param>
    /// <param name="module">The TorchSharp module; its tensors may be on any device and of any floating-point type.</param>
    /// <exception cref="ArgumentException">The module does not fit the model: a tensor is missing, mis-shaped (the
    /// message names it with the expected and actual shapes), not floating-point or unused, or an <c>[Rnn]</c> layer
    /// is declared with another activation than its nn.RNN's nonlinearity; or the module cannot be imported (see
    /// <see cref="Infer"/>).</exception>
    public static void LoadTorchSharp(this IRecurrentNetwork model, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(model);
        ImportedModel imported = Infer(module);
        Load(model, module, imported.NameMap, ignoreUnusedTensors: false);
    }

    /// <summary>
    /// Copies the parameters of <paramref name="module"/> into <paramref name="model"/>, reading for each of the
    /// model's tensors the module parameter that <paramref name="nameMap"/> gives (names not in the map are looked up
    /// as they are). All-or-nothing, as the other overload.
    /// </summary>
    /// <param name="model">A generated model or a <see cref="ReferenceNetwork"/>.</param>
    /// <param name="module">The TorchSharp module; its tensors may be on any device and of any floating-point type.</param>
    /// <param name="nameMap">RnnGen's name (e.g. <c>layers.0.weight_ih_l0</c>) → the module's <c>named_parameters()</c>
    /// name (e.g. <c>encoder.weight_ih_l0</c>).</param>
    /// <param name="ignoreUnusedTensors">Accept module parameters that no model parameter reads (otherwise an error
    /// names them).</param>
    /// <exception cref="ArgumentException">A tensor is missing, mis-shaped (the message names it with the expected and
    /// actual shapes), not floating-point, or unused (unless ignored); or an <c>[Rnn]</c> layer is declared with another
    /// activation than the nonlinearity of the nn.RNN its weights come from.</exception>
    public static void LoadTorchSharp(this IRecurrentNetwork model, nn.Module module, IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(nameMap);
        Load(model, module, nameMap, ignoreUnusedTensors);
    }

    private static void Load(IRecurrentNetwork model, nn.Module module, IReadOnlyDictionary<string, string> nameMap, bool ignoreUnusedTensors)
    {
        ParameterLayout layout = model.Spec.ParameterLayout;
        Dictionary<string, Parameter> parameters = Parameters(module);

        var problems = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        int missing = 0;
        foreach (ParameterTensor t in layout)
        {
            string theirs = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            string label = theirs == t.Name ? t.Name : $"{t.Name} (module: {theirs})";
            if (!parameters.TryGetValue(theirs, out Parameter? p))
            {
                problems.Add($"missing tensor {label}: expected shape {t.ShapeText}");
                missing++;
                continue;
            }
            used.Add(theirs);
            if (!p.shape.SequenceEqual(t.Shape.Select(d => (long)d)))
                problems.Add($"tensor {label}: expected shape {t.ShapeText}, the module has {ShapeText(p.shape)}");
            else if (!is_floating_point(p))
                problems.Add($"tensor {label}: dtype {p.dtype} is not a floating-point type");
        }
        var rnns = module.named_modules().Where(m => m.module is RNN)
            .ToDictionary(m => m.name.Length == 0 ? "" : m.name + ".", m => (m.name, rnn: (RNN)m.module), StringComparer.Ordinal);
        for (int i = 0; i < model.Spec.Layers.Count; i++)
        {
            LayerSpec layer = model.Spec.Layers[i];
            if (layer.Kind != LayerKind.Rnn || layer.IsReservoir || OwnerPrefix(nameMap, i) is not { } prefix || !rnns.TryGetValue(prefix, out var owner)) continue;
            if (Nonlinearity(owner.rnn) is { } found && found != layer.Activation)
                problems.Add($"layer {i} ({layer.Kind}({layer.Size})) is declared with Activation = Activation.{layer.Activation}, but {Label(owner.name)} is an nn.RNN "
                    + $"with nonlinearity {(found == Activation.Relu ? "ReLU" : "tanh")} (one step of it tells): declare Activation = Activation.{found}");
        }
        if (!ignoreUnusedTensors)
            foreach (string name in parameters.Keys.Where(n => !used.Contains(n)).OrderBy(n => n, StringComparer.Ordinal))
                problems.Add($"extra tensor {name} {ShapeText(parameters[name].shape)} matches no parameter of this model");
        if (problems.Count > 0)
        {
            string advice = missing > 0
                ? "\nDeclare the model as TorchSharpImport.Declaration(module, …) prints it, or pass a name map from RnnGen's names to the module's: "
                    + "LoadTorchSharp(module, new Dictionary<string, string> { [\"layers.0.weight_ih_l0\"] = \"encoder.weight_ih_l0\", … })."
                : "";
            throw new ArgumentException($"the module does not fit {model.Spec} ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n  "
                + string.Join("\n  ", problems) + advice, nameof(module));
        }

        float[] staged = new float[layout.ParameterCount];
        foreach (ParameterTensor t in layout)
        {
            string theirs = nameMap.TryGetValue(t.Name, out string? mapped) ? mapped : t.Name;
            CopyAsFloat32(parameters[theirs], theirs, t, staged.AsSpan(t.Offset, t.Length));
        }
        staged.CopyTo(model.Parameters);
    }

    private static Dictionary<string, Parameter> Parameters(nn.Module module)
    {
        var parameters = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach ((string name, Parameter p) in module.named_parameters()) parameters[name] = p;
        return parameters;
    }

    /// <summary>Copies <paramref name="p"/> (any device, any floating-point type) to <paramref name="destination"/> as
    /// float32, row-major.</summary>
    private static void CopyAsFloat32(Parameter p, string name, ParameterTensor t, Span<float> destination)
    {
        using (no_grad())
        using (DisposeScope scope = NewDisposeScope())
        {
            Tensor cpu = p.detach().to(ScalarType.Float32, CPU).contiguous();
            ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(cpu.bytes);
            if (values.Length != destination.Length)
                throw new ArgumentException($"tensor {t.Name} (module: {name}): expected shape {t.ShapeText}, the module has {ShapeText(p.shape)}", "module");
            values.CopyTo(destination);
        }
    }

    /// <summary>Refuses, by name, the submodules with parameters that RnnGen has no layer for.</summary>
    private static void CheckModules(nn.Module module)
    {
        foreach ((string name, nn.Module sub) in module.named_modules())
        {
            bool hasOwn = sub.named_parameters(recurse: false).Any();
            switch (sub)
            {
                case Linear linear when linear.bias is null:
                    throw new ArgumentException($"{Label(name)} is an nn.Linear without bias (hasBias: false), which RnnGen has no layer for; "
                        + "create it with a bias, or copy its weight into a model whose Dense bias stays zero with a name map.", nameof(module));
                case LSTM or GRU or RNN or Linear or Embedding:
                    break;
                default:
                    if (hasOwn)
                        throw new ArgumentException($"{Label(name)} is a {sub.GetType().Name} with parameters ({string.Join(", ", sub.named_parameters(recurse: false).Select(p => p.name))}), "
                            + $"which RnnGen has no layer for; RnnGen imports {Supported}.", nameof(module));
                    break;
            }
        }
    }

    /// <summary>The prefix (<c>encoder.</c>, or empty for the root) of the recurrent module that layer
    /// <paramref name="layer"/>'s <c>weight_ih</c> comes from under <paramref name="nameMap"/>, or null.</summary>
    private static string? OwnerPrefix(IReadOnlyDictionary<string, string> nameMap, int layer)
    {
        string ours = $"layers.{layer}.weight_ih_l0";
        string theirs = nameMap.TryGetValue(ours, out string? mapped) ? mapped : ours;
        int at = theirs.LastIndexOf("weight_ih_l", StringComparison.Ordinal);
        return at < 0 ? null : theirs[..at];
    }

    /// <summary>
    /// An nn.RNN's nonlinearity, which TorchSharp keeps in the native module only: its output for one step from the
    /// zero state, compared with that step computed from its parameters under tanh and under ReLU. The probe inputs are
    /// all ones, then −ones, 4 × ones and a seeded random vector, until one tells them apart. Null when none does
    /// (every pre-activation near zero, or the two within 1e-3 of each other, for all of them), or when the output
    /// matches neither.
    /// </summary>
    private static Activation? Nonlinearity(RNN rnn)
    {
        var p = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach ((string name, Parameter parameter) in rnn.named_parameters(recurse: false)) p[name] = parameter;
        if (!p.TryGetValue("weight_ih_l0", out Parameter? first) || first.shape.Length != 2) return null;
        int layers = 0;
        while (p.ContainsKey($"weight_ih_l{layers}")) layers++;
        int directions = p.ContainsKey("weight_ih_l0_reverse") ? 2 : 1;
        int width = (int)first.shape[1];
        var random = new Random(20261203);
        double[][] probes =
        [
            Enumerable.Repeat(1.0, width).ToArray(),
            Enumerable.Repeat(-1.0, width).ToArray(),
            Enumerable.Repeat(4.0, width).ToArray(),
            Enumerable.Range(0, width).Select(_ => random.NextDouble() * 4 - 2).ToArray(),
        ];
        foreach (double[] probe in probes)
        {
            double[] actual = Step(rnn, first, probe);
            double[]? tanh = Simulate(p, layers, directions, probe, Math.Tanh), relu = Simulate(p, layers, directions, probe, v => Math.Max(v, 0));
            if (tanh is null || relu is null || tanh.Length != actual.Length) return null;
            double offTanh = MaxDifference(actual, tanh), offRelu = MaxDifference(actual, relu);
            if (offTanh < 1e-3 && offRelu >= 1e-3) return Activation.Tanh;
            if (offRelu < 1e-3 && offTanh >= 1e-3) return Activation.Relu;
            if (offTanh >= 1e-3 && offRelu >= 1e-3) return null;   // neither: not a step RnnGen can reproduce
        }
        return null;
    }

    /// <summary>The module's output for one step of <paramref name="probe"/> from the zero state, in eval mode (no
    /// dropout between the layers); the training mode is restored after.</summary>
    private static double[] Step(RNN rnn, Parameter first, double[] probe)
    {
        bool training = rnn.training;
        try
        {
            rnn.eval();
            using (no_grad())
            using (DisposeScope scope = NewDisposeScope())
            {
                Tensor x = tensor(probe, dtype: ScalarType.Float64).reshape(1, 1, probe.Length).to(first.dtype, first.device);
                return Doubles(rnn.call(x).Item1);
            }
        }
        finally
        {
            rnn.train(training);
        }
    }

    /// <summary>That step computed from the parameters under <paramref name="activation"/>; null when they do not chain.</summary>
    private static double[]? Simulate(Dictionary<string, Parameter> p, int layers, int directions, double[] probe, Func<double, double> activation)
    {
        double[] input = probe;
        for (int k = 0; k < layers; k++)
        {
            var output = new List<double>();
            for (int d = 0; d < directions; d++)
            {
                string suffix = $"_l{k}{(d == 0 ? "" : "_reverse")}";
                if (!p.TryGetValue("weight_ih" + suffix, out Parameter? w) || !p.TryGetValue("bias_ih" + suffix, out Parameter? bi)
                    || !p.TryGetValue("bias_hh" + suffix, out Parameter? bh) || w.shape.Length != 2 || w.shape[1] != input.Length)
                    return null;
                double[] weight = Doubles(w), biasIh = Doubles(bi), biasHh = Doubles(bh);
                for (int r = 0; r < w.shape[0]; r++)
                {
                    double sum = biasIh[r] + biasHh[r];
                    for (int c = 0; c < input.Length; c++) sum += weight[r * input.Length + c] * input[c];
                    output.Add(activation(sum));
                }
            }
            input = [.. output];
        }
        return input;
    }

    private static double[] Doubles(Tensor t)
    {
        using Tensor cpu = t.detach().to(ScalarType.Float64, CPU).contiguous();
        return MemoryMarshal.Cast<byte, double>(cpu.bytes).ToArray();
    }

    private static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max();

    private static bool IsActivation(nn.Module m) =>
        m is ReLU or Tanh or Sigmoid or GELU or LeakyReLU or ELU or SiLU or Softmax or LogSoftmax or Softplus or Mish or Hardtanh or ReLU6;

    private static string Label(string name) => name.Length == 0 ? "the module itself" : $"module '{name}'";

    private static string ShapeText(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
