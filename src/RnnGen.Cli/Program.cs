// rnngen: tools for RnnGen models and checkpoints.
//   rnngen import model.safetensors [--class Name] [--namespace NS] [--max-steps N] [--out DIR [--no-bake]]
//       with --out: writes DIR/<Name>.cs (the declaration) and DIR/<Name>.safetensors (the weights, RnnGen's names)
//       prints a whole Program.cs: top-level statements that load the checkpoint, then the [RnnModel] declaration
//       (in a block-scoped namespace NS { … } with --namespace: C# allows no file-scoped namespace beside statements);
//       a file with RnnGen's 'rnngen.spec' metadata is declared from that spec, a PyTorch state_dict from its shapes
//   rnngen check model.safetensors MyModel [--assembly path/to/app.dll]
//   rnngen check model.safetensors spec.json
using System.Reflection;
using System.Runtime.Loader;
using RnnGen;
using RnnGen.Safetensors;

const string usage = """
    rnngen — RnnGen's command-line tool

      rnngen import <model file> [--class Name] [--namespace NS] [--max-steps N] [--out DIR [--no-bake]]
          with --out: writes DIR/<Name>.cs, the [RnnModel] declaration of the file's network, which compiles as is,
          and DIR/<Name>.safetensors, its weights in RnnGen's names (loadable with the plain LoadSafetensors); when
          DIR is inside a project (a *.csproj in DIR or above), the declaration bakes them in with Weights = "…"
          (--no-bake: it doesn't); prints what each RnnGen tensor was mapped from
          without --out, for a .safetensors file: prints a Program.cs for a console project that references RnnGen:
          the statements that load the checkpoint (with the name map from the file's names to RnnGen's), then the
          declaration whose layers fit it (PyTorch nn.LSTM/GRU/RNN, nn.Linear, nn.Embedding state_dicts, any
          num_layers, bidirectional); a file RnnGen wrote (SaveSafetensors, trainer checkpoints) is declared from the
          spec saved in it, with its activations, loss, output mode and MaxSteps; for other formats: prints the
          mapping and the declaration
          --max-steps overrides MaxSteps (default: the saved one, or 64); the class is named after the file
          (my_model.safetensors → MyModel) unless --class is given, and declared in namespace NS with --namespace
          formats, by extension: .safetensors (PyTorch state_dict, RnnGen files); .onnx (LSTM/GRU/RNN graphs and
          their heads); .json (RTNeural/Keras save_model JSON, or a PyTorch state_dict json.dump); .keras and .h5
          (Keras 3 zips and legacy Keras 2 files); .nam (Neural Amp Modeler LSTM models)

      rnngen check <checkpoint.safetensors> <model> [--assembly app.dll]
          reports which tensors the model needs are present, missing or mis-shaped, and which file tensors are unused;
          <model> is a generated class name (found in --assembly, else in bin/**/*.dll under the current directory)
          or a NetworkSpec JSON file (NetworkSpec.ToJson()); exit code 0 when everything fits, 1 when not

    exit codes: 0 ok, 1 the checkpoint does not fit, 2 bad arguments or unreadable files
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}
try
{
    return args[0] switch
    {
        "import" => Import(args[1..]),
        "check" => Check(args[1..]),
        "--version" => Version(),
        _ => throw new UsageException($"unknown command '{args[0]}'; expected import or check."),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"rnngen: {e.Message}\n\n{usage}");
    return 2;
}
catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
{
    Console.Error.WriteLine($"rnngen: {e.Message}");
    return 2;
}

static int Version()
{
    Console.WriteLine($"rnngen {typeof(NetworkSpec).Assembly.GetName().Version}");
    return 0;
}

static int Import(string[] args)
{
    var (positional, options) = Parse(args, ["class", "namespace", "max-steps", "out"], ["no-bake"]);
    if (positional.Count != 1) throw new UsageException("import takes one model file.");
    string path = positional[0];
    string className = options.GetValueOrDefault("class") ?? PyTorchImport.ClassName(path);
    if (!IsIdentifier(className)) throw new UsageException($"--class {className}: not a C# identifier (letters, digits and _, not starting with a digit).");
    string? ns = options.GetValueOrDefault("namespace");
    if (ns is not null && !ns.Split('.').All(IsIdentifier)) throw new UsageException($"--namespace {ns}: not a C# namespace (identifiers separated by dots).");
    int? maxSteps = options.TryGetValue("max-steps", out string? m)
        ? int.TryParse(m, out int n) && n >= 1 ? n : throw new UsageException($"--max-steps {m}: expected an integer ≥ 1.")
        : null;
    ImportedModel model = Read(path);
    if (!options.TryGetValue("out", out string? outDir))
    {
        if (model.Parameters is null)
        {
            Console.Write(PyTorchImport.ProgramCode(model, className, Path.GetFileName(path), ns, maxSteps));
            return 0;
        }
        // Another framework's file: its weights need converting, which --out writes; show what would be declared.
        PrintMapped(path, className, model);
        Console.WriteLine();
        Console.Write(PyTorchImport.Declaration(model, className, ns, maxSteps));
        Console.WriteLine();
        Console.WriteLine($"// rnngen import {Path.GetFileName(path)} --out DIR writes DIR/{className}.cs and DIR/{className}.safetensors (the weights in RnnGen's names).");
        return 0;
    }

    model = WithParameters(model, path, maxSteps);
    string dir = Path.GetFullPath(outDir);
    Directory.CreateDirectory(dir);
    string weightsPath = Path.Combine(dir, className + ".safetensors");
    string codePath = Path.Combine(dir, className + ".cs");
    model.SaveWeights(weightsPath);
    string? project = options.ContainsKey("no-bake") ? null : ProjectDirectory(dir);
    string? weights = project is null ? null : Path.GetRelativePath(project, weightsPath).Replace('\\', '/');
    string code = PyTorchImport.Declaration(model, className, ns, maxSteps, weights);
    if (weights is null)
        code += $"""

            // The weights are in {className}.safetensors (RnnGen's names). Load them at run time:
            //     var model = new {className}();
            //     model.LoadSafetensors("{className}.safetensors");
            // or bake them into the assembly with [RnnModel(…, Weights = "<path from the project directory>/{className}.safetensors")].

            """;
    AtomicFile.Write(codePath, stream =>
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
        writer.Write(code);
    });
    PrintMapped(path, className, model);
    Console.WriteLine($"wrote {codePath}{(weights is null ? "" : $" (Weights = \"{weights}\": baked in at compile time)")}");
    Console.WriteLine($"wrote {weightsPath}");
    return 0;
}

// The model of the file at path, by its extension: one case per format.
static ImportedModel Read(string path)
{
    string extension = Path.GetExtension(path).ToLowerInvariant();
    return extension switch
    {
        ".safetensors" => InferSafetensors(path),
        ".onnx" => OnnxImport.Read(path),
        ".nam" => NamImport.Read(path),
        ".json" => KerasJsonImport.Read(path),
        ".h5" or ".keras" => RnnGen.Keras.KerasImport.Read(path),
        ".pt" or ".pth" or ".ckpt" => throw Pickled(path),
        _ => throw new UsageException($"{path}: unknown model format '{extension}'; rnngen import reads .safetensors, .onnx, .json (RTNeural/Keras, PyTorch state_dict), .h5, .keras and .nam (Neural Amp Modeler LSTM)."),
    };
}

// torch.save writes a pickle, which can run code when loaded: RnnGen reads the tensors only from safetensors or ONNX.
static InvalidDataException Pickled(string path) => new(
    $"{path}: a pickled PyTorch checkpoint: RnnGen does not unpickle; save it with safetensors.torch.save_file(model.state_dict(), 'x.safetensors') or export it with torch.onnx.export.");

static ImportedModel InferSafetensors(string path)
{
    SafetensorsFile file = SafetensorsFile.Open(path);
    try { return PyTorchImport.Infer(file); }
    catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
}

// A checkpoint read through its name map gets its parameters now, in RnnGen's layout, so --out can write them.
static ImportedModel WithParameters(ImportedModel model, string path, int? maxSteps)
{
    if (model.Parameters is not null) return model;
    NetworkSpec spec = model.Spec ?? new NetworkSpec(model.InputSize, model.Layers, maxSteps ?? 64);
    var net = new ReferenceNetwork(spec);
    net.LoadSafetensors(path, model.NameMap, ignoreUnusedTensors: model.UnusedTensors.Count > 0);
    return model with
    {
        Spec = spec,
        Parameters = net.Parameters.ToArray(),
        Mapped = spec.ParameterLayout.Select(t => $"{t.Name} {t.ShapeText} ← {model.NameMap.GetValueOrDefault(t.Name, t.Name)}").ToList(),
    };
}

static void PrintMapped(string path, string className, ImportedModel model)
{
    Console.WriteLine($"{Path.GetFileName(path)} → {className}: {model.Spec?.ToString() ?? string.Join(" → ", model.Layers)}");
    foreach (string line in model.Mapped) Console.WriteLine($"  {line}");
    foreach (string note in model.Notes) Console.WriteLine($"note: {note}");
}

// The project a folder belongs to: the nearest folder, from it upwards, holding a *.csproj; null when none does.
static string? ProjectDirectory(string dir)
{
    for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        if (d.EnumerateFiles("*.csproj").Any()) return d.FullName;
    return null;
}

static int Check(string[] args)
{
    var (positional, options) = Parse(args, ["assembly"]);
    if (positional.Count != 2) throw new UsageException("check takes a checkpoint file and a model (class name or spec JSON file).");
    if (Path.GetExtension(positional[0]).ToLowerInvariant() is ".pt" or ".pth" or ".ckpt") throw Pickled(positional[0]);
    SafetensorsFile file = SafetensorsFile.Open(positional[0]);
    NetworkSpec spec = ResolveSpec(positional[1], options.GetValueOrDefault("assembly"));
    CheckReport report = PyTorchImport.Check(file, spec);
    Console.WriteLine($"{positional[0]} against {spec} ({report.Naming}):");
    int width = report.Tensors.Max(t => t.Name.Length);
    foreach (TensorCheck t in report.Tensors)
    {
        string where = t.FileName == t.Name ? "" : $"  (file: {t.FileName})";
        Console.WriteLine(t.Status switch
        {
            "ok" => $"  ok          {t.Name.PadRight(width)}  {t.Expected}{where}",
            "missing" => $"  MISSING     {t.Name.PadRight(width)}  {t.Expected}{where}",
            _ => $"  {t.Status.ToUpperInvariant(),-11} {t.Name.PadRight(width)}  expected {t.Expected}, file has {t.Actual}{where}",
        });
    }
    foreach (string extra in report.Extra) Console.WriteLine($"  unused      {extra}");
    int ok = report.Tensors.Count(t => t.Status == "ok");
    Console.WriteLine(report.Fits
        ? $"fits: all {ok} tensors present with the right shapes{(report.Extra.Count > 0 ? $"; {report.Extra.Count} file tensors unused" : "")}"
        : $"does not fit: {ok} of {report.Tensors.Count} tensors ok, {report.Tensors.Count(t => t.Status == "missing")} missing, {report.Tensors.Count(t => t.Status is "mis-shaped" or "not float")} mis-shaped or not float");
    return report.Fits ? 0 : 1;
}

static NetworkSpec ResolveSpec(string model, string? assembly)
{
    if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(model))
        return NetworkSpec.FromJson(File.ReadAllText(model));
    IEnumerable<string> candidates = assembly is not null
        ? [assembly]
        : Directory.Exists("bin")
            ? Directory.EnumerateFiles("bin", "*.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc)
            : [];
    var searched = new List<string>();
    foreach (string dll in candidates)
    {
        if (!File.Exists(dll)) throw new UsageException($"--assembly {dll}: no such file.");
        searched.Add(dll);
        NetworkSpec? spec = FindSpec(Path.GetFullPath(dll), model);
        if (spec is not null) return spec;
    }
    throw new UsageException(searched.Count == 0
        ? $"'{model}' is not a spec JSON file, and there is no bin/ folder here to search for a generated class named {model}; build your project or pass --assembly."
        : $"no generated class named '{model}' (with a static NetworkSpec Spec) in {string.Join(", ", searched.Take(5))}{(searched.Count > 5 ? ", …" : "")}.");
}

// Loads the assembly in its own context (RnnGen itself is shared with this tool) and reads the class's static Spec.
static NetworkSpec? FindSpec(string dll, string model)
{
    var context = new AssemblyLoadContext("rnngen-check", isCollectible: true);
    try
    {
        Assembly assembly;
        try { assembly = context.LoadFromAssemblyPath(dll); }
        catch (BadImageFormatException) { return null; }
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        foreach (Type type in types)
        {
            if (type.Name != model && type.FullName != model) continue;
            if (type.GetProperty("Spec", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is NetworkSpec spec) return spec;
        }
        return null;
    }
    catch (FileLoadException) { return null; }
    finally
    {
        context.Unload();
    }
}

static (List<string> Positional, Dictionary<string, string> Options) Parse(string[] args, string[] known, string[]? flags = null)
{
    flags ??= [];
    var positional = new List<string>();
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) { positional.Add(args[i]); continue; }
        string name = args[i][2..];
        if (flags.Contains(name)) { options[name] = "true"; continue; }
        if (!known.Contains(name)) throw new UsageException($"unknown option --{name}; this command takes {string.Join(", ", known.Concat(flags).Select(k => "--" + k))}.");
        if (i + 1 >= args.Length) throw new UsageException($"--{name} needs a value.");
        options[name] = args[++i];
    }
    return (positional, options);
}

static bool IsIdentifier(string name) =>
    name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_');
