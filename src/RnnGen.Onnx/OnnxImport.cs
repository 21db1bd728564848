using Google.Protobuf;
using Onnx;
using RnnGen.Onnx;

namespace RnnGen.Safetensors;

/// <summary>
/// Reads an ONNX model (torch.onnx.export's among them) as an RnnGen network: LSTM, GRU and RNN nodes (forward,
/// bidirectional, stacked; a reverse-only layer when another layer follows it), MatMul (+ Add) or Gemm heads with
/// Tanh, Sigmoid, Relu or Softmax, an embedding Gather, the last step taken with Gather or Slice, and the shape glue
/// between them. See docs/import.md, section ONNX.
/// </summary>
public static class OnnxImport
{
    /// <summary>The largest file read (ONNX's protobuf limit).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Reads <paramref name="path"/> into the spec and the parameters of an RnnGen network.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX model, or it holds something RnnGen
    /// cannot express; the message starts with the path and names the node, operator or attribute.</exception>
    public static ImportedModel Read(string path)
    {
        OnnxGraphModel graph = ReadGraph(path);
        var weights = new ImportedWeights(graph.Spec);
        try
        {
            foreach (var (name, values, source) in graph.Tensors) weights.Set(name, values, source);
            return weights.Build(graph.Notes);
        }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    /// <summary>Parses and interprets the file; every failure is an InvalidDataException that starts with the path.</summary>
    internal static OnnxGraphModel ReadGraph(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ModelProto model;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxFileBytes) throw new InvalidDataException($"{path}: the file is {stream.Length} bytes, more than an ONNX model can be ({MaxFileBytes}).");
            if (stream.Length == 0) throw new InvalidDataException($"{path}: the file is empty, not an ONNX model.");
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{path}: not a readable ONNX model (protobuf: {e.Message}).", e); }
        try
        {
            if (model.Graph is null || model.Graph.Node.Count == 0) throw new OnnxFormatException("not an ONNX model: it has no graph nodes.");
            return GraphReader.Read(model);
        }
        catch (OnnxFormatException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        catch (OverflowException e) { throw new InvalidDataException($"{path}: a size in the file overflows ({e.Message}).", e); }
    }
}
