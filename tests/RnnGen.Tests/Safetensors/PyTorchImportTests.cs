using RnnGen.Safetensors;
using RnnGen.Tests.Helpers;

namespace RnnGen.Tests.Safetensors;

/// <summary>`rnngen import` and `rnngen check`: inferring the declaration of a PyTorch checkpoint and
/// checking a checkpoint against a network.</summary>
public sealed class PyTorchImportTests
{
    private static string Fixture(string name) => Path.Combine(PyTorchFixture.Directory, name);

    /// <summary>A PyTorch model with its own module names (nn.LSTM(3, 5, num_layers=2) 'encoder', nn.Linear(5, 2) 'head')
    /// is one paste away: the inferred declaration and name map load it and reproduce PyTorch's outputs.</summary>
    [Fact]
    public void A_pytorch_state_dict_becomes_a_declaration_and_name_map_that_reproduce_its_outputs()
    {
        ImportedModel model = PyTorchImport.Infer(SafetensorsFile.Open(Fixture("remap.safetensors")));
        Assert.Equal(3, model.InputSize);
        Assert.Equal([LayerSpec.Lstm(5), LayerSpec.Lstm(5), LayerSpec.Dense(2)], model.Layers);
        Assert.Equal("encoder.weight_hh_l1", model.NameMap["layers.1.weight_hh_l0"]);
        string declaration = PyTorchImport.Declaration(model, "Remapped");
        Assert.Contains("[RnnModel(InputSize = 3, MaxSteps = 64)]", declaration);
        Assert.Contains("[Lstm(5)]\n[Lstm(5)]\n[Dense(2)]\npublic partial class Remapped;", declaration.Replace("\r\n", "\n"));

        var net = new ReferenceNetwork(new NetworkSpec(model.InputSize, [.. model.Layers], maxSteps: 6));
        net.LoadSafetensors(Fixture("remap.safetensors"), model.NameMap);
        var expected = SafetensorsFile.Open(Fixture("remap.expected.safetensors"));
        var outputs = new float[6 * 2];
        net.Forward(expected.ReadFloat32("inputs"), 6, outputs);
        Numerics.AssertClose<float, float>(expected.ReadFloat32("outputs"), outputs, "imported model vs PyTorch");
    }

    /// <summary>Names and shapes alone (a module's parameters in memory) are inferred as the checkpoint that holds them.</summary>
    [Theory]
    [InlineData("remap")]
    [InlineData("charlm_embedding_lstm_ce")]
    [InlineData("lstm_projection_bidirectional_ce")]
    public void Names_and_shapes_are_inferred_as_the_checkpoint(string name)
    {
        SafetensorsFile file = SafetensorsFile.Open(Fixture(name + ".safetensors"));
        ImportedModel fromFile = PyTorchImport.Infer(file);
        ImportedModel fromShapes = PyTorchImport.Infer(file.Tensors.Values.Select(t => (t.Name, t.Shape)).Reverse());
        Assert.Equal(fromFile.InputSize, fromShapes.InputSize);
        Assert.Equal(fromFile.Layers, fromShapes.Layers);
        Assert.Equal(fromFile.NameMap.OrderBy(p => p.Key), fromShapes.NameMap.OrderBy(p => p.Key));
        Assert.Equal(fromFile.Notes, fromShapes.Notes);

        var e = Assert.Throws<ArgumentException>(() => PyTorchImport.Infer([("lstm.weight_ih_l0", [20L, 3]), ("lstm.weight_ih_l0", [20L, 3])]));
        Assert.Contains("'lstm.weight_ih_l0' occurs twice", e.Message);
        var bad = Assert.Throws<InvalidDataException>(() => PyTorchImport.Infer([("lstm.weight_ih_l0", [20L, 3])]));
        Assert.Contains("lstm.weight_hh_l0 is missing", bad.Message);
    }

    /// <summary>Every PyTorch fixture (embeddings, GRU/RNN/LSTM, bidirectional, stacks, Dense between) is inferred back
    /// to its own layer kinds and sizes.</summary>
    [Theory]
    [InlineData("lstm_bidirectional")]
    [InlineData("charlm_embedding_lstm_ce")]
    [InlineData("embedding_gru_bidirectional_ce_sum")]
    [InlineData("rnn_relu_bidirectional_bce_last")]
    [InlineData("lstm33_dense_lstm_last")]
    [InlineData("gru_sigmoid_rnn_final_recurrent")]
    [InlineData("lstm_projection")]
    [InlineData("lstm_projection_bidirectional_ce")]
    [InlineData("lstm_projection_stack2_last")]
    public void Fixtures_are_inferred_back_to_their_layers(string name)
    {
        var fixture = PyTorchFixture.Load(name);
        ImportedModel model = PyTorchImport.Infer(SafetensorsFile.Open(Fixture(name + ".safetensors")));
        Assert.Equal(fixture.Spec.InputSize, model.InputSize);
        Assert.Equal(fixture.Spec.Layers.Select(l => (l.Kind, l.Size, l.Bidirectional, l.Vocabulary, l.ProjectionSize)), model.Layers.Select(l => (l.Kind, l.Size, l.Bidirectional, l.Vocabulary, l.ProjectionSize)));
        Assert.True(PyTorchImport.Check(SafetensorsFile.Open(Fixture(name + ".safetensors")), fixture.Spec).Fits);
    }

