namespace RnnGen.Tests.Spec;

public sealed class NetworkSpecTests
{
    private static NetworkSpec Valid() => new(4, [LayerSpec.Lstm(32), LayerSpec.Gru(16, bidirectional: true), LayerSpec.Dense(4, Activation.Tanh)], 64);

    [Fact]
    public void Derived_sizes_follow_the_layers()
    {
        NetworkSpec spec = Valid();
        Assert.Equal(4, spec.OutputSize);
        Assert.Equal(2 * 32 + 2 * 16, spec.StateSize);
        int expected = 4 * 32 * (4 + 32 + 2) + 2 * 3 * 16 * (32 + 16 + 2) + (4 * 32 + 4);
        Assert.Equal(expected, spec.ParameterCount);
        Assert.False(spec.UsesTokens);
    }

    [Fact]
    public void Json_round_trips_to_an_equal_spec()
    {
        NetworkSpec[] specs =
        [
            Valid(),
            new(0, [LayerSpec.Embedding(65, 32), LayerSpec.Lstm(128), LayerSpec.Dense(65, Activation.Softmax)], 64, loss: LossKind.CrossEntropy),
            new(3, [LayerSpec.Rnn(5, Activation.Relu, true), LayerSpec.Dense(1, Activation.Sigmoid)], 9, OutputMode.LastStep, LossKind.BinaryCrossEntropy, Reduction.Sum),
        ];
        foreach (NetworkSpec spec in specs)
        {
            string json = spec.ToJson();
            NetworkSpec back = NetworkSpec.FromJson(json);
            Assert.Equal(spec, back);
            Assert.Equal(spec.GetHashCode(), back.GetHashCode());
            Assert.Equal(json, back.ToJson());
        }
        Assert.Contains("\"kind\":\"Lstm\"", specs[0].ToJson());
    }

    [Fact]
    public void Dropout_is_in_the_json_only_when_set()
    {
        NetworkSpec plain = Valid();
        Assert.DoesNotContain("ropout", plain.ToJson());
        var dropout = new NetworkSpec(4, [LayerSpec.Lstm(32) with { Dropout = 0.25f, RecurrentDropout = 0.5f }, LayerSpec.Dense(4)], 64);
        string json = dropout.ToJson();
        Assert.Contains("\"dropout\":0.25", json);
        Assert.Contains("\"recurrentDropout\":0.5", json);
        NetworkSpec back = NetworkSpec.FromJson(json);
        Assert.Equal(dropout, back);
        Assert.NotEqual(plain, new NetworkSpec(4, [LayerSpec.Lstm(32) with { Dropout = 0.25f }, LayerSpec.Gru(16, bidirectional: true), LayerSpec.Dense(4, Activation.Tanh)], 64));
    }

