using System.Collections;
using RnnGen.Geometry;

namespace RnnGen;

/// <summary>
/// The flat parameter layout of a network: tensors in declaration order, each layer's tensors in PyTorch's
/// <c>state_dict</c> order, packed without padding.
/// <list type="bullet">
/// <item>Embedding: <c>weight</c> [V, E].</item>
/// <item>Rnn / LSTM / GRU (G = 1 / 4 / 3 gate blocks, H hidden, I input width): <c>weight_ih_l0</c> [G·H, I],
/// <c>weight_hh_l0</c> [G·H, H], <c>bias_ih_l0</c> [G·H], <c>bias_hh_l0</c> [G·H]; then the same with the
/// suffix <c>_reverse</c> when bidirectional. Gate blocks are stacked i,f,g,o (LSTM) and r,z,n (GRU). An LSTM with
/// peepholes has <c>weight_peephole_l0</c> [3, H] after <c>bias_hh_l0</c> (rows p_i, p_o, p_f, ONNX's order).</item>
/// <item>Dense: <c>weight</c> [U, I], <c>bias</c> [U].</item>
/// </list>
/// </summary>
public sealed class ParameterLayout : IReadOnlyList<ParameterTensor>
{
    private readonly ParameterTensor[] _tensors;
    private readonly Dictionary<string, int> _byName;

    internal ParameterLayout(NetworkSpec spec)
    {
        NetworkGeometry geometry = spec.Geometry;
        var list = new List<ParameterTensor>();
        foreach (PlacedTensor t in geometry.Tensors())
            list.Add(new ParameterTensor(t.Name, t.Layer, t.Offset, t.Rows, t.Columns));
        _tensors = [.. list];
        ParameterCount = checked((int)geometry.ParameterCount);
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _tensors.Length; i++) _byName.Add(_tensors[i].Name, i);
    }

    /// <summary>Total floats in the flat buffer.</summary>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public int Count => _tensors.Length;

    /// <inheritdoc/>
    public ParameterTensor this[int index] => _tensors[index];

    /// <summary>The tensor with PyTorch name <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists the names.</exception>
    public ParameterTensor this[string name] => TryGet(name, out ParameterTensor t)
        ? t
        : throw new KeyNotFoundException($"No parameter tensor is named '{name}'. Names: {string.Join(", ", _tensors.Select(x => x.Name))}.");

    /// <summary>Looks up a tensor by PyTorch name.</summary>
    public bool TryGet(string name, out ParameterTensor tensor)
    {
        if (_byName.TryGetValue(name, out int i)) { tensor = _tensors[i]; return true; }
        tensor = default;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<ParameterTensor> GetEnumerator() => ((IEnumerable<ParameterTensor>)_tensors).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _tensors.GetEnumerator();
}
