using System.Text.Json;

namespace RnnGen.Samples.Tests;

/// <summary><c>rnngen import</c> of Keras, RTNeural and PyTorch JSON files, end to end: the written declaration and weights,
/// compiled with the generator, compute TensorFlow.js' / torch's outputs (tests/RnnGen.Tests/Fixtures/keras).</summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class KerasCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-keras-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string file) => Path.Combine(Repository.Root, "tests", "RnnGen.Tests", "Fixtures", "keras", file);

    [Theory]
    [InlineData("keras_lstm_dense.keras", "LstmDense")]
    [InlineData("keras_stacked_lstm_softmax.h5", "Stacked")]
    [InlineData("keras_gru_ra_dense.json", "GruDense")]
    [InlineData("torch_lstm2_linear.json", "TorchLstm")]
    [InlineData("keras_gru_v1_heads.h5", "GruResetBefore")]
    [InlineData("keras_lstm_gru_v1_last.keras", "LastStep")]
    public void An_imported_model_compiles_and_runs_its_reference_outputs(string file, string className)
    {
        string project = Path.Combine(_dir, className);
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "App.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var (code, output) = Rnngen("import", Fixture(file), "--class", className, "--out", project);
        Assert.True(code == 0, output);
        Assert.Contains("layers.0.weight", output);
        Assert.Contains("← ", output);
        Assert.Contains($"Weights = \"{className}.safetensors\"", File.ReadAllText(Path.Combine(project, className + ".cs")));

        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(Fixture(Path.GetFileNameWithoutExtension(file) + ".expected.json")));
        static IEnumerable<float> Flat(JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flat) : [e.GetSingle()];
        float[] input = [.. Flat(d.RootElement.GetProperty("input"))], expected = [.. Flat(d.RootElement.GetProperty("output"))];
        float[] actual = ImportedProject.Run(project, className, input, d.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f, $"{file} output {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [InlineData("bad.json", "{\"in_shape\": [null, null, 1], \"layers\": [{\"type\": \"conv1d\", \"weights\": []}]}", "layer 0 has type 'conv1d'")]
    [InlineData("bad.h5", "not an hdf5 file", "neither a .keras zip nor an HDF5")]
    [InlineData("bad.keras", "PK\u0003\u0004 truncated", "not a readable zip")]
    public void A_bad_file_fails_with_exit_code_2_and_a_message_naming_it(string name, string content, string message)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        var (code, output) = Rnngen("import", path, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains($"rnngen: {path}: ", output);
        Assert.Contains(message, output);
    }

    private (int Code, string Output) Rnngen(params string[] arguments) => RnngenTool.Run(_dir, arguments);
}
