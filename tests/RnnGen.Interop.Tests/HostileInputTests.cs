using Google.Protobuf;
using Onnx;
using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

/// <summary>Mutated, truncated and hand-broken ONNX files: always an InvalidDataException that starts with the path.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-onnx-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Sources =
    [
        "lstm_stack", "gru_bidirectional_softmax", "lstm_gemm_sigmoid", "lstm_initial_state", "embedding_lstm_softmax", "lstm_peepholes",
        "lstm_stack_final_hidden", "gru_batch_first", "lstm_reverse", "lstm_bidirectional_stack",
    ];

    [Fact]
    public void MutatedAndTruncatedFilesFailWithTheirPath()
    {
        var random = new Random(20261203);
        int failed = 0, read = 0;
        string path = Path.Combine(_dir, "mutant.onnx");
        for (int c = 0; c < 3000; c++)
        {
            byte[] bytes = File.ReadAllBytes(Fixture.Load(Sources[c % Sources.Length]).OnnxPath);
            byte[] mutant = (c % 4) switch
            {
                0 => bytes[..random.Next(bytes.Length)],                                   // truncated
                1 => Flip(bytes, random, 1 + random.Next(4)),                              // a few bytes changed
                2 => Flip(bytes, random, 1 + random.Next(64)),                             // many
                _ => Splice(bytes, random),                                                // bytes inserted or removed
            };
            string kind = (c % 4) switch { 0 => "truncated", 1 => "a few bytes changed", 2 => "many bytes changed", _ => "bytes inserted or removed" };
            if (HostileInput.AssertLoadsOrFailsNamingFile(path, mutant, p => OnnxImport.Read(p), $"seed 20261203, case {c} ({Sources[c % Sources.Length]}, {kind})")) read++;
            else failed++;
        }
        Assert.True(failed > 2000, $"{failed} refused, {read} read");
    }

    /// <summary>Valid protobuf with wrong contents: dims, attributes, inputs and operators changed at random, so the
    /// graph reader (not the protobuf parser) meets them.</summary>
    [Fact]
    public void StructurallyMutatedGraphsFailWithTheirPath()
    {
        var random = new Random(7);
        string[] ops = ["LSTM", "GRU", "RNN", "Gather", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Concat", "MatMul", "Gemm", "Add", "Softmax", "Shape", "Expand", "ConstantOfShape", "Cast", "Mul", "Div"];
        int failed = 0, read = 0;
        string path = Path.Combine(_dir, "structural.onnx");
        for (int c = 0; c < 2000; c++)
        {
            ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Fixture.Load(Sources[c % Sources.Length]).OnnxPath));
            GraphProto g = model.Graph;
            for (int k = 1 + random.Next(3); k > 0; k--)
            {
                switch (random.Next(6))
                {
                    case 0 when g.Initializer.Count > 0:
                    {
                        TensorProto t = g.Initializer[random.Next(g.Initializer.Count)];
                        if (t.Dims.Count > 0) t.Dims[random.Next(t.Dims.Count)] = random.Next(4) switch { 0 => 0, 1 => -1, 2 => long.MaxValue, _ => random.Next(1, 50) };
                        else t.Dims.Add(random.Next(0, 9));
                        break;
                    }
                    case 1:
                    {
                        NodeProto n = g.Node[random.Next(g.Node.Count)];
                        if (n.Attribute.Count > 0)
                        {
                            AttributeProto a = n.Attribute[random.Next(n.Attribute.Count)];
                            a.I = random.Next(3) switch { 0 => -1, 1 => long.MinValue, _ => random.Next(-3, 40) };
                            if (a.Ints.Count > 0) a.Ints[random.Next(a.Ints.Count)] = random.Next(-5, 5);
                        }
                        break;
                    }
                    case 2:
                    {
                        NodeProto n = g.Node[random.Next(g.Node.Count)];
                        if (n.Input.Count > 0)
                        {
                            NodeProto other = g.Node[random.Next(g.Node.Count)];
                            n.Input[random.Next(n.Input.Count)] = other.Output.Count > 0 ? other.Output[random.Next(other.Output.Count)] : "";
                        }
                        break;
                    }
                    case 3:
                        g.Node[random.Next(g.Node.Count)].OpType = ops[random.Next(ops.Length)];
                        break;
                    case 4:
                    {
                        int at = random.Next(g.Node.Count);
                        NodeProto n = g.Node[at];
                        g.Node.RemoveAt(at);
                        g.Node.Insert(random.Next(g.Node.Count + 1), n);
                        break;
                    }
                    default:
                        if (g.Input.Count > 0 && g.Input[0].Type?.TensorType?.Shape is { } shape && shape.Dim.Count > 0)
                            shape.Dim[random.Next(shape.Dim.Count)].DimValue = random.Next(-2, 3);
                        break;
                }
            }
            if (HostileInput.AssertLoadsOrFailsNamingFile(path, model.ToByteArray(), p => OnnxImport.Read(p), $"seed 7, case {c} ({Sources[c % Sources.Length]}, structural edits)")) read++;
            else failed++;
        }
        Assert.True(failed > 1000 && read > 50, $"{failed} refused, {read} read");
    }

    private static byte[] Flip(byte[] bytes, Random random, int count)
    {
        byte[] copy = [.. bytes];
        for (int i = 0; i < count; i++)
        {
            int at = random.Next(copy.Length);
            copy[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)(copy[at] ^ (1 << random.Next(8))), _ => 0xFF };
        }
        return copy;
    }

    private static byte[] Splice(byte[] bytes, Random random)
    {
        int at = random.Next(bytes.Length);
        var list = bytes.ToList();
        if (random.Next(2) == 0) list.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Length - at));
        else list.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
        return [.. list];
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x08 })]
    [InlineData(new byte[] { 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A })]
    public void GarbageFailsWithThePath(byte[] bytes)
    {
        string path = Path.Combine(_dir, "garbage.onnx");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Read(path));
        Assert.StartsWith(path, e.Message);
    }

    /// <summary>A small exported model, changed by <paramref name="edit"/>, then read: the error names what it says.</summary>
    private string Refusal(NetworkSpec spec, Action<GraphProto> edit)
    {
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(3);
        ModelProto model = OnnxExport.Build(spec, net.Parameters);
        edit(model.Graph);
        string path = Path.Combine(_dir, "edited.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Read(path));
        Assert.StartsWith(path, e.Message);
        return e.Message;
    }

    private static readonly NetworkSpec Lstm = new(3, [LayerSpec.Lstm(4), LayerSpec.Dense(2, Activation.Tanh)], 8);

    private static NodeProto NodeOf(GraphProto g, string op) => g.Node.First(n => n.OpType == op);

    [Fact]
    public void UnsupportedAttributesAreNamedWithTheirNode()
    {
        string clip = Refusal(Lstm, g => NodeOf(g, "LSTM").Attribute.Add(new AttributeProto { Name = "clip", Type = AttributeProto.Types.AttributeType.Float, F = 3 }));
        Assert.Contains("'clip'", clip);
        Assert.Contains("layers.0.lstm", clip);
        string forget = Refusal(Lstm, g => NodeOf(g, "LSTM").Attribute.Add(new AttributeProto { Name = "input_forget", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        Assert.Contains("'input_forget'", forget);
        string acts = Refusal(Lstm, g =>
        {
            var a = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
            a.Strings.AddRange(new[] { "Sigmoid", "Relu", "Tanh" }.Select(ByteString.CopyFromUtf8));
            NodeOf(g, "LSTM").Attribute.Add(a);
        });
        Assert.Contains("'activations'", acts);
        Assert.Contains("Relu", acts);
        string layout = Refusal(Lstm, g => NodeOf(g, "LSTM").Attribute.Add(new AttributeProto { Name = "layout", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        Assert.Contains("'layout'", layout);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedNamingTheInitializerAndIndex()
    {
        foreach ((float bad, string text) in new[] { (float.NaN, "NaN"), (float.PositiveInfinity, "+Infinity"), (float.NegativeInfinity, "-Infinity") })
        {
            string message = Refusal(Lstm, g =>
            {
                TensorProto w = g.Initializer.First(t => t.Name == "layers.0.W");
                byte[] raw = w.RawData.ToByteArray();
                BitConverter.TryWriteBytes(raw.AsSpan(5 * 4, 4), bad);
                w.RawData = ByteString.CopyFrom(raw);
            });
            Assert.Contains("initializer 'layers.0.W'", message);
            Assert.Contains($"holds {text} at index 5", message);
        }
        // float_data rather than raw_data, in a Dense bias.
        string bias = Refusal(Lstm, g =>
        {
            TensorProto b = g.Initializer.First(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 1);
            float[] values = [.. MemoryMarshalFloats(b)];
            values[^1] = float.NaN;
            b.RawData = ByteString.Empty;
            b.FloatData.Clear();
            b.FloatData.AddRange(values);
        });
        Assert.Contains("holds NaN at index", bias);
        Assert.Contains("initializer '", bias);
    }

    private static float[] MemoryMarshalFloats(TensorProto t) =>
        t.RawData.IsEmpty ? [.. t.FloatData] : [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span)];

    /// <summary>A batch-first export with a dynamic batch and length whose input does not go straight into torch's
    /// Transpose cannot be read; the error says so without naming the axes it guessed, and how to export it.</summary>
    [Fact]
    public void ABatchFirstInputWithTwoDynamicDimsThatCannotBeReadSaysHowToExportIt()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Fixture.Load("lstm_batch_first_dynamic").OnnxPath));
        GraphProto g = model.Graph;
        // A MatMul by the identity between the input and the Transpose: the same model, but the input is not swapped first.
        var identity = new TensorProto { Name = "eye", DataType = (int)TensorProto.Types.DataType.Float };
        identity.Dims.AddRange([3, 3]);
        identity.FloatData.AddRange([1, 0, 0, 0, 1, 0, 0, 0, 1]);
        g.Initializer.Add(identity);
        NodeProto transpose = g.Node.First(n => n.OpType == "Transpose" && n.Input[0] == "input");
        var matmul = new NodeProto { OpType = "MatMul", Name = "pre" };
        matmul.Input.AddRange(["input", "eye"]);
        matmul.Output.Add("pre_out");
        g.Node.Insert(g.Node.IndexOf(transpose), matmul);
        transpose.Input[0] = "pre_out";
        string path = Path.Combine(_dir, "batch_first_unreadable.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains("the model is batch-first", e.Message);
        Assert.Contains("input 'input' is ['batch', 'seq', 3]", e.Message);
        Assert.Contains("export it with a fixed batch of 1", e.Message);
        Assert.DoesNotContain("[Batch 1, Time", e.Message);
    }

    [Fact]
    public void UnknownOperatorsAreNamedWithTheirNode()
    {
        string message = Refusal(Lstm, g => NodeOf(g, "Tanh").OpType = "Elu");
        Assert.Contains("Elu", message);
        Assert.Contains("layers.1.tanh", message);
    }

    [Fact]
    public void SoftmaxOverAnotherAxisIsRefused()
    {
        var spec = new NetworkSpec(3, [LayerSpec.Gru(4), LayerSpec.Dense(2, Activation.Softmax)], 8);
        string message = Refusal(spec, g => NodeOf(g, "Softmax").Attribute[0].I = 1);
        Assert.Contains("layers.1.softmax", message);
        Assert.Contains("axis 1", message);
    }

    [Fact]
    public void TheCellStateAndBranchesAreRefused()
    {
        string cell = Refusal(Lstm, g =>
        {
            NodeProto lstm = NodeOf(g, "LSTM");
            lstm.Output.Add("h_n");
            lstm.Output.Add("c_n");
            NodeOf(g, "Transpose").Input[0] = "c_n";
        });
        Assert.Contains("Y_c", cell);
        string branch = Refusal(Lstm, g =>
        {
            NodeProto add = NodeOf(g, "Add");
            add.Input[1] = "input";
        });
        Assert.Contains("layers.1.add", branch);
    }

    [Fact]
    public void ConstantFoldingHasABudget()
    {
        string message = Refusal(Lstm, g =>
        {
            var shape = new TensorProto { Name = "huge_shape", DataType = (int)TensorProto.Types.DataType.Int64 };
            shape.Dims.Add(2);
            shape.Int64Data.AddRange([4096, 4096]);
            g.Initializer.Add(shape);
            for (int i = 0; i < 3; i++)
            {
                var node = new NodeProto { OpType = "ConstantOfShape", Name = $"bomb{i}" };
                node.Input.Add("huge_shape");
                node.Output.Add($"bomb{i}_out");
                g.Node.Insert(0, node);
            }
        });
        Assert.Contains("bomb", message);
        Assert.Contains("folds more than", message);
    }

    [Fact]
    public void TruncatedTensorDataIsRefusedBeforeItIsRead()
    {
        string message = Refusal(Lstm, g =>
        {
            TensorProto w = g.Initializer.First(t => t.Name == "layers.0.W");
            w.RawData = ByteString.CopyFrom(w.RawData.Span[..10]);
        });
        Assert.Contains("layers.0.W", message);
        Assert.Contains("raw_data", message);
        string dims = Refusal(Lstm, g =>
        {
            TensorProto w = g.Initializer.First(t => t.Name == "layers.0.W");
            w.Dims[1] = long.MaxValue / 2;
        });
        Assert.Contains("layers.0.W", dims);
    }
}
