using System.Diagnostics;
using System.Text;
using System.Text.Json;
using RnnGen.Safetensors;
using RnnGen.Tests.Helpers;
using Xunit.Abstractions;

namespace RnnGen.Tests.Safetensors;

// The fixtures' networks, as a user declares them for the import (tools/make_nam_fixtures.py writes the files).
[RnnModel(InputSize = 1, MaxSteps = 256)]
[Lstm(8, LearnInitialState = true)]
[Dense(1)]
public partial class NamLstm1x8;

[RnnModel(InputSize = 1, MaxSteps = 256)]
[Lstm(12, LearnInitialState = true)]
[Lstm(12, LearnInitialState = true)]
[Dense(1)]
public partial class NamLstm2x12;

/// <summary>
/// Neural Amp Modeler .nam LSTM files: the import, run by the reference runtime and by generated code, reproduces what
/// PyTorch computes for the same flat weights (tools/make_nam_fixtures.py); anything but an LSTM is refused by name,
/// and hostile files fail with an InvalidDataException naming the file.
/// </summary>
public sealed class NamImportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-nam-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(PyTorchFixture.Directory, "nam", name);

    private static (float[] Input, float[] Output) Expected(string name)
    {
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(Fixture(name + ".expected.json")));
        return (d.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
                d.RootElement.GetProperty("output").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }

    [Theory]
    [InlineData("lstm_1x8", 1, 8, 345)]
    [InlineData("lstm_2x12", 2, 12, 1933)]
    public void The_import_declares_NAMs_LSTM_and_reproduces_torch(string name, int layers, int hidden, int weights)
    {
        ImportedModel model = NamImport.Read(Fixture(name + ".nam"));
        NetworkSpec spec = Assert.IsType<NetworkSpec>(model.Spec);
        Assert.Equal(1, spec.InputSize);
        Assert.Equal([.. Enumerable.Repeat(LayerSpec.Lstm(hidden) with { LearnInitialState = true }, layers), LayerSpec.Dense(1)], spec.Layers);
        float[] parameters = Assert.IsType<float[]>(model.Parameters);
        Assert.Equal(spec.ParameterCount, parameters.Length);
        // NAM's one bias per layer and RnnGen's two: the extra b_hh is zero, so RnnGen has 4·H more numbers per layer.
        Assert.Equal(weights + layers * 4 * hidden, parameters.Length);
        Assert.Contains(model.Notes, n => n.Contains("bias_hh_l0 is zero", StringComparison.Ordinal));
        Assert.Contains(model.Notes, n => n.Contains("48000 Hz", StringComparison.Ordinal));
        Assert.Contains(model.Mapped, m => m.StartsWith("layers.0.initial_c_l0", StringComparison.Ordinal));

        var (input, expected) = Expected(name);
        var reference = new ReferenceNetwork(spec);
        parameters.CopyTo(reference.Parameters);
        var outputs = new float[input.Length];
        reference.Forward(input, input.Length, outputs);
        AssertClose(expected, outputs, name + " reference runtime");

        IRecurrentNetwork generated = layers == 1 ? new NamLstm1x8() : new NamLstm2x12();
        Assert.Equal(spec.Layers, generated.Spec.Layers);
        parameters.CopyTo(generated.Parameters);
        Array.Clear(outputs);
        generated.Forward(input, input.Length, outputs);
        AssertClose(expected, outputs, name + " generated");

        // Sample by sample, as an audio loop runs it: from ResetState (the file's initial state), one Step per sample.
        generated.ResetState();
        var one = new float[1];
        for (int t = 0; t < input.Length; t++)
        {
            generated.Step(input.AsSpan(t, 1), one);
            Assert.True(Math.Abs(one[0] - expected[t]) <= 1e-5f, $"{name} Step at {t}: {one[0]} vs torch {expected[t]}");
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int t = 0; t < expected.Length; t++)
            if (Math.Abs(expected[t] - actual[t]) is var d && d > worst) (worst, at) = (d, t);
        Assert.True(worst <= 1e-5, $"{what}: step {at} is {actual[Math.Max(at, 0)]}, torch {expected[Math.Max(at, 0)]} (|Δ| {worst:E2})");
        Assert.True(expected.Max() - expected.Min() > 0.01f, $"{what}: the expected output barely moves");
    }

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static JsonDocumentEdit Edit(string fixture) => new(File.ReadAllText(Fixture(fixture + ".nam")));

    [Theory]
    [InlineData("WaveNet")]
    [InlineData("ConvNet")]
    [InlineData("Linear")]
    [InlineData("CatLSTM")]
    public void Other_architectures_are_refused_by_name(string architecture)
    {
        string path = Write("other.nam", Edit("lstm_1x8").Set("architecture", $"\"{architecture}\"").Json);
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains($"architecture \"{architecture}\" is not supported", e.Message);
        Assert.Contains("LSTM", e.Message);
    }

    [Fact]
    public void A_weight_count_that_does_not_fit_the_config_is_named_with_both_counts()
    {
        string json = File.ReadAllText(Fixture("lstm_1x8.nam"));
        string path = Write("short.nam", json.Replace("\"weights\": [", "\"weights\": [0.5, ", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains("has 346 numbers", e.Message);
        Assert.Contains("needs 345", e.Message);

        path = Write("bigger.nam", Edit("lstm_1x8").Set("config", "{\"input_size\": 1, \"hidden_size\": 9, \"num_layers\": 1}").Json);
        e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.Contains("has 345 numbers", e.Message);
        Assert.Contains($"needs {4 * 9 * 10 + 4 * 9 + 9 + 9 + 9 + 1}", e.Message);
    }

    /// <summary>The refusal, the note and the docs say one range: 0.5.0 … 0.x, newer than 0.7 read as 0.7.</summary>
    [Fact]
    public void The_version_message_names_the_range_that_is_read()
    {
        string path = Write("old.nam", Edit("lstm_1x8").Set("version", "\"0.4.2\"").Json);
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.Contains("0.5.0 … 0.x", e.Message);
        Assert.DoesNotContain("0.7.x are", e.Message);
        path = Write("newer.nam", Edit("lstm_1x8").Set("version", "\"0.9.1\"").Json);
        ImportedModel model = NamImport.Read(path);
        Assert.Contains(model.Notes, n => n.Contains("file version 0.9.1 (newer than 0.7", StringComparison.Ordinal));
        Assert.Contains("versions outside 0.5.0 … 0.x", File.ReadAllText(Path.Combine(Repository.Root, "docs", "import.md")));
    }

    [Theory]
    [InlineData("version", "\"0.4.0\"", "version 0.4.0 is not supported")]
    [InlineData("version", "\"1.0.0\"", "version 1.0.0 is not supported")]
    [InlineData("version", "\"latest\"", "is not major.minor.patch")]
    [InlineData("version", "5", "\"version\" is a number, expected a string")]
    [InlineData("config", "[]", "\"config\" is an array")]
    [InlineData("config", "{\"input_size\": 1, \"hidden_size\": 8}", "config has no \"num_layers\"")]
    [InlineData("config", "{\"input_size\": 1, \"hidden_size\": 8, \"num_layers\": 0}", "num_layers is 0")]
    [InlineData("config", "{\"input_size\": 1, \"hidden_size\": -8, \"num_layers\": 1}", "\"hidden_size\" is -8")]
    [InlineData("config", "{\"input_size\": 1, \"hidden_size\": 8.5, \"num_layers\": 1}", "\"hidden_size\" is 8.5, expected an integer")]
    [InlineData("config", "{\"input_size\": 1, \"hidden_size\": 8, \"num_layers\": 1, \"in_channels\": 2}", "in_channels 2 differs from input_size 1")]
    [InlineData("weights", "{}", "\"weights\" is an object")]
    [InlineData("sample_rate", "\"fast\"", "\"sample_rate\" is \"fast\"")]
    public void Bad_fields_are_named(string field, string value, string message)
    {
        string path = Write("bad.nam", Edit("lstm_1x8").Set(field, value).Json);
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("version")]
    [InlineData("architecture")]
    [InlineData("config")]
    [InlineData("weights")]
    public void A_missing_field_is_named(string field)
    {
        string path = Write("missing.nam", Edit("lstm_1x8").Remove(field).Json);
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains($"missing \"{field}\"", e.Message);
    }

    [Fact]
    public void A_weight_that_is_not_a_finite_float_is_named_by_index()
    {
        string json = File.ReadAllText(Fixture("lstm_1x8.nam"));
        int start = json.IndexOf("\"weights\": [", StringComparison.Ordinal) + "\"weights\": [".Length;
        int comma = json.IndexOf(',', start);
        string path = Write("huge.nam", json[..start] + "1e39" + json[comma..]);
        var e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.Equal($"{path}: weights[0] = 1e39 is not a finite 32-bit float.", e.Message);
        path = Write("text.nam", json[..start] + "\"x\"" + json[comma..]);
        e = Assert.Throws<InvalidDataException>(() => NamImport.Read(path));
        Assert.Equal($"{path}: weights[0] is a string, expected a number.", e.Message);
    }

    [Fact]
    public void Out_channels_widen_the_head()
    {
        // NAM's core reads an optional out_channels (default 1): the head is then [out, H] and its bias [out].
        ImportedModel one = NamImport.Read(Fixture("lstm_1x8.nam"));
        float[] p = one.Parameters!;
        using JsonDocument d = JsonDocument.Parse(File.ReadAllText(Fixture("lstm_1x8.nam")));
        var weights = d.RootElement.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToList();
        weights.InsertRange(weights.Count - 1, weights.Skip(weights.Count - 9).Take(8));   // a second head row
        weights.Add(0.25);                                                                    // and its bias
        string json = Edit("lstm_1x8")
            .Set("config", "{\"input_size\": 1, \"hidden_size\": 8, \"num_layers\": 1, \"out_channels\": 2}")
            .Set("weights", "[" + string.Join(", ", weights.Select(w => w.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]").Json;
        ImportedModel two = NamImport.Read(Write("two.nam", json));
        Assert.Equal(LayerSpec.Dense(2), two.Spec!.Layers[^1]);
        Assert.Equal(p.Length + 9, two.Parameters!.Length);
    }

    private const int Cases = 3000;
    private static readonly string[] Numbers = ["-1", "0", "1", "2", "8", "9", "17", "4096", "8193", "2147483648", "1e308", "-1e39", "3.5", "00", "-0", "1" + new string('0', 40), "null", "true", "\"8\"", "[]", "{}"];
    private static readonly byte[] JsonBytes = Encoding.ASCII.GetBytes("{}[]\":,-0123456789e.E+ \\u\tnul");

    [Fact]
    public void Mutated_and_truncated_files_load_or_fail_with_a_clear_InvalidDataException()
    {
        byte[][] seeds = [File.ReadAllBytes(Fixture("lstm_1x8.nam")), File.ReadAllBytes(Fixture("lstm_2x12.nam"))];
        var random = new DeterministicRandom(2027);
        string path = Path.Combine(_dir, "case.nam");
        int loaded = 0, rejected = 0;
        var kinds = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < Cases; i++)
        {
            (byte[] bytes, string kind) = Mutate(seeds[random.NextInt(seeds.Length)], ref random);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            var clock = Stopwatch.StartNew();
            bool read = HostileInput.AssertLoadsOrFailsNamingFile(path, bytes, p =>
            {
                ImportedModel model = NamImport.Read(p);
                // What loads is a whole network: its parameters fill it, and it runs.
                var net = new ReferenceNetwork(model.Spec!);
                model.Parameters!.CopyTo(net.Parameters);
                var x = new float[net.InputSize];
                x.AsSpan().Fill(0.5f);
                net.Step(x, new float[net.OutputSize]);
            }, $"seed 2027, case {i} ({kind})");
            if (read) loaded++; else rejected++;
            if (clock.Elapsed > slowest) slowest = clock.Elapsed;
        }
        output.WriteLine($"{Cases} cases ({string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}): {loaded} loaded, {rejected} rejected; slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(rejected > Cases / 2, $"only {rejected} rejections: the mutations are too mild");
        Assert.True(loaded > 0, "nothing loaded: the mutations never keep a file valid");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a case took {slowest}");
    }

    private static (byte[] Bytes, string Kind) Mutate(byte[] seed, ref DeterministicRandom random)
    {
        byte[] b = (byte[])seed.Clone();
        switch (random.NextInt(7))
        {
            case 0:
                for (int k = 1 + random.NextInt(8); k > 0; k--) b[random.NextInt(b.Length)] ^= (byte)(1 << random.NextInt(8));
                return (b, "bit flips");
            case 1:
            {
                int at = random.NextInt(b.Length), length = 1 + random.NextInt(Math.Min(16, b.Length - at));
                for (int k = 0; k < length; k++) b[at + k] = (byte)random.NextInt(256);
                return (b, "random bytes");
            }
            case 2:
                return (b[..random.NextInt(b.Length)], "truncation");
            case 3:
                for (int k = 1 + random.NextInt(3); k > 0; k--) b[random.NextInt(b.Length)] = JsonBytes[random.NextInt(JsonBytes.Length)];
                return (b, "JSON characters");
            case 4:
            {
                // Replace one number (a config size, a weight, the sample rate) by an extreme value or another kind.
                string text = Encoding.UTF8.GetString(b);
                var starts = Enumerable.Range(0, text.Length).Where(k => char.IsAsciiDigit(text[k]) && (k == 0 || !IsNumberChar(text[k - 1]))).ToArray();
                // The config's and the header fields' numbers are few among the weights: pick them half the time.
                int weightsAt = text.IndexOf("\"weights\"", StringComparison.Ordinal);
                var head = starts.Where(k => k < weightsAt || k > text.LastIndexOf(']')).ToArray();
                int[] pool = head.Length > 0 && random.NextInt(2) == 0 ? head : starts;
                int start = pool[random.NextInt(pool.Length)], end = start;
                while (end < text.Length && IsNumberChar(text[end])) end++;
                return (Encoding.UTF8.GetBytes(text[..start] + Numbers[random.NextInt(Numbers.Length)] + text[end..]), "numbers");
            }
            case 5:
            {
                string text = Encoding.UTF8.GetString(b);
                int at = random.NextInt(text.Length);
                string edited = random.NextInt(2) == 0
                    ? text.Remove(at, Math.Min(1 + random.NextInt(12), text.Length - at))
                    : text.Insert(at, random.NextInt(3) == 0 ? new string('[', 200) : ((char)JsonBytes[random.NextInt(JsonBytes.Length)]).ToString());
                return (Encoding.UTF8.GetBytes(edited), "edits");
            }
            default:
            {
                // Drop or duplicate a few weights: the count no longer fits the config.
                string text = Encoding.UTF8.GetString(b);
                int open = text.IndexOf('[', text.IndexOf("\"weights\"", StringComparison.Ordinal)) + 1;
                int comma = text.IndexOf(", ", open, StringComparison.Ordinal);
                string first = text[open..comma];
                return (Encoding.UTF8.GetBytes(random.NextInt(2) == 0 ? text.Remove(open, comma + 2 - open) : text.Insert(open, first + ", ")), "weight count");
            }
        }
    }

    private static bool IsNumberChar(char c) => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+';

    /// <summary>Replaces or removes one top-level field of a .nam file's JSON, keeping the rest as it is.</summary>
    private sealed class JsonDocumentEdit(string json)
    {
        public string Json { get; private set; } = json;

        public JsonDocumentEdit Set(string field, string valueJson) => Rewrite(field, valueJson);

        public JsonDocumentEdit Remove(string field) => Rewrite(field, null);

        private JsonDocumentEdit Rewrite(string field, string? valueJson)
        {
            using JsonDocument d = JsonDocument.Parse(Json);
            var parts = new List<string>();
            bool found = false;
            foreach (JsonProperty p in d.RootElement.EnumerateObject())
            {
                if (p.Name == field)
                {
                    found = true;
                    if (valueJson is not null) parts.Add($"\"{p.Name}\": {valueJson}");
                }
                else
                {
                    parts.Add($"\"{p.Name}\": {p.Value.GetRawText()}");
                }
            }
            if (!found && valueJson is not null) parts.Add($"\"{field}\": {valueJson}");
            Json = "{" + string.Join(", ", parts) + "}";
            return this;
        }
    }
}
