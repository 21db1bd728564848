using System.Text.Json;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Helpers;

/// <summary>A golden case written by tools/make_fixtures.py (PyTorch): parameters, inputs, and everything PyTorch computed.</summary>
internal sealed class PyTorchFixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static IEnumerable<string> NetworkNames() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal)!;

    private PyTorchFixture(string name)
    {
        Name = name;
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        JsonElement root = json.RootElement;
        Spec = NetworkSpec.FromJson(root.GetProperty("spec").GetRawText());
        Steps = root.GetProperty("steps").GetInt32();
        Loss = root.GetProperty("loss").GetDouble();
        Tokens = root.TryGetProperty("tokens", out JsonElement t) ? t.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
        ClassIds = root.TryGetProperty("classIds", out JsonElement c) ? c.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
        ParametersPath = Path.Combine(Directory, name + ".safetensors");
        Expected = SafetensorsFile.Open(Path.Combine(Directory, name + ".expected.safetensors"));
    }

    public static PyTorchFixture Load(string name) => new(name);

    public string Name { get; }
    public NetworkSpec Spec { get; }
    public int Steps { get; }
    public double Loss { get; }
    public int[]? Tokens { get; }
    public int[]? ClassIds { get; }
    public string ParametersPath { get; }
    public SafetensorsFile Expected { get; }

    public float[] Tensor(string name) => Expected.ReadFloat32(name);

    public bool Has(string name) => Expected.Tensors.ContainsKey(name);
}
