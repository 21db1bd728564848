using System.Collections.Generic;

namespace RnnGen.Geometry;

/// <summary>
/// The sizes of one layer given its input width: gate blocks, state, and the tensors of each direction with their
/// PyTorch names, shapes and offsets (PyTorch's <c>state_dict</c> order, packed without padding). Every direction of
/// a recurrent layer has the same tensors; direction d's block starts at <see cref="DirectionOffset"/>(d) from the
/// layer's first parameter.
/// <list type="bullet">
/// <item>Embedding: <c>weight</c> [V, E].</item>
/// <item>Rnn / LSTM / GRU (G = 1 / 4 / 3 gate blocks, H hidden, I input width): <c>weight_ih</c> [G·H, I],
/// <c>weight_hh</c> [G·H, H], <c>bias_ih</c> [G·H], <c>bias_hh</c> [G·H]; an Rnn with a skip connection adds
/// <c>weight_skip</c> [H, H] (and has no <c>weight_hh</c> when the skip replaces the unit delay), one that learns its
/// leak <c>leak</c> [H]; a clockwork Rnn keeps <c>weight_hh</c> whole [H, H], the blocks it does not read held at zero;
/// an LSTM with peepholes adds <c>weight_peephole</c> [3, H] (rows i, o, f, ONNX's order). An LSTM with a projection of
/// width p has <c>weight_hh</c> [4·H, p] and adds <c>weight_hr</c> [p, H] after the biases (PyTorch's <c>proj_size</c>).
/// A layer that learns its initial state ends with <c>initial_h</c> [H] (and <c>initial_c</c> [H] for an LSTM).
/// Gate blocks are stacked i,f,g,o (LSTM) and r,z,n (GRU).</item>
/// <item>Dense: <c>weight</c> [U, I], <c>bias</c> [U].</item>
/// </list>
/// Counts are <c>long</c> so that a layer failing the size rules can still be measured; offsets are meaningful
/// once the network's parameter count is within <see cref="Limits.MaxParameterCount"/>.
/// </summary>
internal sealed class LayerGeometry
{
    private readonly TensorGeometry[] _tensors;

    private LayerGeometry(LayerDescription layer, int inputWidth)
    {
        Layer = layer;
        InputWidth = inputWidth;
        GateCount = GateCountOf(layer.Kind);
        StateWidthPerDirection = StateWidthOf(layer.Kind, layer.Size, layer.SkipDelay, layer.IsClockwork, layer.ProjectionSize);
        int h = layer.Size, r = layer.HiddenWidth;

        var tensors = new List<TensorGeometry>();
        long offset = 0;
        void Add(TensorRole role, int rows, int columns)
        {
            var t = new TensorGeometry(role, rows, columns, unchecked((int)offset));
            tensors.Add(t);
            offset += t.Length;
        }
        switch (layer.Kind)
        {
            case LayerKind.Embedding:
                Add(TensorRole.Weight, layer.Vocabulary, h);
                break;
            case LayerKind.Dense:
                Add(TensorRole.Weight, h, inputWidth);
                Add(TensorRole.Bias, h, 0);
                break;
            default:
                int gh = GateCount * h;
                Add(TensorRole.WeightIh, gh, inputWidth);
                if (!layer.HasNoUnitDelay) Add(TensorRole.WeightHh, gh, r);   // a clockwork layer keeps it whole, the blocks it does not read held at zero
                Add(TensorRole.BiasIh, gh, 0);
                Add(TensorRole.BiasHh, gh, 0);
                if (layer.SkipDelay > 0) Add(TensorRole.WeightSkip, h, h);
                if (layer.LearnLeak) Add(TensorRole.Leak, h, 0);
                if (layer.Peepholes) Add(TensorRole.Peephole, 3, h);
                if (layer.ProjectionSize > 0) Add(TensorRole.Projection, layer.ProjectionSize, h);
                if (layer.LearnInitialState)
                {
                    Add(TensorRole.InitialH, h, 0);
                    if (layer.Kind == LayerKind.Lstm) Add(TensorRole.InitialC, h, 0);
                }
                break;
        }
        _tensors = tensors.ToArray();
        ParametersPerDirection = offset;
    }

    /// <summary>The geometry of <paramref name="layer"/> fed <paramref name="inputWidth"/> floats per step.</summary>
    public static LayerGeometry Of(LayerDescription layer, int inputWidth) => new(layer, inputWidth);

    /// <summary>True for Rnn, LSTM and GRU.</summary>
    public static bool IsRecurrentKind(LayerKind kind) => kind is LayerKind.Rnn or LayerKind.Lstm or LayerKind.Gru;

