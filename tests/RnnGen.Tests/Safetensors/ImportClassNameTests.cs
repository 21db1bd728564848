using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

/// <summary>The class name <c>rnngen import</c> derives from a checkpoint's file name: PascalCase words, a valid C# identifier.</summary>
public sealed class ImportClassNameTests
{
    [Theory]
    [InlineData("lstm_bidirectional.safetensors", "LstmBidirectional")]
    [InlineData("my-model.v2.safetensors", "MyModelV2")]
    [InlineData("models/charlm_embedding_lstm_ce.safetensors", "CharlmEmbeddingLstmCe")]
    [InlineData("remap.safetensors", "Remap")]
    [InlineData("Encoder.safetensors", "Encoder")]
    [InlineData("sentimentGRU.safetensors", "SentimentGRU")]
    [InlineData("lstm33_dense_lstm_last.safetensors", "Lstm33DenseLstmLast")]
    [InlineData("2layer_lstm.safetensors", "Model2LayerLstm")]
    [InlineData("__init__.safetensors", "Init")]
    [InlineData("-.safetensors", "ImportedModel")]
    [InlineData("program.safetensors", "ProgramModel")]
    [InlineData("modèle_français.safetensors", "ModèleFrançais")]
    public void File_names_become_pascal_case_identifiers(string path, string expected) =>
        Assert.Equal(expected, PyTorchImport.ClassName(path));
}
