using Onnx;
using RnnGen.Safetensors;

namespace RnnGen.Onnx;

/// <summary>What a dimension of a sequence tensor means.</summary>
internal enum Axis { Time, Batch, Direction, Feature, One }

/// <summary>A tensor that depends on the model's input: its axes, what the layers made of it so far, and whether the
/// time axis has been reduced to its last step.</summary>
internal sealed record SeqValue(Axis[] Axes, long[] Sizes, int Depth, bool Last, bool Tokens = false, int PadLeft = 0, bool LastHidden = false)
{
    public int Rank => Axes.Length;
    public string Describe() => "[" + string.Join(", ", Axes.Select((a, i) => $"{a} {Sizes[i]}")) + "]";
}

/// <summary>torch's h_n of a stacked layer: the layers' Y_h concatenated on axis 0; only indexing it is supported.</summary>
internal sealed record HiddenStack(IReadOnlyList<object> Parts);

/// <summary>An output the import cannot follow (an LSTM's Y_c, …): reading it is an error naming why.</summary>
internal sealed record Unusable(string Reason);

/// <summary>One RnnGen layer built from the graph, with its tensors in RnnGen's names (without the layers.{i}. prefix).</summary>
internal sealed class LayerBuild(LayerSpec spec)
{
    public LayerSpec Spec { get; set; } = spec;
    public Dictionary<string, (float[] Values, string Source)> Tensors { get; } = new(StringComparer.Ordinal);
    public bool BiasOpen { get; set; }
    public string? NodeName { get; set; }
    public bool ReverseOnly { get; set; }
}

/// <summary>The result of reading a graph: the spec and every parameter tensor in RnnGen's names.</summary>
internal sealed record OnnxGraphModel(NetworkSpec Spec, IReadOnlyList<(string Name, float[] Values, string Source)> Tensors, IReadOnlyList<string> Notes);

/// <summary>
/// Interprets an ONNX graph as a chain of RnnGen layers. Values that depend on the input are followed by their axes
/// (time, batch, direction, features); everything else is folded to constants (torch.onnx.export's Shape / Gather /
/// Concat / ConstantOfShape arithmetic), with the input's dynamic dimensions taken as a trace size.
/// </summary>
internal sealed class GraphReader
{
    private const long TraceSteps = 7;
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
    private readonly List<LayerBuild> _layers = [];
    private readonly List<string> _notes = [];
    private int _inputSize;
    private long _opset = 14;
    private long _folded;   // elements of constants the nodes computed (initializers are bounded by the file's size)
    private long _fixedSteps;
    private string? _layoutHint;   // set when the input's first two dimensions are both dynamic and read as [steps, batch]

    public static OnnxGraphModel Read(ModelProto model)
    {
        var reader = new GraphReader();
        return reader.Run(model);
    }

