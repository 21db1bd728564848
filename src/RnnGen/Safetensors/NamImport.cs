using System.Globalization;
using System.Text.Json;

namespace RnnGen.Safetensors;

/// <summary>
/// Reads a Neural Amp Modeler model file (<c>.nam</c>, JSON) of the <c>"LSTM"</c> architecture as an RnnGen network:
/// <c>[RnnModel(InputSize = input_size)]</c>, <c>num_layers</c> × <c>[Lstm(hidden_size, LearnInitialState = true)]</c>
/// (NAM's stored initial hidden and cell states become <c>initial_h_l0</c> and <c>initial_c_l0</c>) and a
/// <c>[Dense(out_channels)]</c> head (1 output unless the config says otherwise). Other architectures (WaveNet,
/// ConvNet, Linear, …) are refused by name.
/// </summary>
/// <remarks>
/// The format, as NAM defines it (read from its sources to write this code; none of it is copied):
/// github.com/sdatkinson/NeuralAmpModelerCore <c>NAM/lstm.cpp</c> (<c>LSTMCell</c>'s constructor reads the flat weights;
/// <c>LSTM</c>'s reads the head; <c>parse_config_json</c> the config), <c>NAM/get_dsp.cpp</c> and <c>NAM/nam_file.cpp</c>
/// (the required fields version, architecture, config and weights; the optional sample_rate and metadata; the
/// versions 0.5.0 … 0.7.x it was written for; newer 0.x files are read the same way, with a note); github.com/sdatkinson/neural-amp-modeler <c>nam/models/recurrent.py</c>
/// (<c>LSTM._export_weights</c>, <c>_export_cell_weights</c>, <c>import_weights</c>) and <c>nam/models/exportable.py</c>.
/// The weights are one flat array: for each layer k (input width n = input_size for the first layer, hidden_size
/// after it), the matrix [W_ih | W_hh] [4H, n + H] row-major (gates i, f, g, o, PyTorch's order), one bias [4H]
/// (NAM exports b_ih + b_hh), the initial hidden state [H] and the initial cell state [H]; then the head's weight
/// [out, H] row-major and bias [out].
/// </remarks>
public static class NamImport
{
    /// <summary>The largest file <see cref="Read(string)"/> reads (a .nam file of a large WaveNet is a few MB).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>The MaxSteps the import declares: the longest block <c>Forward</c> takes; <c>Step</c> has no limit.</summary>
    public const int DefaultMaxSteps = 4096;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    /// <summary>Reads the <c>.nam</c> file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a NAM LSTM model (bad JSON, a missing or mistyped field,
    /// another architecture, an unsupported version, a weight count that does not match the config, a weight that is
    /// not a finite float); the message starts with the path.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImportedModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new InvalidDataException($"{path}: {length:N0} bytes; a .nam file this importer reads is at most {MaxFileBytes:N0} bytes.");
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a <c>.nam</c> file's bytes (UTF-8 JSON); <paramref name="path"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read(string)"/>.</exception>
    public static ImportedModel Read(ReadOnlyMemory<byte> utf8Json, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using JsonDocument document = JsonDocument.Parse(utf8Json, Options);
            return FromJson(document.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a .nam file (not valid JSON: {e.Message})", e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            // Invalid UTF-8 inside a string, and a spec RnnGen cannot build, are the file's fault too.
            throw new InvalidDataException($"{path}: not a NAM LSTM model RnnGen can read: {e.Message}", e);
        }
    }