    /// <summary>nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True) then nn.Linear(4, 1): the projection comes
    /// from weight_hr (the hidden size from its columns, W_hh being [4·H, p]) and every weight_hr is mapped.</summary>
    [Fact]
    public void A_proj_size_lstm_of_two_layers_is_declared_with_its_projection()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-import-{Guid.NewGuid():N}.safetensors");
        try
        {
            var tensors = new List<(string, int[], ReadOnlyMemory<float>)>();
            void Add(string name, params int[] shape) => tensors.Add((name, shape, new float[shape.Aggregate(1, (a, b) => a * b)]));
            foreach (string suffix in new[] { "", "_reverse" })
                for (int k = 0; k < 2; k++)
                {
                    Add($"lstm.weight_ih_l{k}{suffix}", 24, k == 0 ? 3 : 4);
                    Add($"lstm.weight_hh_l{k}{suffix}", 24, 2);
                    Add($"lstm.bias_ih_l{k}{suffix}", 24);
                    Add($"lstm.bias_hh_l{k}{suffix}", 24);
                    Add($"lstm.weight_hr_l{k}{suffix}", 2, 6);
                }
            Add("head.weight", 1, 4);
            Add("head.bias", 1);
            SafetensorsFile.WriteFloat32(path, tensors);
            ImportedModel model = PyTorchImport.Infer(SafetensorsFile.Open(path));
            LayerSpec projected = LayerSpec.Lstm(6, bidirectional: true) with { ProjectionSize = 2 };
            Assert.Equal([projected, projected, LayerSpec.Dense(1)], model.Layers);
            Assert.Equal("lstm.weight_hr_l1_reverse", model.NameMap["layers.1.weight_hr_l0_reverse"]);
            Assert.Contains("[Lstm(6, Bidirectional = true, ProjectionSize = 2)]", PyTorchImport.Declaration(model, "Projected"));
            var spec = new NetworkSpec(model.InputSize, [.. model.Layers], maxSteps: 4);
            Assert.True(PyTorchImport.Check(SafetensorsFile.Open(path), spec, model.NameMap).Fits);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Check_reports_missing_misshaped_and_unused_tensors()
    {
        var file = SafetensorsFile.Open(Fixture("remap.safetensors"));
        var fits = PyTorchImport.Check(file, new NetworkSpec(3, [LayerSpec.Lstm(5), LayerSpec.Lstm(5), LayerSpec.Dense(2)], 4));
        Assert.True(fits.Fits);
        Assert.Equal("PyTorch names, matched by module order", fits.Naming);
        Assert.Empty(fits.Extra);

        var wrong = PyTorchImport.Check(file, new NetworkSpec(3, [LayerSpec.Lstm(6), LayerSpec.Dense(2)], 4));
        Assert.False(wrong.Fits);
        TensorCheck hh = wrong.Tensors.Single(t => t.Name == "layers.0.weight_hh_l0");
        Assert.Equal(("mis-shaped", "[24, 6]", "[20, 5]"), (hh.Status, hh.Expected, hh.Actual));
        Assert.Contains("encoder.weight_ih_l1", wrong.Extra);

        var missing = PyTorchImport.Check(file, new NetworkSpec(3, [LayerSpec.Gru(5)], 4), new Dictionary<string, string>());
        Assert.All(missing.Tensors, t => Assert.Equal("missing", t.Status));
        Assert.Equal(10, missing.Extra.Count);
    }

    [Fact]
    public void Tensors_that_form_no_chain_are_refused_with_the_reason()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-import-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.WriteFloat32(path, new (string, int[], ReadOnlyMemory<float>)[] { ("a.weight", [4, 3], new float[12]), ("a.bias", [4], new float[4]), ("b.weight", [2, 7], new float[14]), ("b.bias", [2], new float[2]) });
            var e = Assert.Throws<InvalidDataException>(() => PyTorchImport.Infer(SafetensorsFile.Open(path)));
            Assert.Contains("takes 4 inputs", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A file RnnGen saved with a reset-before GRU imports to the attribute that declares it (PyTorch's form, the
    /// default, stays unwritten).</summary>
    [Fact]
    public void A_saved_reset_before_gru_is_declared_with_reset_after_false()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-reset-before-{Guid.NewGuid():N}.safetensors");
        try
        {
            var spec = new NetworkSpec(3, [LayerSpec.Gru(5, bidirectional: true, resetAfter: false), LayerSpec.Gru(4), LayerSpec.Dense(2)], maxSteps: 4);
            var net = new ReferenceNetwork(spec);
            net.InitializeParameters(1);
            net.SaveSafetensors(path);
            ImportedModel model = PyTorchImport.Infer(SafetensorsFile.Open(path));
            Assert.Equal(spec, model.Spec);
            string declaration = PyTorchImport.Declaration(model, "Saved").Replace("\r\n", "\n");
            Assert.Contains("[Gru(5, Bidirectional = true, ResetAfter = false)]\n[Gru(4)]\n[Dense(2)]\n", declaration);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
