using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PureHDF;
using RnnGen.Keras;
using RnnGen.Safetensors;

namespace RnnGen.Tests.Safetensors;

/// <summary>
/// How Keras 3 addresses weights (layers/&lt;snake_case(class)&gt;[_k], not the layer's name), activations written as
/// objects, functional models that are not one chain, and sizes read from hostile files.
/// </summary>
public sealed class KerasFileChecksTests : IDisposable
{
    private static string Dir => KerasFixtures.Dir;
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-keras-checks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("LSTM", "lstm")]
    [InlineData("GRU", "gru")]
    [InlineData("SimpleRNN", "simple_rnn")]
    [InlineData("TimeDistributed", "time_distributed")]
    [InlineData("InputLayer", "input_layer")]
    [InlineData("Dense", "dense")]
    [InlineData("Conv1D", "conv1d")]
    [InlineData("ConvLSTM2D", "conv_lstm2d")]
    [InlineData("HTTPRequest", "http_request")]
    [InlineData("BatchNormalization", "batch_normalization")]
    public void Class_names_become_keras_snake_case(string name, string expected) => Assert.Equal(expected, KerasImport.SnakeCase(name));

    [Fact]
    public void Keras3_weights_are_found_by_class_and_count_not_by_layer_name()
    {
        string path = Path.Combine(Dir, "keras_stacked_lstm_softmax.keras");
        JsonNode config = Config(path);
        Assert.Equal(["input_layer", "encoder0", "mixer1", "decoder2", "head3"], config["config"]!["layers"]!.AsArray().Select(l => (string)l!["config"]!["name"]!));
        ImportedModel m = KerasImport.Read(path);
        Assert.Contains(m.Mapped, l => l.StartsWith("layers.0.weight ", StringComparison.Ordinal) && l.Contains("layers/time_distributed/layer/vars/0", StringComparison.Ordinal));
        Assert.Contains(m.Mapped, l => l.StartsWith("layers.1.weight_ih_l0 ", StringComparison.Ordinal) && l.Contains("layers/lstm/cell/vars/0", StringComparison.Ordinal));
        Assert.Contains(m.Mapped, l => l.StartsWith("layers.2.weight_ih_l0 ", StringComparison.Ordinal) && l.Contains("layers/lstm_1/cell/vars/0", StringComparison.Ordinal));
        Assert.Contains(m.Mapped, l => l.StartsWith("layers.3.weight ", StringComparison.Ordinal) && l.Contains("layers/dense/vars/0", StringComparison.Ordinal));
    }

    [Fact]
    public void Weights_under_the_layer_name_are_used_when_the_class_path_is_absent_and_a_missing_layer_is_named()
    {
        var (lstm, dense) = LstmDenseWeights();
        string path = Keras(Path.Combine(_dir, "named.keras"), ConfigText(Path.Combine(Dir, "keras_lstm_dense.keras")), new H5File
        {
            ["layers"] = new H5Group
            {
                ["encoder0"] = new H5Group { ["cell"] = new H5Group { ["vars"] = Vars(lstm) } },
                ["mixer1"] = new H5Group { ["vars"] = Vars(dense) },
            },
        });
        ImportedModel json = KerasJsonImport.Read(Path.Combine(Dir, "keras_lstm_dense.json"));
        ImportedModel file = KerasImport.Read(path);
        Assert.Equal(json.Spec, file.Spec);
        Assert.Equal(json.Parameters, file.Parameters);

        string missing = Keras(Path.Combine(_dir, "missing.keras"), ConfigText(Path.Combine(Dir, "keras_lstm_dense.keras")), new H5File
        {
            ["layers"] = new H5Group { ["lstm"] = new H5Group { ["cell"] = new H5Group { ["vars"] = Vars(lstm) } } },
        });
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(missing));
        Assert.Equal($"{missing}: model.weights.h5 has no weights for layer 'mixer1' (Dense) under layers/dense/ nor layers/mixer1/.", e.Message);
    }

    [Fact]
    public void A_keras3_functional_chain_imports_and_a_branch_is_refused_by_name()
    {
        string source = Path.Combine(Dir, "keras_lstm_dense.keras");
        ImportedModel json = KerasJsonImport.Read(Path.Combine(Dir, "keras_lstm_dense.json"));
        string chain = WithConfig(source, "chain.keras", Functional3(Config(source), _ => null));
        ImportedModel m = KerasImport.Read(chain);
        Assert.Equal(json.Spec, m.Spec);
        Assert.Equal(json.Parameters, m.Parameters);

        // The Dense takes the input, not the LSTM's output: a graph RnnGen's chain of layers cannot express.
        string branch = WithConfig(source, "branch.keras", Functional3(Config(source), name => name == "mixer1" ? "input_layer" : null));
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(branch));
        Assert.StartsWith(branch + ": config.json: layer 'mixer1' (Dense) takes 'input_layer', not only the output of 'encoder0' before it; branches are not supported.", e.Message);

        JsonNode two = Functional3(Config(source), _ => null);
        two["config"]!["output_layers"] = JsonNode.Parse("""[["encoder0", 0, 0], ["mixer1", 0, 0]]""");
        string outputs = WithConfig(source, "outputs.keras", two);
        e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(outputs));
        Assert.Contains("the model's outputs are 'encoder0', 'mixer1', not only its last layer 'mixer1'; branches are not supported.", e.Message);
    }

    [Fact]
    public void A_keras2_functional_h5_chain_imports_and_a_branch_is_refused_by_name()
    {
        var (lstm, dense) = LstmDenseWeights();
        string Config2(string denseInput) => $$$"""
            {"class_name": "Functional", "config": {"name": "model", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, null, 3], "dtype": "float32", "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
              {"class_name": "LSTM", "config": {"name": "encoder", "units": 8, "activation": "tanh", "recurrent_activation": "sigmoid", "return_sequences": true}, "name": "encoder", "inbound_nodes": [[["input_1", 0, 0, {}]]]},
              {"class_name": "Dense", "config": {"name": "head", "units": 2, "activation": "linear"}, "name": "head", "inbound_nodes": [[["{{{denseInput}}}", 0, 0, {}]]]}],
              "input_layers": [["input_1", 0, 0]], "output_layers": [["head", 0, 0]]}}
            """;
        string Write(string name, string config)
        {
            string p = Path.Combine(_dir, name);
            var lstmNames = new[] { "encoder/lstm_cell/kernel:0", "encoder/lstm_cell/recurrent_kernel:0", "encoder/lstm_cell/bias:0" };
            var denseNames = new[] { "head/kernel:0", "head/bias:0" };
            var file = new H5File
            {
                ["model_weights"] = new H5Group
                {
                    ["encoder"] = new H5Group { ["encoder"] = new H5Group { ["lstm_cell"] = new H5Group { ["kernel:0"] = lstm[0], ["recurrent_kernel:0"] = lstm[1], ["bias:0"] = lstm[2] } } },
                    ["head"] = new H5Group { ["head"] = new H5Group { ["kernel:0"] = dense[0], ["bias:0"] = dense[1] } },
                },
            };
            file.Attributes["model_config"] = config;
            ((H5Group)((H5Group)file["model_weights"])["encoder"]).Attributes["weight_names"] = lstmNames;
            ((H5Group)((H5Group)file["model_weights"])["head"]).Attributes["weight_names"] = denseNames;
            file.Write(p);
            return p;
        }
        ImportedModel json = KerasJsonImport.Read(Path.Combine(Dir, "keras_lstm_dense.json"));
        ImportedModel m = KerasImport.Read(Write("chain.h5", Config2("encoder")));
        Assert.Equal(json.Spec, m.Spec);
        Assert.Equal(json.Parameters, m.Parameters);

        string branch = Write("branch.h5", Config2("input_1"));
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(branch));
        Assert.Equal($"{branch}: model_config: layer 'head' (Dense) takes 'input_1', not only the output of 'encoder' before it; branches are not supported.", e.Message);
    }

    [Fact]
    public void A_builtin_activation_object_is_read_and_any_other_object_is_refused_naming_layer_and_property()
    {
        string source = Path.Combine(Dir, "keras_lstm_dense.keras");
        JsonNode Edit(string property, string layer, string json)
        {
            JsonNode c = Config(source);
            JsonNode l = c["config"]!["layers"]!.AsArray().Single(x => (string)x!["config"]!["name"]! == layer)!;
            l["config"]![property] = JsonNode.Parse(json);
            return c;
        }
        const string Softmax = """{"module": "keras.activations", "class_name": "function", "config": "softmax", "registered_name": null}""";
        ImportedModel m = KerasImport.Read(WithConfig(source, "softmax.keras", Edit("activation", "mixer1", Softmax)));
        Assert.Equal(Activation.Softmax, m.Spec!.Layers[^1].Activation);
        KerasImport.Read(WithConfig(source, "sigmoid.keras", Edit("recurrent_activation", "encoder0",
            """{"module": "keras.activations", "class_name": "function", "config": "sigmoid", "registered_name": null}""")));

        string leaky = WithConfig(source, "leaky.keras", Edit("activation", "mixer1",
            """{"module": "keras.layers", "class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "negative_slope": 0.2}, "registered_name": null}"""));
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(leaky));
        Assert.Equal($"{leaky}: config.json: layer 'mixer1' (Dense) has activation a LeakyReLU object; RnnGen reads Keras' built-in activations by name.", e.Message);

        string custom = WithConfig(source, "custom.keras", Edit("recurrent_activation", "encoder0",
            """{"module": "__main__", "class_name": "function", "config": "sigmoid", "registered_name": "sigmoid"}"""));
        e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(custom));
        Assert.Equal($"{custom}: config.json: layer 'encoder0' (LSTM) has recurrent_activation the function 'sigmoid' of module '__main__'; RnnGen reads Keras' built-in activations by name.", e.Message);

        // RTNeural's save_model copies get_config()'s activation, which Keras 3 may give as such an object.
        string text = File.ReadAllText(Path.Combine(Dir, "keras_lstm_dense.json"));
        string rtneural = Path.Combine(_dir, "softmax.json");
        File.WriteAllText(rtneural, text.Replace("\"activation\": \"\"", "\"activation\": " + Softmax, StringComparison.Ordinal));
        Assert.Equal(Activation.Softmax, KerasJsonImport.Read(rtneural).Spec!.Layers[^1].Activation);
        string rtLeaky = Path.Combine(_dir, "leaky.json");
        File.WriteAllText(rtLeaky, text.Replace("\"activation\": \"\"", "\"activation\": {\"module\": \"keras.layers\", \"class_name\": \"LeakyReLU\", \"config\": {}}", StringComparison.Ordinal));
        e = Assert.Throws<InvalidDataException>(() => KerasJsonImport.Read(rtLeaky));
        Assert.Equal($"{rtLeaky}: layers[1].activation is a LeakyReLU object; RnnGen reads Keras' built-in activations by name.", e.Message);
    }

    [Fact]
    public void A_global_heap_object_larger_than_the_file_is_refused_before_it_is_read()
    {
        byte[] h5 = File.ReadAllBytes(Path.Combine(Dir, "keras_lstm_dense.h5"));
        int gcol = IndexOf(h5, "GCOL"u8);
        Assert.True(gcol > 0, "the fixture's model_config is a variable-length string in a global heap");
        // The first object's size (after signature 4, version 1, reserved 3, collection size 8, index 2, count 2, reserved 4).
        BitConverter.GetBytes(0x7FFF_FFF0UL).CopyTo(h5, gcol + 24);
        string path = Path.Combine(_dir, "heap.h5");
        File.WriteAllBytes(path, h5);
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(path));
        Assert.Equal($"{path}: has a global heap object of {0x7FFF_FFF0} bytes at offset {gcol + 16}, more than the {KerasImport.MaxAttributeBytes} bytes an attribute may hold here.", e.Message);
    }

    [Fact]
    public void A_damaged_h5_says_it_is_not_a_readable_hdf5_file()
    {
        byte[] h5 = File.ReadAllBytes(Path.Combine(Dir, "keras_lstm_dense.h5"));
        string path = Path.Combine(_dir, "trunc.h5");
        File.WriteAllBytes(path, h5[..600]);
        var e = Assert.Throws<InvalidDataException>(() => KerasImport.Read(path));
        Assert.StartsWith($"{path}: not a readable HDF5 file (", e.Message);
    }

    [Fact]
    public void A_json_file_over_the_cap_is_refused_before_it_is_read()
    {
        string path = Path.Combine(_dir, "huge.json");
        using (FileStream s = File.Create(path)) s.SetLength(KerasJsonImport.MaxFileBytes + 1);   // sparse: no disk used
        var e = Assert.Throws<InvalidDataException>(() => KerasJsonImport.Read(path));
        Assert.Equal($"{path}: {KerasJsonImport.MaxFileBytes + 1:N0} bytes; a JSON model this importer reads is at most {KerasJsonImport.MaxFileBytes:N0} bytes.", e.Message);
    }

    [Fact]
    public void A_keras_architecture_without_weights_is_told_apart()
    {
        string path = Path.Combine(_dir, "arch.json");
        File.WriteAllText(path, """{"class_name": "Sequential", "config": {"name": "sequential", "layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 2}}]}, "keras_version": "3.6.0", "backend": "tensorflow"}""");
        var e = Assert.Throws<InvalidDataException>(() => KerasJsonImport.Read(path));
        Assert.Equal($"{path}: this is a Keras architecture without weights: save the model as .keras or .h5, or with RTNeural's save_model.", e.Message);
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    private static string ConfigText(string keras)
    {
        using ZipArchive zip = ZipFile.OpenRead(keras);
        using var r = new StreamReader(zip.GetEntry("config.json")!.Open());
        return r.ReadToEnd();
    }

    private static JsonNode Config(string keras) => JsonNode.Parse(ConfigText(keras))!;

    /// <summary>The Sequential config as a Keras 3 functional one: each layer's inbound node names the layer before
    /// it, or <paramref name="input"/>(name) when that gives one.</summary>
    private static JsonNode Functional3(JsonNode sequential, Func<string, string?> input)
    {
        JsonNode c = sequential.DeepClone();
        c["class_name"] = "Functional";
        string previous = "";
        foreach (JsonNode? l in c["config"]!["layers"]!.AsArray())
        {
            string name = (string)l!["config"]!["name"]!;
            l["name"] = name;
            l["inbound_nodes"] = previous.Length == 0 ? new JsonArray() : JsonNode.Parse($$$"""
                [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, null, 3], "dtype": "float32", "keras_history": ["{{{input(name) ?? previous}}}", 0, 0]}}], "kwargs": {"training": false, "mask": null}}]
                """);
            previous = name;
        }
        c["config"]!["input_layers"] = JsonNode.Parse("""[["input_layer", 0, 0]]""");
        c["config"]!["output_layers"] = JsonNode.Parse($"""[["{previous}", 0, 0]]""");
        return c;
    }

    private string WithConfig(string keras, string name, JsonNode config)
    {
        string path = Path.Combine(_dir, name);
        File.Copy(keras, path, overwrite: true);
        using ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Update);
        zip.GetEntry("config.json")!.Delete();
        using var w = new StreamWriter(zip.CreateEntry("config.json").Open());
        w.Write(config.ToJsonString());
        return path;
    }

    private static string Keras(string path, string config, H5File weights)
    {
        var h5 = new MemoryStream();
        weights.Write(h5);
        using (var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            using (Stream s = zip.CreateEntry("config.json").Open()) s.Write(Encoding.UTF8.GetBytes(config));
            using (Stream s = zip.CreateEntry("model.weights.h5").Open()) s.Write(h5.ToArray());
        }
        return path;
    }

    private static H5Group Vars(H5Dataset[] tensors)
    {
        var g = new H5Group();
        for (int i = 0; i < tensors.Length; i++) g[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = tensors[i];
        return g;
    }

    /// <summary>keras_lstm_dense's LSTM (kernel, recurrent_kernel, bias) and Dense (kernel, bias) tensors.</summary>
    private static (H5Dataset[] Lstm, H5Dataset[] Dense) LstmDenseWeights()
    {
        using JsonDocument d = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "keras_lstm_dense.json")));
        H5Dataset[] Layer(int i) => [.. d.RootElement.GetProperty("layers")[i].GetProperty("weights").EnumerateArray().Select(Tensor)];
        return (Layer(0), Layer(1));

        static H5Dataset Tensor(JsonElement e)
        {
            if (e[0].ValueKind == JsonValueKind.Number)
                return new H5Dataset(e.EnumerateArray().Select(v => v.GetSingle()).ToArray(), fileDims: [(ulong)e.GetArrayLength()]);
            float[] flat = [.. e.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle()))];
            return new H5Dataset(flat, fileDims: [(ulong)e.GetArrayLength(), (ulong)e[0].GetArrayLength()]);
        }
    }
}