    private static ImportedModel FromJson(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"the JSON is {Kind(root)}, but a .nam file is an object with version, architecture, config and weights.");
        string version = RequiredString(root, "version", path);
        string architecture = RequiredString(root, "architecture", path);
        if (!TryParseVersion(version, out int major, out int minor))
            throw Bad(path, $"version \"{version}\" is not major.minor.patch.");
        if (major != 0 || minor < 5)
            throw Bad(path, $"version {version} is not supported: RnnGen reads NAM's LSTM files of versions 0.5.0 … 0.x (0.8 and later 0.x read as 0.7, with a note).");
        if (architecture != "LSTM")
            throw Bad(path, $"architecture \"{architecture}\" is not supported: RnnGen imports NAM's \"LSTM\" models only "
                + "(WaveNet, ConvNet and Linear models are convolutional, and RnnGen has no layer for them).");
        JsonElement config = Required(root, "config", path);
        if (config.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"\"config\" is {Kind(config)}, expected an object with num_layers, input_size and hidden_size.");
        int layers = ConfigInt(config, "num_layers", path, 1, NetworkSpec.MaxLayers - 1, null);
        int input = ConfigInt(config, "input_size", path, 1, NetworkSpec.MaxWidth, null);
        int hidden = ConfigInt(config, "hidden_size", path, 1, NetworkSpec.MaxWidth, null);
        int inChannels = ConfigInt(config, "in_channels", path, 1, NetworkSpec.MaxWidth, input);
        int outputs = ConfigInt(config, "out_channels", path, 1, NetworkSpec.MaxWidth, 1);
        if (inChannels != input)
            throw Bad(path, $"config in_channels {inChannels} differs from input_size {input}: RnnGen reads every input the LSTM takes from the signal.");

        JsonElement weights = Required(root, "weights", path);
        if (weights.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"\"weights\" is {Kind(weights)}, expected an array of numbers.");
        long expected = 0;
        for (int k = 0; k < layers; k++) expected += CellWeights(k == 0 ? input : hidden, hidden);
        expected += (long)outputs * hidden + outputs;
        int actual = weights.GetArrayLength();
        if (actual != expected)
            throw Bad(path, $"\"weights\" has {actual:N0} numbers, but config num_layers {layers}, input_size {input}, hidden_size {hidden}"
                + (outputs != 1 ? $", out_channels {outputs}" : "") + $" needs {expected:N0} "
                + $"(per layer 4·H·(n + H) weights, 4·H bias, H initial hidden and H initial cell; then the head's {outputs}·H + {outputs}).");

        var flat = new float[actual];
        int index = 0;
        foreach (JsonElement w in weights.EnumerateArray())
        {
            if (w.ValueKind != JsonValueKind.Number)
                throw Bad(path, $"weights[{index}] is {Kind(w)}, expected a number.");
            if (!w.TryGetDouble(out double d) || !float.IsFinite((float)d))
                throw Bad(path, $"weights[{index}] = {w.GetRawText()} is not a finite 32-bit float.");
            flat[index++] = (float)d;
        }

        var notes = new List<string>();
        double? sampleRate = null;
        if (root.TryGetProperty("sample_rate", out JsonElement rate) && rate.ValueKind != JsonValueKind.Null)
        {
            if (rate.ValueKind != JsonValueKind.Number || !rate.TryGetDouble(out double r) || !(r > 0) || !double.IsFinite(r))
                throw Bad(path, $"\"sample_rate\" is {rate.GetRawText()}, expected a positive number of Hz.");
            sampleRate = r;
        }

        var spec = new NetworkSpec(input,
            [.. Enumerable.Range(0, layers).Select(_ => LayerSpec.Lstm(hidden) with { LearnInitialState = true }), LayerSpec.Dense(outputs)],
            DefaultMaxSteps);
        var imported = new ImportedWeights(spec);
        int offset = 0;
        for (int k = 0; k < layers; k++)
        {
            int n = k == 0 ? input : hidden, rows = 4 * hidden, cols = n + hidden;
            ReadOnlySpan<float> w = flat.AsSpan(offset, rows * cols);
            var ih = new float[rows * n];
            var hh = new float[rows * hidden];
            for (int r = 0; r < rows; r++)
            {
                w.Slice(r * cols, n).CopyTo(ih.AsSpan(r * n, n));
                w.Slice(r * cols + n, hidden).CopyTo(hh.AsSpan(r * hidden, hidden));
            }
            string cell = $"weights[{offset}…{offset + rows * cols - 1}] (layer {k}: [W_ih | W_hh] [{rows}, {cols}] row-major, gates i,f,g,o)";
            imported.Set($"layers.{k}.weight_ih_l0", ih, $"{cell}, columns 0…{n - 1}");
            imported.Set($"layers.{k}.weight_hh_l0", hh, $"{cell}, columns {n}…{cols - 1}");
            offset += rows * cols;
            imported.Set($"layers.{k}.bias_ih_l0", flat.AsSpan(offset, rows), $"{Range(offset, rows)} (layer {k}: the one bias, b_ih + b_hh)");
            imported.Set($"layers.{k}.bias_hh_l0", new float[rows], "zero (NAM stores the sum of both biases in bias_ih)");
            offset += rows;
            imported.Set($"layers.{k}.initial_h_l0", flat.AsSpan(offset, hidden), $"{Range(offset, hidden)} (layer {k}: initial hidden state)");
            offset += hidden;
            imported.Set($"layers.{k}.initial_c_l0", flat.AsSpan(offset, hidden), $"{Range(offset, hidden)} (layer {k}: initial cell state)");
            offset += hidden;
        }
        imported.Set($"layers.{layers}.weight", flat.AsSpan(offset, outputs * hidden), $"{Range(offset, outputs * hidden)} (head weight [{outputs}, {hidden}])");
        offset += outputs * hidden;
        imported.Set($"layers.{layers}.bias", flat.AsSpan(offset, outputs), $"{Range(offset, outputs)} (head bias)");

