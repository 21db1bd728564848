using RnnGen.Samples.Tests;
using RnnGen.TestSupport;

namespace RnnGen.Interop.Tests;

/// <summary><c>rnngen import model.onnx --out DIR</c>, compiled as a user's project would, against ONNX Runtime.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-onnx-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Rnngen(params string[] arguments)
    {
        string dll = Repository.Built(Path.Combine("src", "RnnGen.Cli"), "RnnGen.Cli");
        var (code, output) = Repository.Run("dotnet", _dir, null, TimeSpan.FromMinutes(1), [dll, .. arguments]);
        Assert.True(code == 0, output);
        return output;
    }

    [Theory]
    [InlineData("gru_bidirectional_softmax", "GruBidirectionalSoftmax")]
    [InlineData("lstm_gemm_sigmoid", "LstmGemmSigmoid")]
    [InlineData("lstm_initial_state", "LstmInitialState")]
    [InlineData("gru_lbr0", "GruLbr0")]
    public void ImportedOnnxCompilesAndMatchesOnnxRuntime(string name, string type)
    {
        Fixture f = Fixture.Load(name);
        string outDir = Path.Combine(_dir, name);
        string printed = Rnngen("import", f.OnnxPath, "--out", outDir);
        Assert.Contains("layers.0.weight_ih_l0", printed);
        float[] x = Run.Input(OnnxImportSpec(f), 9, seed: 4);
        Close.All(Ort.Run(f.OnnxPath, x, 9), ImportedProject.Run(outDir, type, x, 9), 1e-5f, name);
    }

    [Fact]
    public void ImportedTokenModelCompilesAndMatchesOnnxRuntime()
    {
        Fixture f = Fixture.Load("embedding_lstm_softmax");
        string outDir = Path.Combine(_dir, "tokens");
        Rnngen("import", f.OnnxPath, "--class", "Tokens", "--out", outDir);
        int[] tokens = [3, 1, 4, 1, 5, 9, 2, 6];
        Close.All(Ort.Run(f.OnnxPath, Array.ConvertAll(tokens, t => (float)t), tokens.Length), ImportedProject.RunTokens(outDir, "Tokens", tokens), 1e-5f);
    }

    [Fact]
    public void ARefusedFileExitsWithItsReason()
    {
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(4), LayerSpec.Dense(2)], 8);
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(1);
        global::Onnx.ModelProto model = OnnxExport.Build(spec, net.Parameters);
        model.Graph.Node.First(n => n.OpType == "LSTM").Attribute.Add(new global::Onnx.AttributeProto { Name = "clip", Type = global::Onnx.AttributeProto.Types.AttributeType.Float, F = 2 });
        string path = Path.Combine(_dir, "clipped.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        string dll = Repository.Built(Path.Combine("src", "RnnGen.Cli"), "RnnGen.Cli");
        var (code, output) = Repository.Run("dotnet", _dir, null, TimeSpan.FromMinutes(1), [dll, "import", path, "--out", Path.Combine(_dir, "x")]);
        Assert.Equal(2, code);
        Assert.Contains($"{path}: node 'layers.0.lstm' (LSTM): attribute 'clip'", output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));
    }

    private static NetworkSpec OnnxImportSpec(Fixture f) => Imported.Read(f.OnnxPath).Spec;
}