    private OnnxGraphModel Run(ModelProto model)
    {
        GraphProto graph = model.Graph ?? throw new OnnxFormatException("the model has no graph.");
        foreach (OperatorSetIdProto opset in model.OpsetImport)
            if (opset.Domain is "" or "ai.onnx")
            {
                _opset = opset.Version;
                if (opset.Version < 7 || opset.Version > 21) _notes.Add($"opset {opset.Version}: read as the opsets 7–21 define these operators.");
            }
        foreach (TensorProto t in graph.Initializer)
        {
            if (string.IsNullOrEmpty(t.Name)) throw new OnnxFormatException("an initializer has no name.");
            _values[t.Name] = ConstTensor.Read(t, $"initializer '{t.Name}'");
            _initializers.Add(t.Name);
        }
        if (graph.SparseInitializer.Count > 0) throw new OnnxFormatException("the graph has sparse initializers, which are not supported.");
        var inputs = graph.Input.Where(i => !_values.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new OnnxFormatException($"the graph has {inputs.Count} inputs besides its initializers ({string.Join(", ", inputs.Select(i => i.Name))}); an RnnGen model reads one sequence.");
        _values[inputs[0].Name] = InputValue(inputs[0], graph);
        foreach (NodeProto node in graph.Node) Apply(node);
        if (graph.Output.Count == 0) throw new OnnxFormatException("the graph has no output.");
        var outputs = graph.Output.Select(o => (o.Name, Value: _values.GetValueOrDefault(o.Name))).ToList();
        var sequences = outputs.Where(o => o.Value is SeqValue).ToList();
        if (sequences.Count == 0) throw new OnnxFormatException($"no output of the graph ({string.Join(", ", outputs.Select(o => o.Name))}) depends on its input.");
        (string outName, object? outValue) = sequences[0];
        foreach (var other in outputs.Where(o => o.Name != outName)) _notes.Add($"output '{other.Name}' is left out: RnnGen models have one output.");
        var output = (SeqValue)outValue!;
        if (_layers.Count == 0) throw new OnnxFormatException($"output '{outName}' passes through no layer (LSTM, GRU, RNN, MatMul, Gemm or an embedding Gather).");
        if (output.Depth != _layers.Count) throw new OnnxFormatException($"output '{outName}' does not come from the last layer ({_layers[^1].NodeName}): the graph branches, which RnnGen's layer chains cannot express.");
        if (output.PadLeft > 0)
            throw new OnnxFormatException($"node '{_layers[^1].NodeName}' runs in the reverse direction only and its output is the model's: RnnGen has no reverse-only layer (one followed by another layer is imported as a bidirectional layer whose forward half that layer ignores).");
        if (output.Tokens) throw new OnnxFormatException($"output '{outName}' is the token input itself.");
        CheckOutputShape(output, outName);

        var specs = _layers.Select(l => l.Spec).ToList();
        int maxSteps = (int)Math.Max(64, Math.Min(_fixedSteps, NetworkSpec.MaxSequenceLength));
        NetworkSpec spec;
        try { spec = new NetworkSpec(_inputSize, specs, maxSteps, output.Last ? OutputMode.LastStep : OutputMode.EveryStep); }
        catch (ArgumentException e) { throw new OnnxFormatException($"the layers it describes are not a valid RnnGen network: {e.Message}"); }
        var tensors = new List<(string, float[], string)>();
        for (int i = 0; i < _layers.Count; i++)
            foreach (var (name, (values, source)) in _layers[i].Tensors)
                tensors.Add(($"layers.{i}.{name}", values, source));
        _notes.Add("ONNX has no loss: the model's loss is MeanSquaredError; change Loss in the declaration to train it otherwise.");
        return new OnnxGraphModel(spec, tensors, _notes);
    }

    private void CheckOutputShape(SeqValue output, string name)
    {
        // [T, B, F], [T, F], [B, F] or [F] after the last step: every axis but the features has one element per step.
        if (output.Axes[^1] != Axis.Feature) throw new OnnxFormatException($"output '{name}' {output.Describe()} does not end in its features.");
        for (int i = 0; i < output.Rank - 1; i++)
            if (output.Axes[i] != Axis.Time && output.Sizes[i] != 1)
                throw new OnnxFormatException($"output '{name}' {output.Describe()} has axis {i} ({output.Axes[i]}) of size {output.Sizes[i]}: expected time, batch 1 and features.{_layoutHint}");
    }

    private object InputValue(ValueInfoProto input, GraphProto graph)
    {
        TypeProto.Types.Tensor tensorType = input.Type?.TensorType ?? throw new OnnxFormatException($"input '{input.Name}' is not a tensor.");
        var shape = tensorType.Shape?.Dim ?? throw new OnnxFormatException($"input '{input.Name}' has no shape: its feature width cannot be known.");
        long Dim(int i, long trace)
        {
            var d = shape[i];
            if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                if (d.DimValue < 1 || d.DimValue > NetworkSpec.MaxSequenceLength * 16L) throw new OnnxFormatException($"input '{input.Name}' has dimension {i} = {d.DimValue}.");
                return d.DimValue;
            }
            return trace;
        }
        bool fixedTime = shape.Count > 0 && shape[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
        var elem = (TensorProto.Types.DataType)tensorType.ElemType;
        if (elem is TensorProto.Types.DataType.Float)
        {
            if (shape.Count is not (2 or 3)) throw new OnnxFormatException($"input '{input.Name}' has rank {shape.Count}: expected [steps, batch, features] or [steps, features].");
            var feature = shape[^1];
            if (feature.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || feature.DimValue < 1 || feature.DimValue > NetworkSpec.MaxWidth)
                throw new OnnxFormatException($"input '{input.Name}' has no fixed feature width (its last dimension) in 1 … {NetworkSpec.MaxWidth}.");
            _inputSize = (int)feature.DimValue;
            // [1, steps, features] (batch first: a fixed batch of 1 before a dynamic or longer axis) or [steps, batch, features].
            bool batchFirst = shape.Count == 3 && fixedTime && shape[0].DimValue == 1
                && (shape[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || shape[1].DimValue > 1);
            // [batch, steps, features] with both dynamic (torch's dynamic_axes={0: 'batch', 1: 'seq'} on a batch_first
            // model): the dims alone cannot say which is time, but torch swaps them with Transpose perm=[1, 0, 2]
            // before the recurrent layer. Read so, the model runs at batch 1; any other use is read as [steps, batch].
            bool twoDynamic = shape.Count == 3 && !fixedTime && shape[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
            if (twoDynamic && SwappedFirst(graph, input.Name)) batchFirst = true;
            else if (twoDynamic)
            {
                string dims = $"[{DimText(shape[0])}, {DimText(shape[1])}, {_inputSize}]";
                _layoutHint = $" (input '{input.Name}' is {dims}, both of its first two dimensions dynamic, so RnnGen read it as [steps, batch, features]; "
                    + $"if the model is batch-first, export it with a fixed batch of 1: dynamic_axes={{'{input.Name}': {{1: 'steps'}}}}, a [1, steps, features] example input.)";
            }
            if (batchFirst)
            {
                long time = Dim(1, TraceSteps);
                _fixedSteps = shape[1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? time : 0;
                return new SeqValue([Axis.Batch, Axis.Time, Axis.Feature], [1, time, _inputSize], 0, false);
            }
            long steps = Dim(0, TraceSteps);
            if (fixedTime) _fixedSteps = steps;
            return shape.Count == 3
                ? new SeqValue([Axis.Time, Axis.Batch, Axis.Feature], [steps, Dim(1, 1), _inputSize], 0, false)
                : new SeqValue([Axis.Time, Axis.Feature], [steps, _inputSize], 0, false);
        }
        if (elem is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32)
        {
            if (shape.Count is not (1 or 2)) throw new OnnxFormatException($"token input '{input.Name}' has rank {shape.Count}: expected [steps, batch] or [steps].");
            long steps = Dim(0, TraceSteps);
            if (fixedTime) _fixedSteps = steps;
            return shape.Count == 2
                ? new SeqValue([Axis.Time, Axis.Batch], [steps, Dim(1, 1)], 0, false, Tokens: true)
                : new SeqValue([Axis.Time], [steps], 0, false, Tokens: true);
        }
        throw new OnnxFormatException($"input '{input.Name}' has element type {ConstTensor.DataTypeName(tensorType.ElemType)}: expected float (features) or int64 (token ids).");
    }

    private static string DimText(TensorShapeProto.Types.Dimension d) =>
        d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : string.IsNullOrEmpty(d.DimParam) ? "?" : $"'{d.DimParam}'";

    /// <summary>Whether the input goes through Transpose perm=[1, 0, 2] (batch-first to time-first) and into no recurrent
    /// node directly: torch's export of a batch_first layer.</summary>
    private static bool SwappedFirst(GraphProto graph, string input)
    {
        bool swapped = false;
        foreach (NodeProto node in graph.Node)
        {
            if (!node.Input.Contains(input)) continue;
            if (node.OpType is "LSTM" or "GRU" or "RNN") return false;
            if (node.OpType == "Transpose" && node.Input.Count > 0 && node.Input[0] == input
                && node.Attribute.FirstOrDefault(a => a.Name == "perm") is { } perm && perm.Ints.SequenceEqual([1L, 0L, 2L]))
                swapped = true;
        }
        return swapped;
    }

    // ---------------------------------------------------------------- nodes

    private void Apply(NodeProto node)
    {
        string name = string.IsNullOrEmpty(node.Name) ? (node.Output.Count > 0 ? node.Output[0] : "?") : node.Name;
        if (node.Domain is not ("" or "ai.onnx")) throw new OnnxFormatException($"node '{name}' is {node.Domain}.{node.OpType}, an operator outside the standard ONNX domain, which RnnGen cannot import.");
        var inputs = new object?[node.Input.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            string input = node.Input[i];
            if (input.Length == 0) continue;
            if (!_values.TryGetValue(input, out object? v))
                throw new OnnxFormatException($"node '{name}' ({node.OpType}) reads '{input}', which no initializer, input or earlier node defines.");
            if (v is Unusable u && node.OpType != "Concat") throw new OnnxFormatException($"node '{name}' ({node.OpType}) reads '{input}': {u.Reason}");
            if (v is HiddenStack && !(node.OpType == "Concat" || (node.OpType == "Gather" && i == 0)))
                throw new OnnxFormatException($"node '{name}' ({node.OpType}) reads '{input}', the final hidden states of stacked layers, which RnnGen reads only as h_n[k] (a Gather).");
            inputs[i] = v;
        }
        var ctx = new Node(node, name, inputs);
        object?[] results = node.OpType switch
        {
            "Constant" => [ConstantNode(ctx)],
            "Identity" or "Dropout" => [ctx.In(0)],
            "Shape" => [Shape(ctx)],
            "Gather" => [Gather(ctx)],
            "Unsqueeze" => [Unsqueeze(ctx)],
            "Squeeze" => [Squeeze(ctx)],
            "Concat" => [Concat(ctx)],
            "Slice" => [Slice(ctx)],
            "ConstantOfShape" => [ConstantOfShape(ctx)],
            "Expand" => [Expand(ctx)],
            "Cast" => [Cast(ctx)],
            "Reshape" => [Reshape(ctx)],
            "Transpose" => [Transpose(ctx)],
            "Add" or "Sub" or "Mul" or "Div" => [Arithmetic(ctx)],
            "MatMul" => [MatMul(ctx)],
            "Gemm" => [Gemm(ctx)],
            "Tanh" => [Activate(ctx, Activation.Tanh)],
            "Sigmoid" => [Activate(ctx, Activation.Sigmoid)],
            "Relu" => [Activate(ctx, Activation.Relu)],
            "Softmax" => [Softmax(ctx)],
            "LSTM" => Recurrent(ctx, LayerKind.Lstm),
            "GRU" => Recurrent(ctx, LayerKind.Gru),
            "RNN" => Recurrent(ctx, LayerKind.Rnn),
            _ => throw new OnnxFormatException($"node '{name}' is a {node.OpType}, an operator RnnGen cannot import (it reads LSTM, GRU, RNN, MatMul, Add, Gemm, Tanh, Sigmoid, Relu, Softmax, an embedding Gather and torch.onnx.export's shape glue)."),
        };
        foreach (object? r in results)
            if (r is ConstTensor folded && !inputs.Contains(r) && (_folded += folded.Length) > ConstTensor.MaxElements)
                throw new OnnxFormatException($"node '{name}' ({node.OpType}): the graph folds more than {ConstTensor.MaxElements} elements of constants.");
        for (int i = 0; i < node.Output.Count; i++)
        {
            string output = node.Output[i];
            if (output.Length == 0) continue;
            _values[output] = i < results.Length && results[i] is { } r ? r : new Unusable($"output {i} of node '{name}' ({node.OpType}) is not supported.");
        }
    }

    private sealed class Node(NodeProto proto, string name, object?[] inputs)
    {
        public NodeProto Proto { get; } = proto;
        public string Name { get; } = name;
        public string Op => Proto.OpType;
        public int Count => inputs.Length;
        public string Where => $"node '{Name}' ({Op})";

        public object In(int i) => i < inputs.Length && inputs[i] is { } v ? v : throw new OnnxFormatException($"{Where} lacks its input {i}.");
        public object? Optional(int i) => i < inputs.Length ? inputs[i] : null;

        public ConstTensor Const(int i, string what)
        {
            object v = In(i);
            return v as ConstTensor ?? throw new OnnxFormatException($"{Where}: its {what} (input {i}) depends on the model's input; RnnGen needs it constant.");
        }

        public ConstTensor? OptionalConst(int i, string what) => Optional(i) is null ? null : Const(i, what);

        public SeqValue Seq(int i) => In(i) as SeqValue ?? throw new OnnxFormatException($"{Where}: input {i} is {(In(i) is ConstTensor ? "a constant" : "stacked final hidden states")} where the sequence was expected.");

        public AttributeProto? Attr(string attribute) => Proto.Attribute.FirstOrDefault(a => a.Name == attribute);

        public long Int(string attribute, long fallback) => Attr(attribute) is { } a ? a.I : fallback;

        public float Float(string attribute, float fallback) => Attr(attribute) is { } a ? a.F : fallback;

        public string? String(string attribute) => Attr(attribute) is { } a ? a.S.ToStringUtf8() : null;

        public long[]? Ints(string attribute) => Attr(attribute) is { } a ? [.. a.Ints] : null;

        public OnnxFormatException Error(string message) => new($"{Where}: {message}");
    }

    private static int NormalizeAxis(long axis, int rank, Node n)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw n.Error($"axis {axis} is outside rank {rank}.");
        return (int)a;
    }

    private static object ConstantNode(Node n)
    {
        if (n.Attr("value") is { } value)
        {
            if (value.T is null) throw n.Error("its 'value' attribute holds no tensor.");
            return ConstTensor.Read(value.T, $"the value of node '{n.Name}'");
        }
        if (n.Attr("value_float") is { } f) return ConstTensor.OfFloats([], [f.F]);
        if (n.Attr("value_floats") is { } fs) return ConstTensor.OfFloats([fs.Floats.Count], [.. fs.Floats]);
        if (n.Attr("value_int") is { } i) return ConstTensor.OfLongs([], [i.I]);
        if (n.Attr("value_ints") is { } ints) return ConstTensor.OfLongs([ints.Ints.Count], [.. ints.Ints]);
        throw n.Error("it has no value, value_float(s) or value_int(s) attribute RnnGen can read.");
    }

    private static object Shape(Node n)
    {
        long[] dims = n.In(0) switch
        {
            SeqValue s => s.Sizes,
            ConstTensor c => c.Dims,
            _ => throw n.Error("unexpected input."),
        };
        int rank = dims.Length;
        long start = n.Int("start", 0), end = n.Int("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        long[] result = end > start ? dims[(int)start..(int)end] : [];
        return ConstTensor.Vector(result);
    }

    private object Gather(Node n)
    {
        object data = n.In(0);
        object indicesValue = n.In(1);
        if (data is ConstTensor table && indicesValue is SeqValue tokens)
            return Embedding(n, table, tokens);
        if (indicesValue is not ConstTensor indices) throw n.Error("its indices depend on the model's input (only an embedding's table lookup may).");
        long[] idx = indices.AsLongs($"{n.Where}'s indices");
        if (data is HiddenStack stack)
        {
            if (n.Int("axis", 0) != 0 || indices.Rank != 0) throw n.Error("it indexes stacked final hidden states other than by one layer (h_n[k]).");
            long k = idx[0] < 0 ? idx[0] + stack.Parts.Count : idx[0];
            if (k < 0 || k >= stack.Parts.Count) throw n.Error($"index {idx[0]} is outside the {stack.Parts.Count} stacked hidden states.");
            return stack.Parts[(int)k] switch
            {
                SeqValue s => s with { Axes = s.Axes[1..], Sizes = s.Sizes[1..] },
                Unusable u => throw n.Error(u.Reason),
                _ => throw n.Error("unexpected stacked value."),
            };
        }
        if (data is ConstTensor c)
        {
            int axis = NormalizeAxis(n.Int("axis", 0), c.Rank, n);
            long size = c.Dims[axis];
            var resolved = new long[idx.Length];
            for (int i = 0; i < idx.Length; i++)
            {
                long k = idx[i] < 0 ? idx[i] + size : idx[i];
                if (k < 0 || k >= size) throw n.Error($"index {idx[i]} is outside axis {axis} of size {size}.");
                resolved[i] = k;
            }
            long[] dims = [.. c.Dims[..axis], .. indices.Dims, .. c.Dims[(axis + 1)..]];
            long inner = 1;
            for (int i = axis + 1; i < c.Rank; i++) inner *= c.Dims[i];
            long innerCount = inner, axisSize = size;
            return c.Gather(i =>
            {
                long outer = i / (idx.Length * innerCount);
                long rest = i % (idx.Length * innerCount);
                long which = rest / innerCount, within = rest % innerCount;
                return (int)((outer * axisSize + resolved[which]) * innerCount + within);
            }, dims);
        }
        var seq = (SeqValue)data;
        if (seq.Tokens) throw n.Error("it indexes the token ids themselves.");
        int a = NormalizeAxis(n.Int("axis", 0), seq.Rank, n);
        if (indices.Rank != 0 || idx.Length != 1) throw n.Error($"it selects {idx.Length} entries of the sequence's axis {a} ({seq.Axes[a]}); RnnGen can only take the last step, or drop an axis of size 1.");
        long index = idx[0];
        long axisLength = seq.Sizes[a];
        Axis[] axes = [.. seq.Axes[..a], .. seq.Axes[(a + 1)..]];
        long[] sizes = [.. seq.Sizes[..a], .. seq.Sizes[(a + 1)..]];
        if (seq.Axes[a] == Axis.Time && !seq.Last && (index == -1 || (_fixedSteps > 0 && index == _fixedSteps - 1)))
            return seq with { Axes = axes, Sizes = sizes, Last = true };
        if (axisLength == 1 && (index is 0 or -1)) return seq with { Axes = axes, Sizes = sizes };
        throw n.Error($"it selects entry {index} of the sequence's axis {a} ({seq.Axes[a]}, size {axisLength}); RnnGen can only take the last step (index -1 of the time axis), or drop an axis of size 1.");
    }

    private object Embedding(Node n, ConstTensor table, SeqValue tokens)
    {
        if (!tokens.Tokens) throw n.Error("it looks up a table with float features as indices.");
        if (n.Int("axis", 0) != 0) throw n.Error("an embedding lookup gathers rows (axis 0).");
        if (table.Rank != 2 || !table.IsFloat) throw n.Error($"its table is [{string.Join(", ", table.Dims)}]; an embedding table is a float [vocabulary, width].");
        if (_layers.Count != 0) throw n.Error("an embedding that is not the first layer.");
        int vocabulary = checked((int)table.Dims[0]), width = checked((int)table.Dims[1]);
        LayerSpec spec = Guard(n, () => LayerSpec.Embedding(vocabulary, width));
        var layer = new LayerBuild(spec) { NodeName = n.Name };
        layer.Tensors["weight"] = (table.Floats!, $"{n.Proto.Input[0]} [{vocabulary}, {width}]");
        _layers.Add(layer);
        return new SeqValue([.. tokens.Axes, Axis.Feature], [.. tokens.Sizes, width], _layers.Count, false);
    }

    private static T Guard<T>(Node n, Func<T> make)
    {
        try { return make(); }
        catch (ArgumentException e) { throw n.Error(e.Message); }
    }

    private static long[] AxesOf(Node n, int inputIndex, string attribute)
    {
        if (n.Optional(inputIndex) is not null) return n.Const(inputIndex, "axes").AsLongs($"{n.Where}'s axes");
        return n.Ints(attribute) ?? [];
    }

    private static object Unsqueeze(Node n)
    {
        long[] axes = AxesOf(n, 1, "axes");
        if (axes.Length == 0) throw n.Error("it has no axes.");
        object x = n.In(0);
        int rank = (x is SeqValue s0 ? s0.Rank : ((ConstTensor)x).Rank) + axes.Length;
        var positions = axes.Select(a => NormalizeAxis(a, rank, n)).ToHashSet();
        if (positions.Count != axes.Length) throw n.Error("it repeats an axis.");
        if (x is ConstTensor c)
        {
            var dims = new List<long>();
            int k = 0;
            for (int i = 0; i < rank; i++) dims.Add(positions.Contains(i) ? 1 : c.Dims[k++]);
            return c.WithDims([.. dims]);
        }
        var seq = (SeqValue)x;
        var newAxes = new List<Axis>();
        var sizes = new List<long>();
        int j = 0;
        for (int i = 0; i < rank; i++)
        {
            if (positions.Contains(i)) { newAxes.Add(Axis.One); sizes.Add(1); }
            else { newAxes.Add(seq.Axes[j]); sizes.Add(seq.Sizes[j]); j++; }
        }
        return seq with { Axes = [.. newAxes], Sizes = [.. sizes] };
    }

    private static object Squeeze(Node n)
    {
        long[] axes = AxesOf(n, 1, "axes");
        object x = n.In(0);
        long[] dims = x is SeqValue s ? s.Sizes : ((ConstTensor)x).Dims;
        HashSet<int> drop = axes.Length == 0
            ? [.. Enumerable.Range(0, dims.Length).Where(i => dims[i] == 1)]
            : [.. axes.Select(a => NormalizeAxis(a, dims.Length, n))];
        foreach (int a in drop)
            if (dims[a] != 1) throw n.Error($"it squeezes axis {a}, of size {dims[a]}.");
        var keep = Enumerable.Range(0, dims.Length).Where(i => !drop.Contains(i)).ToArray();
        if (x is ConstTensor c) return c.WithDims([.. keep.Select(i => c.Dims[i])]);
        var seq = (SeqValue)x;
        return seq with { Axes = [.. keep.Select(i => seq.Axes[i])], Sizes = [.. keep.Select(i => seq.Sizes[i])] };
    }

    private static object Concat(Node n)
    {
        if (Enumerable.Range(0, n.Count).Any(i => n.Optional(i) is SeqValue or HiddenStack or Unusable))
        {
            // h_n of stacked layers: [Y_h of layer 0; Y_h of layer 1; …], of which torch takes h_n[-1].
            if (n.Int("axis", 0) != 0) throw n.Error("it concatenates the sequence with something along a feature axis, which RnnGen cannot express.");
            var stacked = new List<object>();
            for (int i = 0; i < n.Count; i++)
                switch (n.Optional(i))
                {
                    case HiddenStack h: stacked.AddRange(h.Parts); break;
                    case SeqValue { LastHidden: true } s: stacked.Add(s); break;
                    case Unusable u: stacked.Add(u); break;
                    case null: break;
                    default: throw n.Error("it concatenates the sequence with other tensors, which RnnGen cannot express.");
                }
            return new HiddenStack(stacked);
        }
        var parts = new List<ConstTensor>();
        for (int i = 0; i < n.Count; i++)
            if (n.Optional(i) is not null) parts.Add(n.Const(i, "input"));
        if (parts.Count == 0) throw n.Error("it has no inputs.");
        int rank = parts[0].Rank;
        if (rank == 0) throw n.Error("it concatenates scalars.");
        int axis = NormalizeAxis(n.Int("axis", 0), rank, n);
        bool isFloat = parts[0].IsFloat;
        foreach (ConstTensor p in parts)
        {
            if (p.Rank != rank || p.IsFloat != isFloat) throw n.Error("its inputs differ in rank or type.");
            for (int d = 0; d < rank; d++)
                if (d != axis && p.Dims[d] != parts[0].Dims[d]) throw n.Error("its inputs differ in shape.");
        }
        long[] dims = [.. parts[0].Dims];
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        ConstTensor.ElementCount(dims, n.Where);
        long outer = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        var floats = new List<float>();
        var longs = new List<long>();
        for (long o = 0; o < outer; o++)
            foreach (ConstTensor p in parts)
            {
                int block = (int)(p.Length / Math.Max(outer, 1));
                for (int k = 0; k < block; k++)
                {
                    int at = (int)(o * block + k);
                    if (isFloat) floats.Add(p.Floats![at]); else longs.Add(p.Longs![at]);
                }
            }
        return isFloat ? ConstTensor.OfFloats(dims, [.. floats]) : ConstTensor.OfLongs(dims, [.. longs]);
    }

    private object Slice(Node n)
    {
        object x = n.In(0);
        long[] starts, ends, axes, steps;
        if (n.Count > 1)
        {
            starts = n.Const(1, "starts").AsLongs($"{n.Where}'s starts");
            ends = n.Const(2, "ends").AsLongs($"{n.Where}'s ends");
            axes = n.OptionalConst(3, "axes")?.AsLongs($"{n.Where}'s axes") ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            steps = n.OptionalConst(4, "steps")?.AsLongs($"{n.Where}'s steps") ?? [.. starts.Select(_ => 1L)];
        }
        else
        {
            starts = n.Ints("starts") ?? throw n.Error("it has no starts.");
            ends = n.Ints("ends") ?? throw n.Error("it has no ends.");
            axes = n.Ints("axes") ?? [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            steps = [.. starts.Select(_ => 1L)];
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length) throw n.Error("its starts, ends, axes and steps differ in length.");
        long[] dims = x is SeqValue sq ? sq.Sizes : ((ConstTensor)x).Dims;
        int rank = dims.Length;
        var begin = new long[rank];
        var step = new long[rank];
        long[] outDims = [.. dims];
        for (int i = 0; i < rank; i++) step[i] = 1;
        var seen = new HashSet<int>();
        for (int k = 0; k < starts.Length; k++)
        {
            int a = NormalizeAxis(axes[k], rank, n);
            if (!seen.Add(a)) throw n.Error("it repeats an axis.");
            long size = dims[a], s = steps[k];
            if (s == 0) throw n.Error("a step is 0.");
            long st = starts[k], en = ends[k];
            if (s > 0)
            {
                st = Math.Clamp(st < 0 ? st + size : st, 0, size);
                en = Math.Clamp(en < 0 ? en + size : en, 0, size);
                outDims[a] = en > st ? (en - st + s - 1) / s : 0;
            }
            else
            {
                st = Math.Clamp(st < 0 ? st + size : st, -1, size - 1);
                en = Math.Clamp(en < 0 ? en + size : en, -1, size - 1);
                outDims[a] = st > en ? (st - en + (-s) - 1) / (-s) : 0;
            }
            begin[a] = st;
            step[a] = s;
        }
        if (x is ConstTensor c)
        {
            long[] inStrides = ConstTensor.Strides(c.Dims);
            long[] outStrides = ConstTensor.Strides(outDims);
            return c.Gather(i =>
            {
                long rest = i, index = 0;
                for (int d = 0; d < rank; d++)
                {
                    long coordinate = rest / outStrides[d];
                    rest %= outStrides[d];
                    index += (begin[d] + coordinate * step[d]) * inStrides[d];
                }
                return (int)index;
            }, outDims);
        }
        var seq = (SeqValue)x;
        // The last step: time sliced to [-1:], every other axis whole.
        for (int d = 0; d < rank; d++)
        {
            if (outDims[d] == dims[d] && begin[d] == 0 && step[d] == 1) continue;
            if (seq.Axes[d] == Axis.Time && !seq.Last && outDims[d] == 1 && begin[d] == dims[d] - 1 && step[d] == 1 && (!seen.Contains(d) || StartsAtLast(starts, axes, d, rank)))
            {
                long[] sizes = [.. seq.Sizes];
                sizes[d] = 1;
                return seq with { Sizes = sizes, Last = true };
            }
            throw n.Error($"it slices axis {d} ({seq.Axes[d]}) of the sequence {seq.Describe()}; RnnGen can only take the last step ([-1:] of the time axis).");
        }
        return seq;
    }

    private bool StartsAtLast(long[] starts, long[] axes, int d, int rank)
    {
        for (int k = 0; k < starts.Length; k++)
            if ((axes[k] < 0 ? axes[k] + rank : axes[k]) == d) return starts[k] == -1 || (_fixedSteps > 0 && starts[k] == _fixedSteps - 1);
        return false;
    }

    private static object ConstantOfShape(Node n)
    {
        long[] dims = n.Const(0, "shape").AsLongs($"{n.Where}'s shape");
        long count = ConstTensor.ElementCount(dims, n.Where);
        ConstTensor? value = n.Attr("value") is { T: { } t } ? ConstTensor.Read(t, $"the value of node '{n.Name}'") : null;
        if (value is not null && value.Length != 1) throw n.Error("its value is not one element.");
        if (value is null || value.IsFloat)
        {
            var floats = new float[count];
            Array.Fill(floats, value?.Floats![0] ?? 0f);
            return ConstTensor.OfFloats(dims, floats);
        }
        var longs = new long[count];
        Array.Fill(longs, value.Longs![0]);
        return ConstTensor.OfLongs(dims, longs);
    }

    private static object Expand(Node n)
    {
        ConstTensor c = n.Const(0, "input");
        long[] shape = n.Const(1, "shape").AsLongs($"{n.Where}'s shape");
        long[] dims = ConstTensor.Broadcast(c.Dims, shape, n.Where);
        int[] map = ConstTensor.BroadcastIndex(c.Dims, dims);
        return c.Gather(i => map[i], dims);
    }

    private static object Cast(Node n)
    {
        var to = (TensorProto.Types.DataType)n.Int("to", 0);
        bool toFloat = to is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16;
        object x = n.In(0);
        if (x is SeqValue s)
        {
            if (s.Tokens ? !(to is TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32) : !toFloat)
                throw n.Error($"it casts the sequence to {to}.");
            return s;
        }
        var c = (ConstTensor)x;
        if (toFloat) return ConstTensor.OfFloats(c.Dims, c.AsFloats());
        if (c.IsFloat) return ConstTensor.OfLongs(c.Dims, Array.ConvertAll(c.Floats!, f => float.IsFinite(f) ? (long)f : 0));
        return c;
    }

    private object Reshape(Node n)
    {
        object x = n.In(0);
        long[] target = n.Const(1, "shape").AsLongs($"{n.Where}'s shape");
        bool allowZero = n.Int("allowzero", 0) != 0;
        long[] dims = x is SeqValue s0 ? s0.Sizes : ((ConstTensor)x).Dims;
        long total = 1;
        foreach (long d in dims) total = checked(total * d);
        var shape = new long[target.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == 0 && !allowZero)
            {
                if (i >= dims.Length) throw n.Error($"shape entry {i} copies a dimension the input does not have.");
                t = dims[i];
            }
            if (t == -1)
            {
                if (infer >= 0) throw n.Error("its shape has two -1 entries.");
                infer = i;
                continue;
            }
            if (t < 0) throw n.Error($"its shape has entry {t}.");
            shape[i] = t;
            known = checked(known * t);
        }
        if (infer >= 0)
        {
            if (known == 0 || total % known != 0) throw n.Error($"shape [{string.Join(", ", target)}] does not fit {total} elements.");
            shape[infer] = total / known;
        }
        else if (known != total) throw n.Error($"shape [{string.Join(", ", target)}] does not fit {total} elements.");
        if (x is ConstTensor c) return c.WithDims(shape);
        var seq = (SeqValue)x;
        // Non-trivial axes (size > 1) must map in order, each output axis taking a run of input axes: a run of one
        // keeps its meaning; direction then features merge into features (bidirectional [.., 2, H] → [.., 2H]).
        var inAxes = Enumerable.Range(0, seq.Rank).Where(i => seq.Sizes[i] != 1).ToList();
        var outAxes = new Axis[shape.Length];
        int k = 0;
        for (int o = 0; o < shape.Length; o++)
        {
            if (shape[o] == 1) { outAxes[o] = Axis.One; continue; }
            if (k >= inAxes.Count) throw n.Error($"it reshapes {seq.Describe()} to [{string.Join(", ", shape)}], which mixes its axes.");
            long product = 1;
            var run = new List<Axis>();
            while (k < inAxes.Count && product < shape[o]) { product *= seq.Sizes[inAxes[k]]; run.Add(seq.Axes[inAxes[k]]); k++; }
            if (product != shape[o]) throw n.Error($"it reshapes {seq.Describe()} to [{string.Join(", ", shape)}], which mixes its axes.");
            if (run.Count == 1) outAxes[o] = run[0];
            else if (run.Count == 2 && run[0] == Axis.Direction && run[1] == Axis.Feature) outAxes[o] = Axis.Feature;
            else throw n.Error($"it reshapes {seq.Describe()} to [{string.Join(", ", shape)}], merging {string.Join(" and ", run)}, which RnnGen cannot follow.");
        }
        if (k != inAxes.Count) throw n.Error($"it reshapes {seq.Describe()} to [{string.Join(", ", shape)}], which mixes its axes.");
        // Size-1 axes keep their meaning when the input had them at the same place (the batch axis, a time axis of one step).
        for (int o = 0; o < shape.Length; o++)
            if (outAxes[o] == Axis.One && o < seq.Rank && seq.Sizes[o] == 1 && seq.Axes[o] is Axis.Batch or Axis.Time) outAxes[o] = seq.Axes[o];
        return seq with { Axes = outAxes, Sizes = shape };
    }

    private static object Transpose(Node n)
    {
        object x = n.In(0);
        int rank = x is SeqValue s0 ? s0.Rank : ((ConstTensor)x).Rank;
        long[] perm = n.Ints("perm") ?? [.. Enumerable.Range(0, rank).Reverse().Select(i => (long)i)];
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank)) throw n.Error($"perm [{string.Join(", ", perm)}] is not a permutation of {rank} axes.");
        if (x is ConstTensor c)
        {
            long[] dims = [.. perm.Select(p => c.Dims[p])];
            long[] inStrides = ConstTensor.Strides(c.Dims);
            long[] outStrides = ConstTensor.Strides(dims);
            return c.Gather(i =>
            {
                long rest = i, index = 0;
                for (int d = 0; d < rank; d++)
                {
                    long coordinate = rest / outStrides[d];
                    rest %= outStrides[d];
                    index += coordinate * inStrides[perm[d]];
                }
                return (int)index;
            }, dims);
        }
        var seq = (SeqValue)x;
        return seq with { Axes = [.. perm.Select(p => seq.Axes[p])], Sizes = [.. perm.Select(p => seq.Sizes[p])] };
    }

    private object Arithmetic(Node n)
    {
        object a = n.In(0), b = n.In(1);
        if (a is ConstTensor x && b is ConstTensor y)
        {
            long[] dims = ConstTensor.Broadcast(x.Dims, y.Dims, n.Where);
            int[] mx = ConstTensor.BroadcastIndex(x.Dims, dims), my = ConstTensor.BroadcastIndex(y.Dims, dims);
            if (x.IsFloat || y.IsFloat)
            {
                float[] fx = x.AsFloats(), fy = y.AsFloats();
                var r = new float[mx.Length];
                for (int i = 0; i < r.Length; i++)
                    r[i] = n.Op switch { "Add" => fx[mx[i]] + fy[my[i]], "Sub" => fx[mx[i]] - fy[my[i]], "Mul" => fx[mx[i]] * fy[my[i]], _ => fx[mx[i]] / fy[my[i]] };
                return ConstTensor.OfFloats(dims, r);
            }
            var l = new long[mx.Length];
            for (int i = 0; i < l.Length; i++)
            {
                long p = x.Longs![mx[i]], q = y.Longs![my[i]];
                l[i] = n.Op switch { "Add" => unchecked(p + q), "Sub" => unchecked(p - q), "Mul" => unchecked(p * q), _ => q == 0 || (p == long.MinValue && q == -1) ? throw n.Error("it divides by zero.") : p / q };
            }
            return ConstTensor.OfLongs(dims, l);
        }
        if (n.Op != "Add") throw n.Error($"it applies {n.Op} to the sequence; RnnGen reads only a Dense layer's bias Add there.");
        if (a is SeqValue sa && b is SeqValue) throw n.Error("it adds two sequences (a residual connection), which RnnGen's layer chains cannot express.");
        SeqValue seq = a as SeqValue ?? (SeqValue)b;
        ConstTensor bias = a as ConstTensor ?? (ConstTensor)b;
        LayerBuild? last = _layers.Count > 0 ? _layers[^1] : null;
        if (last is null || last.Spec.Kind != LayerKind.Dense || !last.BiasOpen || seq.Depth != _layers.Count)
            throw n.Error("it adds a constant to the sequence where no MatMul came just before; RnnGen adds biases only in Dense layers.");
        int units = last.Spec.Size;
        if (!bias.IsFloat || bias.Length != units || bias.Dims.Length == 0 || bias.Dims[^1] != units)
            throw n.Error($"its bias is [{string.Join(", ", bias.Dims)}]; the Dense layer before it has {units} units.");
        last.Tensors["bias"] = (bias.Floats!, $"{(a is ConstTensor ? n.Proto.Input[0] : n.Proto.Input[1])} [{units}]");
        last.BiasOpen = false;
        return seq;
    }

    private void StartLayer(Node n, SeqValue input, string what)
    {
        if (input.Tokens) throw n.Error("it reads the token ids directly; an Embedding (Gather) must come first.");
        if (input.Depth != _layers.Count)
            throw n.Error($"it reads the output of an earlier layer than the last ({_layers[^1].NodeName}): the graph branches, which RnnGen's layer chains cannot express.");
        if (input.Axes[^1] != Axis.Feature) throw n.Error($"its input {input.Describe()} does not end in the features ({what}).");
    }

    /// <summary>[U, I] from an ONNX weight, with zero columns for a reverse-only layer's ignored forward half.</summary>
    private static float[] PadColumns(float[] weight, int rows, int columns, int padLeft)
    {
        if (padLeft == 0) return weight;
        int width = columns + padLeft;
        var padded = new float[rows * width];
        for (int r = 0; r < rows; r++) Array.Copy(weight, r * columns, padded, r * width + padLeft, columns);
        return padded;
    }

    private object MatMul(Node n)
    {
        SeqValue x = n.Seq(0);
        ConstTensor w = n.Const(1, "weight");
        StartLayer(n, x, "MatMul");
        if (w.Rank != 2 || !w.IsFloat) throw n.Error($"its weight is [{string.Join(", ", w.Dims)}]; a Dense weight is a float [inputs, units] matrix.");
        if (w.Dims[0] != x.Sizes[^1]) throw n.Error($"its weight is [{string.Join(", ", w.Dims)}] but its input has {x.Sizes[^1]} features.");
        int inputs = checked((int)w.Dims[0]), units = checked((int)w.Dims[1]);
        return AddDense(n, x, units, inputs, ImportedWeights.Transpose(w.Floats!, inputs, units), $"{n.Proto.Input[1]} [{inputs}, {units}], transposed", null, null);
    }

    private object Gemm(Node n)
    {
        SeqValue x = n.Seq(0);
        ConstTensor w = n.Const(1, "weight B");
        ConstTensor? c = n.OptionalConst(2, "bias C");
        StartLayer(n, x, "Gemm");
        if (n.Int("transA", 0) != 0) throw n.Error("transA = 1 transposes the sequence.");
        if (x.Rank != 2) throw n.Error($"its input is {x.Describe()}; Gemm reads a matrix [rows, features].");
        if (w.Rank != 2 || !w.IsFloat) throw n.Error($"its weight is [{string.Join(", ", w.Dims)}], not a float matrix.");
        bool transB = n.Int("transB", 0) != 0;
        float alpha = n.Float("alpha", 1f), beta = n.Float("beta", 1f);
        int inputs = checked((int)(transB ? w.Dims[1] : w.Dims[0])), units = checked((int)(transB ? w.Dims[0] : w.Dims[1]));
        if (inputs != x.Sizes[^1]) throw n.Error($"its weight is [{string.Join(", ", w.Dims)}]{(transB ? " (transB)" : "")} but its input has {x.Sizes[^1]} features.");
        float[] weight = transB ? [.. w.Floats!] : ImportedWeights.Transpose(w.Floats!, inputs, units);
        if (alpha != 1f) for (int i = 0; i < weight.Length; i++) weight[i] *= alpha;
        float[]? bias = null;
        if (c is not null)
        {
            if (!c.IsFloat) throw n.Error("its bias C is not float.");
            if (c.Length == units && (c.Rank == 1 || c.Dims[^1] == units)) bias = [.. c.Floats!];
            else if (c.Length == 1) { bias = new float[units]; Array.Fill(bias, c.Floats![0]); }
            else throw n.Error($"its bias C is [{string.Join(", ", c.Dims)}]; RnnGen needs one bias per unit ({units}).");
            if (beta != 1f) for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
        }
        string source = $"{n.Proto.Input[1]} [{w.Dims[0]}, {w.Dims[1]}]{(transB ? "" : ", transposed")}{(alpha != 1f ? $", × alpha {alpha}" : "")}";
        return AddDense(n, x, units, inputs, weight, source, bias, c is null ? null : $"{n.Proto.Input[2]}{(beta != 1f ? $", × beta {beta}" : "")}");
    }

    private SeqValue AddDense(Node n, SeqValue x, int units, int inputs, float[] weight, string weightSource, float[]? bias, string? biasSource)
    {
        LayerSpec spec = Guard(n, () => LayerSpec.Dense(units));
        var layer = new LayerBuild(spec) { NodeName = n.Name };
        layer.Tensors["weight"] = (PadColumns(weight, units, inputs, x.PadLeft), weightSource + (x.PadLeft > 0 ? $", {x.PadLeft} zero columns for the unused forward half" : ""));
        if (bias is not null) layer.Tensors["bias"] = (bias, biasSource!);
        else { layer.Tensors["bias"] = (new float[units], "zero (no bias Add)"); layer.BiasOpen = true; }
        _layers.Add(layer);
        long[] sizes = [.. x.Sizes];
        sizes[^1] = units;
        return x with { Sizes = sizes, Depth = _layers.Count, PadLeft = 0 };
    }

    private object Activate(Node n, Activation activation)
    {
        object v = n.In(0);
        if (v is ConstTensor) throw n.Error("it applies to a constant; RnnGen folds no float arithmetic.");
        var seq = (SeqValue)v;
        LayerBuild? last = _layers.Count > 0 ? _layers[^1] : null;
        if (last is null || last.Spec.Kind != LayerKind.Dense || last.Spec.Activation != Activation.Identity || seq.Depth != _layers.Count)
            throw n.Error($"{n.Op} must follow a MatMul (+ Add) or Gemm: RnnGen applies activations in Dense layers.");
        last.Spec = last.Spec with { Activation = activation };
        last.BiasOpen = false;
        return seq;
    }

    private object Softmax(Node n)
    {
        object v = n.In(0);
        if (v is SeqValue seq)
        {
            long axis = n.Int("axis", _opset >= 13 ? -1 : 1);
            int a = NormalizeAxis(axis, seq.Rank, n);
            // Before opset 13 Softmax flattens from its axis on: the same as the last axis when all after it are size 1.
            bool overLastAxis = a == seq.Rank - 1 || (_opset < 13 && Enumerable.Range(a, seq.Rank - 1 - a).All(d => seq.Sizes[d] == 1));
            if (!overLastAxis) throw n.Error($"it normalises over axis {axis} of {seq.Describe()}; RnnGen's Softmax is over the units of one step (the last axis).");
        }
        return Activate(n, Activation.Softmax);
    }

    // ---------------------------------------------------------------- recurrent layers

    private object?[] Recurrent(Node n, LayerKind kind)
    {
        SeqValue x = n.Seq(0);
        StartLayer(n, x, kind.ToString());
        if (x.Last) throw n.Error("it reads the last step only; a recurrent layer after the last step cannot be expressed.");
        if (_layoutHint is not null && x.Rank == 3 && x.Axes[0] == Axis.Batch && x.Axes[1] == Axis.Time)
            // The graph feeds the input's second dimension as time: the model is batch-first, but the import read the
            // first as time; say so rather than name axes the guess got wrong.
            throw n.Error($"it reads as time (layout 0) the dimension the import took for the batch: the model is batch-first.{_layoutHint}");
        if (x.Rank != 3 || x.Axes[0] != Axis.Time || x.Sizes[1] != 1)
            throw n.Error($"its input is {x.Describe()}; an ONNX {n.Op} (layout 0) reads [time, batch, features], and RnnGen runs batch 1.{_layoutHint}");
        if (n.Int("layout", 0) != 0) throw n.Error("attribute 'layout' = 1 (batch first) is not supported.");
        int gates = kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, _ => 1 };
        ConstTensor w = n.Const(1, "W");
        ConstTensor r = n.Const(2, "R");
        ConstTensor? b = n.OptionalConst(3, "B");
        if (n.Optional(4) is not null) throw n.Error("input 'sequence_lens' is not supported: RnnGen runs whole sequences.");
        string direction = n.String("direction") ?? "forward";
        int directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw n.Error($"attribute 'direction' = '{direction}' is not forward, reverse or bidirectional."),
        };
        long hiddenAttr = n.Int("hidden_size", 0);
        if (w.Rank != 3 || w.Dims[0] != directions || w.Dims[1] % gates != 0) throw n.Error($"its W is [{string.Join(", ", w.Dims)}], expected [{directions}, {gates}·hidden, input].");
        int hidden = checked((int)(w.Dims[1] / gates));
        if (hiddenAttr != 0 && hiddenAttr != hidden) throw n.Error($"attribute 'hidden_size' = {hiddenAttr}, but W is [{string.Join(", ", w.Dims)}].");
        if (hidden < 1) throw n.Error("hidden_size is 0.");
        int input = checked((int)w.Dims[2]);
        if (input != x.Sizes[^1]) throw n.Error($"its W is [{string.Join(", ", w.Dims)}] but its input has {x.Sizes[^1]} features.");
        if (r.Rank != 3 || r.Dims[0] != directions || r.Dims[1] != gates * hidden || r.Dims[2] != hidden) throw n.Error($"its R is [{string.Join(", ", r.Dims)}], expected [{directions}, {gates * hidden}, {hidden}].");
        if (b is not null && (b.Rank != 2 || b.Dims[0] != directions || b.Dims[1] != 2L * gates * hidden)) throw n.Error($"its B is [{string.Join(", ", b.Dims)}], expected [{directions}, {2 * gates * hidden}].");
        if (!w.IsFloat || !r.IsFloat || b is { IsFloat: false }) throw n.Error("its weights are not float.");
        if (n.Attr("clip") is not null) throw n.Error("attribute 'clip' (cell clipping) has no RnnGen equivalent.");
        if (n.Attr("activation_alpha") is not null || n.Attr("activation_beta") is not null) throw n.Error("attributes 'activation_alpha' / 'activation_beta' have no RnnGen equivalent.");
        Activation activation = Activation.Tanh;
        string[]? acts = n.Attr("activations") is { } actsAttr ? [.. actsAttr.Strings.Select(s => s.ToStringUtf8())] : null;
        string[] defaults = kind switch { LayerKind.Lstm => ["Sigmoid", "Tanh", "Tanh"], LayerKind.Gru => ["Sigmoid", "Tanh"], _ => ["Tanh"] };
        if (acts is not null)
        {
            if (acts.Length != defaults.Length * directions) throw n.Error($"attribute 'activations' has {acts.Length} entries; {kind} with {directions} direction(s) needs {defaults.Length * directions}.");
            if (kind == LayerKind.Rnn)
            {
                if (acts.Distinct(StringComparer.OrdinalIgnoreCase).Count() != 1) throw n.Error($"attribute 'activations' = [{string.Join(", ", acts)}]: RnnGen's directions share one activation.");
                activation = acts[0].ToLowerInvariant() switch
                {
                    "tanh" => Activation.Tanh,
                    "relu" => Activation.Relu,
                    _ => throw n.Error($"attribute 'activations' = [{string.Join(", ", acts)}]: RnnGen's RNN layer is Tanh or Relu."),
                };
            }
            else
            {
                for (int i = 0; i < acts.Length; i++)
                    if (!string.Equals(acts[i], defaults[i % defaults.Length], StringComparison.OrdinalIgnoreCase))
                        throw n.Error($"attribute 'activations' = [{string.Join(", ", acts)}]: RnnGen's {kind} uses [{string.Join(", ", defaults)}].");
            }
        }
        bool resetAfter = true;
        if (kind == LayerKind.Gru)
        {
            long lbr = n.Int("linear_before_reset", 0);
            if (lbr == 0) resetAfter = false;
        }
        if (kind == LayerKind.Lstm && n.Int("input_forget", 0) != 0) throw n.Error("attribute 'input_forget' = 1 (coupled input and forget gates) has no RnnGen equivalent.");
        ConstTensor? p = kind == LayerKind.Lstm ? n.OptionalConst(7, "P (peepholes)") : null;
        if (p is not null && (p.Rank != 2 || p.Dims[0] != directions || p.Dims[1] != 3L * hidden || !p.IsFloat)) throw n.Error($"its P is [{string.Join(", ", p.Dims)}], expected [{directions}, {3 * hidden}].");
        // A parameter (an initializer) counts even when zero; a computed constant (torch's zero state) only when not.
        bool peepholes = p is not null && (IsInitializer(n, 7) || p.Floats!.Any(v => v != 0f));
        float[]? h0 = InitialState(n, 5, "initial_h", directions, hidden, IsInitializer(n, 5));
        float[]? c0 = kind == LayerKind.Lstm ? InitialState(n, 6, "initial_c", directions, hidden, IsInitializer(n, 6)) : null;
        bool learnInitial = h0 is not null || c0 is not null;

        bool reverseOnly = direction == "reverse";
        int rnnDirections = reverseOnly ? 2 : directions;
        LayerSpec spec = kind switch
        {
            LayerKind.Lstm => LayerSpec.Lstm(hidden, rnnDirections == 2, peepholes),
            LayerKind.Gru => LayerSpec.Gru(hidden, rnnDirections == 2),
            _ => LayerSpec.Rnn(hidden, activation, rnnDirections == 2),
        };
        spec = spec with { LearnInitialState = learnInitial };
        // linear_before_reset = 0 (ONNX's default): the reset gate multiplies h before the recurrent product.
        if (!resetAfter) spec = spec with { ResetAfter = false };
        spec = Guard(n, () => new NetworkSpec(input + x.PadLeft, [spec], 2).Layers[0]);
        var layer = new LayerBuild(spec) { NodeName = n.Name, ReverseOnly = reverseOnly };
        if (reverseOnly)
            _notes.Add($"node '{n.Name}' runs in reverse only, which RnnGen has no layer for: it is imported as a bidirectional {kind}({hidden}) whose forward half has zero weights and "
                + "is ignored by the next layer, so the same outputs cost about twice the computation of the reverse direction alone.");
        int[] order = kind switch { LayerKind.Lstm => [0, 2, 3, 1], LayerKind.Gru => [1, 0, 2], _ => [0] };
        string gateNote = kind switch { LayerKind.Lstm => ", gates i,o,f,c → i,f,g,o", LayerKind.Gru => ", gates z,r,h → r,z,n", _ => "" };
        int blockIh = hidden * input, blockHh = hidden * hidden;
        int width = input + x.PadLeft;
        for (int k = 0; k < rnnDirections; k++)
        {
            string suffix = k == 0 ? "" : "_reverse";
            if (reverseOnly && k == 0)
            {
                // The forward half of a reverse-only layer: zero weights, its outputs ignored by the next layer.
                layer.Tensors["weight_ih_l0"] = (new float[gates * hidden * width], "zero (forward half of a reverse-only layer)");
                layer.Tensors["weight_hh_l0"] = (new float[gates * blockHh], "zero (forward half of a reverse-only layer)");
                layer.Tensors["bias_ih_l0"] = (new float[gates * hidden], "zero (forward half of a reverse-only layer)");
                layer.Tensors["bias_hh_l0"] = (new float[gates * hidden], "zero (forward half of a reverse-only layer)");
                if (peepholes) layer.Tensors["weight_peephole_l0"] = (new float[3 * hidden], "zero (forward half of a reverse-only layer)");
                if (learnInitial)
                {
                    layer.Tensors["initial_h_l0"] = (new float[hidden], "zero (forward half of a reverse-only layer)");
                    if (kind == LayerKind.Lstm) layer.Tensors["initial_c_l0"] = (new float[hidden], "zero (forward half of a reverse-only layer)");
                }
                continue;
            }
            int d = reverseOnly ? 0 : k;
            string at = directions == 2 ? $"[{d}]" : "";
            float[] wih = ImportedWeights.ReorderBlocks(w.Floats.AsSpan(d * gates * blockIh, gates * blockIh), blockIh, order);
            layer.Tensors[$"weight_ih_l0{suffix}"] = (PadColumns(wih, gates * hidden, input, x.PadLeft), $"{n.Proto.Input[1]}{at} [{gates * hidden}, {input}]{gateNote}{(x.PadLeft > 0 ? $", {x.PadLeft} zero columns" : "")}");
            layer.Tensors[$"weight_hh_l0{suffix}"] = (ImportedWeights.ReorderBlocks(r.Floats.AsSpan(d * gates * blockHh, gates * blockHh), blockHh, order), $"{n.Proto.Input[2]}{at} [{gates * hidden}, {hidden}]{gateNote}");
            if (b is not null)
            {
                ReadOnlySpan<float> bias = b.Floats.AsSpan(d * 2 * gates * hidden, 2 * gates * hidden);
                layer.Tensors[$"bias_ih_l0{suffix}"] = (ImportedWeights.ReorderBlocks(bias[..(gates * hidden)], hidden, order), $"{n.Proto.Input[3]}{at}[0:{gates * hidden}] (Wb){gateNote}");
                layer.Tensors[$"bias_hh_l0{suffix}"] = (ImportedWeights.ReorderBlocks(bias[(gates * hidden)..], hidden, order), $"{n.Proto.Input[3]}{at}[{gates * hidden}:] (Rb){gateNote}");
            }
            else
            {
                layer.Tensors[$"bias_ih_l0{suffix}"] = (new float[gates * hidden], "zero (no B)");
                layer.Tensors[$"bias_hh_l0{suffix}"] = (new float[gates * hidden], "zero (no B)");
            }
            if (peepholes) layer.Tensors[$"weight_peephole_l0{suffix}"] = (p!.Floats.AsSpan(d * 3 * hidden, 3 * hidden).ToArray(), $"{n.Proto.Input[7]}{at} [3, {hidden}] (rows i, o, f)");
            if (learnInitial)
            {
                layer.Tensors[$"initial_h_l0{suffix}"] = h0 is null ? (new float[hidden], "zero (no initial_h)") : (h0.AsSpan(d * hidden, hidden).ToArray(), $"{n.Proto.Input[5]}{at}");
                if (kind == LayerKind.Lstm)
                    layer.Tensors[$"initial_c_l0{suffix}"] = c0 is null ? (new float[hidden], "zero (no initial_c)") : (c0.AsSpan(d * hidden, hidden).ToArray(), $"{n.Proto.Input[6]}{at}");
            }
        }
        _layers.Add(layer);
        int depth = _layers.Count;
        int pad = reverseOnly ? hidden : 0;
        var y = new SeqValue([Axis.Time, Axis.Direction, Axis.Batch, Axis.Feature], [x.Sizes[0], directions, 1, hidden], depth, false, PadLeft: pad);
        object yh = directions == 1 && direction == "forward"
            ? new SeqValue([Axis.Direction, Axis.Batch, Axis.Feature], [1, 1, hidden], depth, true, LastHidden: true)
            : new Unusable($"Y_h of the {direction} node '{n.Name}' is not the last step's output; take the output Y instead.");
        object yc = new Unusable($"Y_c (the cell state) of node '{n.Name}' is not an output RnnGen layers give.");
        return kind == LayerKind.Lstm ? [y, yh, yc] : [y, yh];
    }

