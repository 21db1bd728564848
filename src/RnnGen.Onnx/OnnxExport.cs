using Google.Protobuf;
using Onnx;
using RnnGen.Onnx;
using RnnGen.Safetensors;

namespace RnnGen;

/// <summary>
/// Saves any RnnGen model (the reference runtime or a generated class) as an ONNX graph, opset 14.
/// </summary>
/// <remarks>
/// <para>The graph's input is <c>input</c>, float [steps, 1, InputSize] (<c>steps</c> is a dynamic dimension), or
/// <c>tokens</c>, int64 [steps, 1], when the first layer is an Embedding. Its output is <c>output</c>, float
/// [steps, 1, OutputSize], or [1, OutputSize] for a model with <see cref="OutputMode.LastStep"/>.</para>
/// <para>Each recurrent layer is one LSTM, GRU or RNN node (gates in ONNX's order, bidirectional, peepholes, learned
/// initial states as initializers) followed by Transpose and Reshape to [steps, 1, directions·hidden]; a Dense layer
/// is MatMul + Add and its activation (Softmax over the last axis); an Embedding is a Gather of its table.</para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The opset the graph is written for.</summary>
    public const int Opset = 14;

    /// <summary>Writes <paramref name="model"/>'s network and current parameters to <paramref name="path"/> as ONNX
    /// (to a temporary file, then renamed).</summary>
    /// <exception cref="NotSupportedException">A layer ONNX's operators cannot express (a leaky, skip, clockwork or
    /// learned-leak Elman layer, a leaky reservoir, an LSTM projection); the message names the layer.</exception>
    public static void SaveOnnx(this IRecurrentNetwork model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        ModelProto proto = Build(model.Spec, model.Parameters);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>The ONNX model of <paramref name="spec"/> with <paramref name="parameters"/> (layout: spec.ParameterLayout).</summary>
    internal static ModelProto Build(NetworkSpec spec, ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != spec.ParameterCount)
            throw new ArgumentException($"Expected {spec.ParameterCount} parameters for {spec}, got {parameters.Length}.", nameof(parameters));
        for (int i = 0; i < spec.Layers.Count; i++) CheckExpressible(spec.Layers[i], i);

        var graph = new GraphProto { Name = "rnngen" };
        var writer = new Writer(graph, spec, parameters.ToArray());
        string current;
        if (spec.UsesTokens)
        {
            graph.Input.Add(ValueInfo("tokens", TensorProto.Types.DataType.Int64, [Dim("steps"), Dim(1)]));
            current = "tokens";
        }
        else
        {
            graph.Input.Add(ValueInfo("input", TensorProto.Types.DataType.Float, [Dim("steps"), Dim(1), Dim(spec.InputSize)]));
            current = "input";
        }
        for (int i = 0; i < spec.Layers.Count; i++) current = writer.Layer(i, current);
        if (spec.Output == OutputMode.LastStep)
        {
            string last = writer.Int64Scalar("last_step", -1);
            graph.Node.Add(Node("Gather", "last_step_gather", [current, last], ["output"], Attr("axis", 0)));
            graph.Output.Add(ValueInfo("output", TensorProto.Types.DataType.Float, [Dim(1), Dim(spec.OutputSize)]));
        }
        else
        {
            graph.Node.Add(Node("Identity", "output_identity", [current], ["output"]));
            graph.Output.Add(ValueInfo("output", TensorProto.Types.DataType.Float, [Dim("steps"), Dim(1), Dim(spec.OutputSize)]));
        }
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "RnnGen",
            ProducerVersion = typeof(NetworkSpec).Assembly.GetName().Version?.ToString() ?? "",
            DocString = spec.ToString(),
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    private static void CheckExpressible(LayerSpec l, int index)
    {
        string what = $"Layers[{index}] ({l.Kind}({l.Size}))";
        if (l.Kind == LayerKind.Rnn)
        {
            if (l.Leak != 0f || l.LearnLeak) throw new NotSupportedException($"{what} is a leaky Elman layer; ONNX's RNN operator has no leak.");
            if (l.SkipDelay != 0) throw new NotSupportedException($"{what} has a skip connection through time; ONNX's RNN operator has none.");
            if (l.ClockPeriods is not null) throw new NotSupportedException($"{what} is a clockwork layer; ONNX's RNN operator has no clocked groups.");
        }
        if (l.Kind == LayerKind.Lstm && l.ProjectionSize != 0)
            throw new NotSupportedException($"{what} has a projection (ProjectionSize = {l.ProjectionSize}); ONNX's LSTM operator has none.");
    }

    private sealed class Writer(GraphProto graph, NetworkSpec spec, float[] parameters)
    {
        private string? _reshape;

        private float[] Tensor(string name, out ParameterTensor t)
        {
            t = spec.ParameterLayout[name];
            return parameters.AsSpan(t.Offset, t.Length).ToArray();
        }

        private string Initializer(string name, long[] dims, float[] values)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
            t.Dims.AddRange(dims);
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
            t.RawData = ByteString.CopyFrom(bytes);
            graph.Initializer.Add(t);
            return name;
        }

        public string Int64Scalar(string name, long value)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Int64Data.Add(value);
            graph.Initializer.Add(t);
            return name;
        }

        private string ReshapeShape()
        {
            if (_reshape is not null) return _reshape;
            var t = new TensorProto { Name = "shape_steps_batch_features", DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(3);
            t.Int64Data.AddRange([0, 0, -1]);
            graph.Initializer.Add(t);
            return _reshape = t.Name;
        }

        public string Layer(int i, string input)
        {
            LayerSpec l = spec.Layers[i];
            string p = $"layers.{i}.";
            switch (l.Kind)
            {
                case LayerKind.Embedding:
                {
                    string table = Initializer(p + "weight", [l.Vocabulary, l.Size], Tensor(p + "weight", out _));
                    string output = $"layers.{i}.output";
                    graph.Node.Add(Node("Gather", $"layers.{i}.embedding", [table, input], [output], Attr("axis", 0)));
                    return output;
                }
                case LayerKind.Dense:
                {
                    int inputs = spec.LayerInputWidth(i);
                    float[] w = ImportedWeights.Transpose(Tensor(p + "weight", out _), l.Size, inputs);
                    string weight = Initializer(p + "weight_transposed", [inputs, l.Size], w);
                    string bias = Initializer(p + "bias", [l.Size], Tensor(p + "bias", out _));
                    string product = $"layers.{i}.matmul";
                    graph.Node.Add(Node("MatMul", $"layers.{i}.matmul", [input, weight], [product]));
                    string sum = $"layers.{i}.add";
                    graph.Node.Add(Node("Add", $"layers.{i}.add", [product, bias], [sum]));
                    if (l.Activation == Activation.Identity) return sum;
                    string op = l.Activation switch
                    {
                        Activation.Tanh => "Tanh",
                        Activation.Sigmoid => "Sigmoid",
                        Activation.Relu => "Relu",
                        Activation.Softmax => "Softmax",
                        _ => throw new NotSupportedException($"Layers[{i}]: activation {l.Activation}."),
                    };
                    string output = $"layers.{i}.output";
                    graph.Node.Add(l.Activation == Activation.Softmax
                        ? Node(op, $"layers.{i}.softmax", [sum], [output], Attr("axis", -1))
                        : Node(op, $"layers.{i}.{op.ToLowerInvariant()}", [sum], [output]));
                    return output;
                }
                default:
                    return Recurrent(i, l, input);
            }
        }

        private string Recurrent(int i, LayerSpec l, string input)
        {
            string p = $"layers.{i}.";
            int h = l.Size, d = l.Directions, g = l.GateCount, inputs = spec.LayerInputWidth(i);
            int[] order = l.Kind switch { LayerKind.Lstm => [0, 3, 1, 2], LayerKind.Gru => [1, 0, 2], _ => [0] };
            var w = new List<float>();
            var r = new List<float>();
            var b = new List<float>();
            var peep = new List<float>();
            var h0 = new List<float>();
            var c0 = new List<float>();
            for (int k = 0; k < d; k++)
            {
                string s = k == 0 ? "" : "_reverse";
                w.AddRange(ImportedWeights.ReorderBlocks(Tensor(p + "weight_ih_l0" + s, out _), h * inputs, order));
                r.AddRange(ImportedWeights.ReorderBlocks(Tensor(p + "weight_hh_l0" + s, out _), h * h, order));
                b.AddRange(ImportedWeights.ReorderBlocks(Tensor(p + "bias_ih_l0" + s, out _), h, order));
                b.AddRange(ImportedWeights.ReorderBlocks(Tensor(p + "bias_hh_l0" + s, out _), h, order));
                if (l.Peepholes) peep.AddRange(Tensor(p + "weight_peephole_l0" + s, out _));
                if (l.LearnInitialState)
                {
                    h0.AddRange(Tensor(p + "initial_h_l0" + s, out _));
                    if (l.Kind == LayerKind.Lstm) c0.AddRange(Tensor(p + "initial_c_l0" + s, out _));
                }
            }
            string[] nodeInputs =
            [
                input,
                Initializer(p + "W", [d, g * h, inputs], [.. w]),
                Initializer(p + "R", [d, g * h, h], [.. r]),
                Initializer(p + "B", [d, 2 * g * h], [.. b]),
                "",
                l.LearnInitialState ? Initializer(p + "initial_h", [d, 1, h], [.. h0]) : "",
                l.LearnInitialState && l.Kind == LayerKind.Lstm ? Initializer(p + "initial_c", [d, 1, h], [.. c0]) : "",
                l.Peepholes ? Initializer(p + "P", [d, 3 * h], [.. peep]) : "",
            ];
            int used = nodeInputs.Length;
            while (nodeInputs[used - 1].Length == 0) used--;
            var attributes = new List<AttributeProto> { Attr("hidden_size", h) };
            if (d == 2) attributes.Add(Attr("direction", "bidirectional"));
            if (l.Kind == LayerKind.Gru) attributes.Add(Attr("linear_before_reset", LinearBeforeReset(l)));
            if (l.Kind == LayerKind.Rnn)
            {
                var acts = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
                for (int k = 0; k < d; k++) acts.Strings.Add(ByteString.CopyFromUtf8(l.Activation == Activation.Relu ? "Relu" : "Tanh"));
                attributes.Add(acts);
            }
            string op = l.Kind switch { LayerKind.Lstm => "LSTM", LayerKind.Gru => "GRU", _ => "RNN" };
            string y = $"layers.{i}.Y";
            graph.Node.Add(Node(op, $"layers.{i}.{op.ToLowerInvariant()}", nodeInputs[..used], [y], [.. attributes]));
            string transposed = $"layers.{i}.Y_transposed";
            graph.Node.Add(Node("Transpose", $"layers.{i}.transpose", [y], [transposed], Attr("perm", [0, 2, 1, 3])));
            string output = $"layers.{i}.output";
            graph.Node.Add(Node("Reshape", $"layers.{i}.reshape", [transposed, ReshapeShape()], [output]));
            return output;
        }
    }

    /// <summary>1 for RnnGen's default GRU (PyTorch's: the reset gate multiplies W_hn·h + b_hn); 0 for
    /// <see cref="LayerSpec.ResetAfter"/> = false (the reset gate multiplies h before the product, ONNX's default).</summary>
    private static long LinearBeforeReset(LayerSpec l) => l.ResetAfter ? 1 : 0;

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Dim(string param) => new() { DimParam = param };

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
