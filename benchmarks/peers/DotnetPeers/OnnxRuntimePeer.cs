using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace RnnGen.Peers;

/// <summary>
/// ONNX Runtime as a streaming step: a model built in memory (an LSTM/GRU/RNN node per layer with sequence length 1,
/// then MatMul + Add for the Dense head), the states as graph inputs (initial_h, initial_c) and outputs (Y_h, Y_c).
/// Every tensor is a preallocated OrtValue over a pinned array, bound once in two IO bindings that swap the state
/// buffers, so a step is: copy x in, one RunWithBinding, sum y.
/// </summary>
internal sealed class OnnxRuntimePeer : Stepper
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
    private readonly List<OrtValue> _values = [];
    private readonly float[] _x;
    private readonly float[] _y;
    private int _parity;

    public OnnxRuntimePeer(Shape shape, int batch)
        : base(shape, batch)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
        _session = new InferenceSession(BuildModel(shape, batch).ToByteArray(), options);

        _x = new float[batch * shape.Input];
        _y = new float[batch * shape.Output];
        OrtValue x = Value(_x, [1, batch, shape.Input]);
        OrtValue y = Value(_y, [1, batch, shape.Output]);
        var states = new List<(string In, string Out, OrtValue A, OrtValue B)>();
        for (int l = 0; l < shape.Hiddens.Length; l++)
        {
            int h = shape.Hiddens[l];
            states.Add(($"h{l}", $"h{l}_next", Value(new float[batch * h], [1, batch, h]), Value(new float[batch * h], [1, batch, h])));
            if (shape.HasCellState)
                states.Add(($"c{l}", $"c{l}_next", Value(new float[batch * h], [1, batch, h]), Value(new float[batch * h], [1, batch, h])));
        }
        for (int p = 0; p < 2; p++)
        {
            OrtIoBinding binding = _session.CreateIoBinding();
            binding.BindInput("x", x);
            binding.BindOutput("y", y);
            foreach ((string inName, string outName, OrtValue a, OrtValue b) in states)
            {
                binding.BindInput(inName, p == 0 ? a : b);
                binding.BindOutput(outName, p == 0 ? b : a);
            }
            _bindings[p] = binding;
        }
    }

    public override ReadOnlySpan<float> Outputs => _y;

    public override float Step(ReadOnlySpan<float> inputs)
    {
        inputs.CopyTo(_x);
        _session.RunWithBinding(_runOptions, _bindings[_parity]);
        _parity ^= 1;
        float sum = 0;
        foreach (float v in _y)
            sum += v;
        return sum;
    }

    public override void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
            binding.Dispose();
        foreach (OrtValue value in _values)
            value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    /// <summary>The ONNX model of a shape for a batch of streams and sequence length 1.</summary>
    public static ModelProto BuildModel(Shape shape, int batch)
    {
        (RecurrentWeights[] layers, float[] denseWeight, float[] denseBias) = shape.Weights();
        var graph = new GraphProto { Name = $"{shape.Name}_{shape.Input}_{shape.Hidden}" };
        graph.Input.Add(Info("x", 1, batch, shape.Input));
        string x = "x";
        for (int l = 0; l < layers.Length; l++)
        {
            RecurrentWeights w = layers[l];
            int h = w.Hidden;
            int[] order = shape.Cell switch
            {
                "lstm" => [0, 3, 1, 2], // ONNX i,o,f,c from PyTorch i,f,g,o
                "gru" => [1, 0, 2],     // ONNX z,r,h from PyTorch r,z,n
                _ => [0],
            };
            graph.Initializer.Add(Tensor($"W{l}", Permute(w.WeightIh, order, h * w.Input), 1, shape.Gates * h, w.Input));
            graph.Initializer.Add(Tensor($"R{l}", Permute(w.WeightHh, order, h * h), 1, shape.Gates * h, h));
            float[] bias = [.. Permute(w.BiasIh, order, h), .. Permute(w.BiasHh, order, h)];
            graph.Initializer.Add(Tensor($"B{l}", bias, 1, 2 * shape.Gates * h));
            graph.Input.Add(Info($"h{l}", 1, batch, h));
            graph.Output.Add(Info($"h{l}_next", 1, batch, h));

            var node = new NodeProto { Name = $"layer{l}", OpType = shape.Cell switch { "lstm" => "LSTM", "gru" => "GRU", _ => "RNN" } };
            node.Input.Add([x, $"W{l}", $"R{l}", $"B{l}", "", $"h{l}"]);
            node.Output.Add(["", $"h{l}_next"]);
            if (shape.HasCellState)
            {
                node.Input.Add($"c{l}");
                node.Output.Add($"c{l}_next");
                graph.Input.Add(Info($"c{l}", 1, batch, h));
                graph.Output.Add(Info($"c{l}_next", 1, batch, h));
            }
            node.Attribute.Add(new AttributeProto { Name = "hidden_size", Type = AttributeProto.Types.AttributeType.Int, I = h });
            if (shape.Cell == "gru")
                node.Attribute.Add(new AttributeProto { Name = "linear_before_reset", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(node);
            // With sequence length 1, Y_h [1, batch, h] is also the next layer's X [seq = 1, batch, h].
            x = $"h{l}_next";
        }

        var transposed = new float[shape.Hidden * shape.Output];
        for (int o = 0; o < shape.Output; o++)
        {
            for (int j = 0; j < shape.Hidden; j++)
                transposed[(j * shape.Output) + o] = denseWeight[(o * shape.Hidden) + j];
        }
        graph.Initializer.Add(Tensor("Wd", transposed, shape.Hidden, shape.Output));
        graph.Initializer.Add(Tensor("Bd", denseBias, shape.Output));
        var matMul = new NodeProto { Name = "dense_matmul", OpType = "MatMul" };
        matMul.Input.Add([x, "Wd"]);
        matMul.Output.Add("dense_mm");
        var add = new NodeProto { Name = "dense_add", OpType = "Add" };
        add.Input.Add(["dense_mm", "Bd"]);
        add.Output.Add("y");
        graph.Node.Add(matMul);
        graph.Node.Add(add);
        graph.Output.Add(Info("y", 1, batch, shape.Output));

        var model = new ModelProto { IrVersion = 8, ProducerName = "RnnGen.Peers", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private OrtValue Value(float[] data, long[] shape)
    {
        OrtValue value = OrtValue.CreateTensorValueFromMemory(data, shape);
        _values.Add(value);
        return value;
    }

    private static float[] Permute(float[] blocks, int[] order, int blockLength)
    {
        var result = new float[blocks.Length];
        for (int g = 0; g < order.Length; g++)
            Array.Copy(blocks, order[g] * blockLength, result, g * blockLength, blockLength);
        return result;
    }

    private static TensorProto Tensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        return tensor;
    }

    private static ValueInfoProto Info(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