        notes.Add($"NAM \"LSTM\" model, file version {version}{(minor > 7 ? " (newer than 0.7, the newest this importer was written for; read as 0.7)" : "")}.");
        notes.Add("NAM stores one bias per LSTM layer (b_ih + b_hh summed): it is bias_ih_l0, and bias_hh_l0 is zero; the sums, and so the network, are the same.");
        notes.Add("NAM's initial hidden and cell states are initial_h_l0 and initial_c_l0 (LearnInitialState = true): Forward, ResetState and a fresh State start where NAM's plugin starts.");
        notes.Add(sampleRate is { } hz
            ? $"trained at {hz.ToString("0.###", CultureInfo.InvariantCulture)} Hz: feed it audio at that rate, one sample per step."
            : "the file gives no sample_rate (NAM's default is 48000 Hz): feed it audio at the rate it was trained at, one sample per step.");
        if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            var about = new List<string>();
            foreach (string key in new[] { "name", "modeled_by", "gear_make", "gear_model", "gear_type", "tone_type" })
                if (metadata.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                    about.Add($"{key} \"{s}\"");
            if (about.Count > 0) notes.Add($"metadata: {string.Join(", ", about)}.");
            var levels = new List<string>();
            foreach (string key in new[] { "loudness", "input_level_dbu", "output_level_dbu" })
                if (metadata.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.Number)
                    levels.Add($"{key} {v.GetRawText()}");
            if (levels.Count > 0)
                notes.Add($"NAM's plugin uses {string.Join(", ", levels)} to match levels; the imported network is the raw model, without that gain.");
        }
        return imported.Build(notes);
    }

    private static long CellWeights(int inputs, int hidden) => 4L * hidden * (inputs + hidden) + 4L * hidden + 2L * hidden;

    private static string Range(int offset, int count) => count == 1 ? $"weights[{offset}]" : $"weights[{offset}…{offset + count - 1}]";

    private static JsonElement Required(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out JsonElement value)
            ? value
            : throw Bad(path, $"missing \"{name}\": a .nam file has version, architecture, config and weights.");

    private static string RequiredString(JsonElement root, string name, string path)
    {
        JsonElement value = Required(root, name, path);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Bad(path, $"\"{name}\" is {Kind(value)}, expected a string.");
    }

    private static int ConfigInt(JsonElement config, string name, string path, int min, int max, int? fallback)
    {
        if (!config.TryGetProperty(name, out JsonElement value))
            return fallback ?? throw Bad(path, $"config has no \"{name}\": an LSTM config has num_layers, input_size and hidden_size.");
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long n))
            throw Bad(path, $"config \"{name}\" is {(value.ValueKind == JsonValueKind.Number ? value.GetRawText() : Kind(value))}, expected an integer.");
        if (n < min || n > max)
            throw Bad(path, name == "num_layers" && n == 0
                ? "config num_layers is 0 (a pass-through): RnnGen imports an LSTM of at least one layer."
                : $"config \"{name}\" is {n}, expected {min} … {max}.");
        return (int)n;
    }

    private static bool TryParseVersion(string version, out int major, out int minor)
    {
        major = minor = 0;
        string[] parts = version.Split('.');
        return parts.Length == 3
            && parts.All(p => p.Length is > 0 and <= 6 && p.All(char.IsAsciiDigit))
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "undefined",
    };

    private static InvalidDataException Bad(string path, string message) => new($"{path}: {message}");
}