    public static TheoryData<string, Func<NetworkSpec>, string> Invalid() => new()
    {
        { "InputSize", () => new NetworkSpec(0, [LayerSpec.Lstm(3)], 5), "InputSize = 0 is outside the allowed range 1..8192" },
        { "MaxSteps", () => new NetworkSpec(3, [LayerSpec.Lstm(3)], 0), "MaxSteps = 0 is outside the allowed range 1..1048576" },
        { "Layers.Count", () => new NetworkSpec(3, [], 5), "Layers.Count = 0 is outside the allowed range 1..16" },
        { "Layers[0].Size", () => new NetworkSpec(3, [LayerSpec.Lstm(0)], 5), "Layers[0].Size = 0 is outside the allowed range 1..8192" },
        { "Layers[1].Size", () => new NetworkSpec(3, [LayerSpec.Lstm(3), LayerSpec.Dense(9000)], 5), "Layers[1].Size = 9000 is outside the allowed range 1..8192" },
        { "Layers[1].Activation", () => new NetworkSpec(3, [LayerSpec.Dense(3, Activation.Softmax), LayerSpec.Lstm(3)], 5), "Layers[0].Activation = Softmax, but Softmax is only allowed on the final layer" },
        { "Layers[0].Activation", () => new NetworkSpec(3, [LayerSpec.Rnn(3, Activation.Sigmoid)], 5), "Layers[0].Activation = Sigmoid, but a Rnn layer allows Tanh or Relu" },
        { "Layers[1].Kind", () => new NetworkSpec(3, [LayerSpec.Lstm(3), LayerSpec.Embedding(5, 2)], 5), "Layers[1] is an Embedding, but an Embedding must be the first layer" },
        { "Layers[0].Vocabulary", () => new NetworkSpec(0, [LayerSpec.Embedding(0, 2)], 5), "Layers[0].Vocabulary = 0 is outside the allowed range" },
        { "InputSize tokens", () => new NetworkSpec(3, [LayerSpec.Embedding(5, 2), LayerSpec.Lstm(3)], 5), "InputSize = 3, but the first layer is an Embedding" },
        { "Bidirectional", () => new NetworkSpec(3, [LayerSpec.Dense(3) with { Bidirectional = true }], 5), "Layers[0].Bidirectional = true, but a Dense layer has no direction" },
        { "Loss CE", () => new NetworkSpec(3, [LayerSpec.Lstm(3)], 5, loss: LossKind.CrossEntropy), "Loss = CrossEntropy needs a final Dense layer" },
        { "Loss CE tanh", () => new NetworkSpec(3, [LayerSpec.Dense(3, Activation.Tanh)], 5, loss: LossKind.CrossEntropy), "final layer is Dense(3, Tanh)" },
        { "Loss BCE", () => new NetworkSpec(3, [LayerSpec.Dense(3, Activation.Softmax)], 5, loss: LossKind.BinaryCrossEntropy), "Loss = BinaryCrossEntropy needs a final Dense layer" },
        { "Loss enum", () => new NetworkSpec(3, [LayerSpec.Lstm(3)], 5, loss: (LossKind)42), "Loss = 42 is not a defined LossKind" },
        { "Output enum", () => new NetworkSpec(3, [LayerSpec.Lstm(3)], 5, output: (OutputMode)7), "Output = 7 is not a defined OutputMode" },
        { "Kind enum", () => new NetworkSpec(3, [LayerSpec.Lstm(3) with { Kind = (LayerKind)9 }], 5), "Layers[0].Kind = 9 is not a defined LayerKind" },
        { "Vocabulary on Lstm", () => new NetworkSpec(3, [LayerSpec.Lstm(3) with { Vocabulary = 4 }], 5), "Layers[0].Vocabulary = 4, but only an Embedding layer has a vocabulary" },
        { "Dropout", () => new NetworkSpec(3, [LayerSpec.Lstm(3) with { Dropout = 1f }, LayerSpec.Dense(1)], 5), "Layers[0].Dropout = 1, but a dropout probability must be in [0, 1)" },
        { "Dropout NaN", () => new NetworkSpec(3, [LayerSpec.Dense(3) with { Dropout = float.NaN }, LayerSpec.Dense(1)], 5), "Layers[0].Dropout = NaN, but a dropout probability must be in [0, 1)" },
        { "RecurrentDropout", () => new NetworkSpec(3, [LayerSpec.Gru(3) with { RecurrentDropout = -0.5f }], 5), "Layers[0].RecurrentDropout = -0.5, but a dropout probability must be in [0, 1)" },
        { "RecurrentDropout on Dense", () => new NetworkSpec(3, [LayerSpec.Dense(3) with { RecurrentDropout = 0.5f }, LayerSpec.Dense(1)], 5), "only Rnn, Lstm and Gru layers have recurrent dropout" },
        { "Dropout on the final layer", () => new NetworkSpec(3, [LayerSpec.Lstm(3), LayerSpec.Dense(1) with { Dropout = 0.5f }], 5), "Layers[1] is the final layer" },
        { "ParameterCount", () => new NetworkSpec(8192, [LayerSpec.Lstm(8192), LayerSpec.Lstm(8192), LayerSpec.Lstm(8192), LayerSpec.Lstm(8192)], 5), "ParameterCount = " },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void Invalid_specs_throw_naming_field_value_and_range(string label, Func<NetworkSpec> create, string message)
    {
        _ = label;
        var e = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Contains(message, e.Message);
        Assert.False(string.IsNullOrEmpty(e.ParamName));
    }

    [Theory]
    [InlineData("{", "not a valid network spec")]
    [InlineData("null", "'null'")]
    [InlineData("{\"inputSize\":3,\"layers\":[{\"kind\":\"Lstm\",\"size\":-2}],\"maxSteps\":4}", "Layers[0].Size = -2")]
    [InlineData("{\"inputSize\":3,\"layers\":[{\"kind\":\"Tree\",\"size\":2}],\"maxSteps\":4}", "not a valid network spec")]
    public void Bad_json_gives_an_argument_exception(string json, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => NetworkSpec.FromJson(json));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Parameter_layout_uses_pytorch_names_in_state_dict_order()
    {
        var spec = new NetworkSpec(0, [LayerSpec.Embedding(10, 3), LayerSpec.Gru(5, true), LayerSpec.Dense(2)], 4);
        string[] names = spec.ParameterLayout.Select(t => $"{t.Name}{t.ShapeText}@{t.Offset}").ToArray();
        Assert.Equal(
        [
            "layers.0.weight[10, 3]@0",
            "layers.1.weight_ih_l0[15, 3]@30", "layers.1.weight_hh_l0[15, 5]@75", "layers.1.bias_ih_l0[15]@150", "layers.1.bias_hh_l0[15]@165",
            "layers.1.weight_ih_l0_reverse[15, 3]@180", "layers.1.weight_hh_l0_reverse[15, 5]@225", "layers.1.bias_ih_l0_reverse[15]@300", "layers.1.bias_hh_l0_reverse[15]@315",
            "layers.2.weight[2, 10]@330", "layers.2.bias[2]@350",
        ], names);
        Assert.Equal(352, spec.ParameterCount);
        Assert.Throws<KeyNotFoundException>(() => spec.ParameterLayout["layers.9.weight"]);
    }

    [Fact]
    public void Initialization_is_deterministic_and_pytorch_shaped()
    {
        var spec = new NetworkSpec(7, [LayerSpec.Lstm(16), LayerSpec.Dense(100)], 4);
        var a = new float[spec.ParameterCount];
        var b = new float[spec.ParameterCount];
        ParameterInitializer.Initialize(spec, a, 3);
        ParameterInitializer.Initialize(spec, b, 3);
        Assert.Equal(a, b);
        ParameterInitializer.Initialize(spec, b, 4);
        Assert.NotEqual(a, b);
        ParameterTensor whh = spec.ParameterLayout["layers.0.weight_hh_l0"];
        float[] lstm = a.AsSpan(whh.Offset, whh.Length).ToArray();
        Assert.All(lstm, v => Assert.InRange(v, -0.25f, 0.25f));      // U(±1/√16)
        Assert.True(lstm.Max() > 0.2f && lstm.Min() < -0.2f);
        ParameterTensor dense = spec.ParameterLayout["layers.1.weight"];
        float bound = 1f / MathF.Sqrt(16);
        Assert.All(a.AsSpan(dense.Offset, dense.Length).ToArray(), v => Assert.InRange(v, -bound, bound));
    }
}
