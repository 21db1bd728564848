using RnnGen;
using RnnGen.Safetensors;
using RnnGen.TorchSharp;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGenTorchSharp.Tests;

/// <summary>Modules that do not fit the model, or that RnnGen cannot import: an ArgumentException that names the
/// tensor or module, and the model's parameters left as they were.</summary>
public sealed class ErrorTests
{
    /// <summary>nn.LSTM(3, 6) into a model declared [Lstm(5)]: every mis-shaped tensor is named with both shapes.</summary>
    [Fact]
    public void A_module_of_other_sizes_is_refused_naming_tensor_expected_and_actual_shape()
    {
        torch.manual_seed(11);
        using var module = new RecurrentWithHead(nn.LSTM(3, 6, numLayers: 2), nn.Linear(6, 2));
        var model = new LstmStack();
        model.InitializeParameters(1);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => model.LoadTorchSharp(module));
        Assert.Equal("module", e.ParamName);
        Assert.Contains("tensor layers.0.weight_ih_l0 (module: recurrent.weight_ih_l0): expected shape [20, 3], the module has [24, 3]", e.Message);
        Assert.Contains("tensor layers.2.weight (module: head.weight): expected shape [2, 5], the module has [2, 6]", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    /// <summary>A name map to a tensor of the wrong shape, and to one that does not exist.</summary>
    [Fact]
    public void A_name_map_to_a_missing_or_mis_shaped_tensor_is_refused()
    {
        torch.manual_seed(12);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5), nn.Linear(5, 2));
        var map = new Dictionary<string, string>
        {
            ["layers.0.weight_ih_l0"] = "recurrent.weight_hh_l0",
            ["layers.0.weight_hh_l0"] = "recurrent.weight_ih_l0",
            ["layers.0.bias_ih_l0"] = "recurrent.bias_ih_l0",
            ["layers.0.bias_hh_l0"] = "recurrent.bias_hh_l0",
            ["layers.1.weight"] = "head.weight",
            ["layers.1.bias"] = "decoder.bias",
        };
        var model = new SequentialLstm();
        var e = Assert.Throws<ArgumentException>(() => model.LoadTorchSharp(module, map));
        Assert.Contains("tensor layers.0.weight_ih_l0 (module: recurrent.weight_hh_l0): expected shape [20, 3], the module has [20, 5]", e.Message);
        Assert.Contains("missing tensor layers.1.bias (module: decoder.bias): expected shape [2]", e.Message);
        Assert.Contains("extra tensor head.bias [2] matches no parameter of this model", e.Message);
        Assert.All(model.Parameters.ToArray(), v => Assert.Equal(0f, v));
    }

    /// <summary>A one-layer LSTM into a two-layer model: the second layer's tensors are missing.</summary>
    [Fact]
    public void A_module_with_fewer_layers_is_refused_naming_the_missing_tensors()
    {
        torch.manual_seed(13);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5), nn.Linear(5, 2));
        var e = Assert.Throws<ArgumentException>(() => new LstmStack().LoadTorchSharp(module));
        Assert.Contains("missing tensor layers.2.weight: expected shape [2, 5]", e.Message);
    }

    /// <summary>Module parameters the model does not read are an error, unless ignored.</summary>
    [Fact]
    public void Unused_module_parameters_are_refused_unless_ignored()
    {
        torch.manual_seed(14);
        using var lstm = new RecurrentWithHead(nn.LSTM(3, 5), nn.Linear(5, 2));
        using var module = nn.Sequential(("encoder", new SequenceOutput(nn.LSTM(3, 5))), ("head", nn.Linear(5, 2)), ("extra", nn.Linear(2, 2)));
        ImportedModel imported = TorchSharpImport.Infer(module);
        Assert.Equal([LayerSpec.Lstm(5), LayerSpec.Dense(2), LayerSpec.Dense(2)], imported.Layers);
        var map = imported.NameMap.Where(p => !p.Key.StartsWith("layers.2.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);
        var model = new SequentialLstm();
        var e = Assert.Throws<ArgumentException>(() => model.LoadTorchSharp(module, map));
        Assert.Contains("extra tensor extra.weight [2, 2] matches no parameter of this model", e.Message);
        model.LoadTorchSharp(module, map, ignoreUnusedTensors: true);
        Assert.Contains(model.Parameters.ToArray(), v => v != 0f);
    }

    /// <summary>A submodule with parameters that RnnGen has no layer for is named with its type.</summary>
    [Fact]
    public void An_unsupported_module_is_named()
    {
        torch.manual_seed(15);
        using var module = nn.Sequential(("encoder", new SequenceOutput(nn.LSTM(3, 5))), ("norm", nn.LayerNorm(5)), ("head", nn.Linear(5, 2)));
        var e = Assert.Throws<ArgumentException>(() => TorchSharpImport.Infer(module));
        Assert.Contains("module 'norm' is a LayerNorm with parameters (weight, bias)", e.Message);
        Assert.Contains("nn.LSTM, nn.GRU, nn.RNN, nn.Linear (with bias) and nn.Embedding", e.Message);
        Assert.Throws<ArgumentException>(() => new SequentialLstm().LoadTorchSharp(module));
    }

    /// <summary>nn.Linear without bias would look like an embedding by its tensors; it is named instead.</summary>
    [Fact]
    public void A_linear_without_bias_is_named()
    {
        torch.manual_seed(16);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5), nn.Linear(5, 2, hasBias: false));
        var e = Assert.Throws<ArgumentException>(() => new SequentialLstm().LoadTorchSharp(module));
        Assert.Contains("module 'head' is an nn.Linear without bias", e.Message);
    }

    /// <summary>A recurrent module without biases (bias: false) is refused, naming its tensor.</summary>
    [Fact]
    public void A_recurrent_module_without_biases_is_named()
    {
        torch.manual_seed(17);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5, bias: false), nn.Linear(5, 2));
        var e = Assert.Throws<ArgumentException>(() => TorchSharpImport.Infer(module));
        Assert.Contains("recurrent.weight_ih_l0 has no recurrent.bias_ih_l0/recurrent.bias_hh_l0", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    /// <summary>Modules that do not chain by width are refused, naming them.</summary>
    [Fact]
    public void Modules_that_do_not_chain_are_named()
    {
        torch.manual_seed(18);
        using var module = new RecurrentWithHead(nn.LSTM(3, 5), nn.Linear(7, 2));
        var e = Assert.Throws<ArgumentException>(() => TorchSharpImport.Infer(module));
        Assert.Contains("head (dense 7 → 2)", e.Message);
        Assert.Contains("recurrent (recurrent 3 → 5)", e.Message);
    }
}
