using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

/// <summary>The builder every foreign-format reader uses: layout conversions, and no model with a tensor unset.</summary>
public sealed class ImportedWeightsTests
{
    [Fact]
    public void Transpose_turns_rows_into_columns()
    {
        float[] a = [1, 2, 3, 4, 5, 6];   // [2, 3]
        Assert.Equal([1, 4, 2, 5, 3, 6], ImportedWeights.Transpose(a, 2, 3));
        Assert.Equal(a, ImportedWeights.Transpose(ImportedWeights.Transpose(a, 2, 3), 3, 2));
        Assert.Contains("expected 2 × 2 = 4 values, got 6", Assert.Throws<ArgumentException>(() => ImportedWeights.Transpose(a, 2, 2)).Message);
    }

    [Fact]
    public void ReorderBlocks_takes_source_blocks_in_the_given_order()
    {
        float[] onnx = [10, 11, 20, 21, 30, 31, 40, 41];   // ONNX LSTM blocks i, o, f, c of 2 floats
        Assert.Equal([10, 11, 30, 31, 40, 41, 20, 21], ImportedWeights.ReorderBlocks(onnx, 2, 0, 2, 3, 1));   // i, f, g, o
        Assert.Throws<ArgumentException>(() => ImportedWeights.ReorderBlocks(onnx, 3, 0, 2, 3, 1));
        Assert.Contains("not a permutation", Assert.Throws<ArgumentException>(() => ImportedWeights.ReorderBlocks(onnx, 2, 0, 0, 3, 1)).Message);
    }

    [Fact]
    public void Build_gives_the_parameters_in_layout_order_with_their_sources()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Rnn(3, Activation.Tanh), LayerSpec.Dense(1, Activation.Sigmoid)], 10);
        var weights = new ImportedWeights(spec);
        foreach (ParameterTensor t in spec.ParameterLayout)
        {
            Assert.False(weights.IsSet(t.Name));
            weights.Set(t.Name, Enumerable.Range(t.Offset, t.Length).Select(i => (float)i).ToArray(), "file/" + t.Name);
        }
        ImportedModel model = weights.Build(["a note"]);
        Assert.Equal(spec, model.Spec);
        Assert.Equal(Enumerable.Range(0, spec.ParameterCount).Select(i => (float)i), model.Parameters!);
        Assert.Equal("layers.0.weight_ih_l0 [3, 2] ← file/layers.0.weight_ih_l0", model.Mapped[0]);
        Assert.Equal(["a note"], model.Notes);

        // What SaveWeights writes loads with the plain LoadSafetensors.
        string path = Path.Combine(Path.GetTempPath(), $"imported-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveWeights(path);
            var net = new ReferenceNetwork(spec);
            net.LoadSafetensors(path);
            Assert.Equal(model.Parameters!, net.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Wrong_lengths_unknown_names_and_unset_tensors_are_named()
    {
        var spec = new NetworkSpec(2, [LayerSpec.Gru(3), LayerSpec.Dense(1)], 10);
        var weights = new ImportedWeights(spec);
        var e = Assert.Throws<InvalidDataException>(() => weights.Set("layers.0.weight_ih_l0", new float[5], "gru/kernel"));
        Assert.Equal("gru/kernel: 5 values for layers.0.weight_ih_l0 [9, 2], which has 18.", e.Message);
        Assert.Contains("has no tensor layers.0.kernel", Assert.Throws<InvalidDataException>(() => weights.Set("layers.0.kernel", new float[1], "x")).Message);
        weights.Set("layers.0.weight_ih_l0", new float[18], "gru/kernel");
        var missing = Assert.Throws<InvalidDataException>(() => weights.Build()).Message;
        Assert.Contains("layers.0.weight_hh_l0 [9, 3]", missing);
        Assert.Contains("layers.1.bias [1]", missing);
        Assert.DoesNotContain("weight_ih_l0", missing);
        Assert.Throws<InvalidOperationException>(() => new ImportedModel(2, spec.Layers, new Dictionary<string, string>(), []).SaveWeights("x.safetensors"));
    }
}