    /// <summary>1, or 2 for a bidirectional recurrent layer.</summary>
    public static int DirectionsOf(LayerKind kind, bool bidirectional) => IsRecurrentKind(kind) && bidirectional ? 2 : 1;

    /// <summary>G for a layer kind: 1 (Rnn), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n), 0 (Embedding, Dense).</summary>
    public static int GateCountOf(LayerKind kind) => kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, LayerKind.Rnn => 1, _ => 0 };

    /// <summary>The width of h per direction: the projection p of an LSTM that has one (p &gt; 0), else the size.</summary>
    public static int HiddenWidthOf(LayerKind kind, int size, int projectionSize) =>
        kind == LayerKind.Lstm && projectionSize > 0 ? projectionSize : size;

    /// <summary>State floats per direction: 2·H (LSTM: h and c; p + H with a projection p), H (GRU), d·H (Rnn with skip
    /// delay d ≥ 2), H + 1 (clockwork Rnn: h, then the step counter modulo the clock cycle), H (other Rnn), 0 otherwise.</summary>
    public static int StateWidthOf(LayerKind kind, int size, int skipDelay, bool clockwork = false, int projectionSize = 0) => kind switch
    {
        LayerKind.Lstm => HiddenWidthOf(kind, size, projectionSize) + size,
        LayerKind.Gru => size,
        LayerKind.Rnn => clockwork ? size + 1 : skipDelay > 1 ? size * skipDelay : size,
        _ => 0,
    };

    /// <summary>The layer measured.</summary>
    public LayerDescription Layer { get; }

    public LayerKind Kind => Layer.Kind;

    /// <summary>Floats fed to the layer per step (I).</summary>
    public int InputWidth { get; }

    /// <summary>H: hidden units per direction (recurrent), units (Dense), width (Embedding).</summary>
    public int Size => Layer.Size;

    /// <summary>1 or 2 (bidirectional).</summary>
    public int Directions => Layer.Directions;

    /// <summary>R: the width of h per direction (the projection p of a projected LSTM, else H).</summary>
    public int HiddenWidth => Layer.HiddenWidth;

    /// <summary>Floats emitted per step.</summary>
    public int OutputWidth => Layer.OutputWidth;

    /// <summary>G, the gate blocks stacked in the recurrent weights: 1 (Rnn), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n), 0 otherwise.</summary>
    public int GateCount { get; }

    /// <summary>G·H, the rows of <c>weight_ih</c> and <c>weight_hh</c>.</summary>
    public int GateRows => GateCount * Size;

    /// <summary>Recurrent state floats per direction: h, plus c (LSTM), or the last d hidden states (Rnn with skip delay d).</summary>
    public int StateWidthPerDirection { get; }

    /// <summary>Recurrent state floats of the whole layer.</summary>
    public int StateWidth => StateWidthPerDirection * Directions;

    /// <summary>Parameters of one direction (recurrent) or of the layer (Embedding, Dense).</summary>
    public long ParametersPerDirection { get; }

    /// <summary>Parameters of the whole layer.</summary>
    public long ParameterCount => ParametersPerDirection * Directions;

    /// <summary>The tensors of one direction (every direction has the same), offsets from the direction's first float.</summary>
    public IReadOnlyList<TensorGeometry> Tensors => _tensors;

    /// <summary>Whether the layer has a tensor of <paramref name="role"/>.</summary>
    public bool Has(TensorRole role) => IndexOf(role) >= 0;

    /// <summary>The tensor of <paramref name="role"/>; throws when the layer has none.</summary>
    public TensorGeometry this[TensorRole role]
    {
        get
        {
            int i = IndexOf(role);
            return i >= 0 ? _tensors[i] : throw new KeyNotFoundException($"A {Kind} layer has no {TensorGeometry.BaseNameOf(role)} tensor.");
        }
    }

    /// <summary>First float of direction <paramref name="direction"/>'s block, from the layer's first parameter.</summary>
    public int DirectionOffset(int direction) => unchecked((int)(direction * ParametersPerDirection));

    /// <summary>The PyTorch key of <paramref name="tensor"/> in layer <paramref name="layer"/>, direction <paramref name="direction"/>.</summary>
    public string TensorName(int layer, TensorGeometry tensor, int direction) => tensor.Name(layer, direction, Layer.IsRecurrent);

    private int IndexOf(TensorRole role)
    {
        for (int i = 0; i < _tensors.Length; i++) if (_tensors[i].Role == role) return i;
        return -1;
    }
}