    /// <summary>Reads initial_h / initial_c: null when absent or all zero; a constant [D, B, H] whose batch rows agree.</summary>
    private bool IsInitializer(Node n, int index) => index < n.Proto.Input.Count && _initializers.Contains(n.Proto.Input[index]);

    private static float[]? InitialState(Node n, int index, string what, int directions, int hidden, bool parameter)
    {
        if (n.Optional(index) is null) return null;
        object v = n.In(index);
        if (v is SeqValue) throw n.Error($"its {what} is computed from the model's input; RnnGen reads only a constant initial state (an initializer or Constant).");
        var c = (ConstTensor)v;
        if (c.Rank != 3 || c.Dims[0] != directions || c.Dims[2] != hidden || c.Dims[1] < 1 || !c.IsFloat)
            throw n.Error($"its {what} is [{string.Join(", ", c.Dims)}], expected [{directions}, batch, {hidden}].");
        float[] values = c.Floats!;
        int batch = (int)c.Dims[1];
        var result = new float[directions * hidden];
        for (int d = 0; d < directions; d++)
            for (int j = 0; j < hidden; j++)
            {
                float first = values[(d * batch) * hidden + j];
                for (int b = 1; b < batch; b++)
                    if (values[(d * batch + b) * hidden + j] != first) throw n.Error($"its {what} differs between batch entries; RnnGen has one initial state per layer.");
                result[d * hidden + j] = first;
            }
        return !parameter && result.All(f => f == 0f) ? null : result;
    }

}
