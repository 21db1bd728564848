namespace RnnGen.Safetensors;

/// <summary>
/// Builds the <see cref="ImportedModel"/> of a file from another framework (ONNX, Keras, RTNeural, Neural Amp Modeler,
/// …): the <see cref="NetworkSpec"/> as the origin defines it, plus every parameter tensor converted to RnnGen's names
/// and layout (<see cref="NetworkSpec.ParameterLayout"/>), each with a note of where it came from, which
/// <c>rnngen import</c> prints.
/// </summary>
/// <remarks>
/// Readers call <see cref="Set"/> once per tensor, then <see cref="Build"/>, which refuses a model with any tensor never
/// set. The two helpers convert the usual foreign layouts: <see cref="Transpose"/> (Keras' <c>kernel</c> is
/// [in, gates·units], PyTorch's and RnnGen's <c>weight_ih</c> [gates·units, in]) and <see cref="ReorderBlocks"/>
/// (gate orders: ONNX LSTM i, o, f, c and GRU z, r, h against RnnGen's i, f, g, o and r, z, n).
/// </remarks>
public sealed class ImportedWeights
{
    private readonly float[] _parameters;
    private readonly bool[] _set;
    private readonly string?[] _sources;

    /// <summary>Starts a model of <paramref name="spec"/> with no tensor set.</summary>
    public ImportedWeights(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        _parameters = new float[spec.ParameterCount];
        _set = new bool[spec.ParameterLayout.Count];
        _sources = new string?[spec.ParameterLayout.Count];
    }

    /// <summary>The network being imported.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>
    /// Sets the RnnGen tensor <paramref name="name"/> (<c>layers.0.weight_ih_l0</c>, …) to <paramref name="values"/>,
    /// already in RnnGen's layout, and records <paramref name="source"/> (what it came from and how it was converted,
    /// e.g. <c>lstm_1/kernel, transposed</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">The network has no such tensor, or <paramref name="values"/> has another
    /// length; the message names the tensor, its shape and both lengths.</exception>
    public void Set(string name, ReadOnlySpan<float> values, string source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        int index = IndexOf(name);
        ParameterTensor t = Spec.ParameterLayout[index];
        if (values.Length != t.Length)
            throw new InvalidDataException($"{source}: {values.Length} values for {name} {t.ShapeText}, which has {t.Length}.");
        values.CopyTo(_parameters.AsSpan(t.Offset, t.Length));
        _set[index] = true;
        _sources[index] = source;
    }

    /// <summary>Whether <paramref name="name"/> has been set.</summary>
    public bool IsSet(string name) => _set[IndexOf(name)];

    /// <summary>The model: <see cref="Spec"/>, the parameters, and one <see cref="ImportedModel.Mapped"/> line per
    /// tensor; <paramref name="notes"/> become <see cref="ImportedModel.Notes"/>.</summary>
    /// <exception cref="InvalidDataException">A tensor was never set; the message names every such tensor.</exception>
    public ImportedModel Build(IEnumerable<string>? notes = null)
    {
        ParameterLayout layout = Spec.ParameterLayout;
        var missing = Enumerable.Range(0, layout.Count).Where(i => !_set[i]).Select(i => $"{layout[i].Name} {layout[i].ShapeText}").ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"the file gives no values for {string.Join(", ", missing)} of {Spec}.");
        var mapped = Enumerable.Range(0, layout.Count).Select(i => $"{layout[i].Name} {layout[i].ShapeText} ← {_sources[i]}").ToList();
        var names = layout.ToDictionary(t => t.Name, t => t.Name, StringComparer.Ordinal);
        return new ImportedModel(Spec.InputSize, Spec.Layers, names, notes?.ToList() ?? [])
        {
            Spec = Spec,
            Parameters = (float[])_parameters.Clone(),
            Mapped = mapped,
        };
    }

    /// <summary>The [<paramref name="cols"/>, <paramref name="rows"/>] row-major transpose of the
    /// [<paramref name="rows"/>, <paramref name="cols"/>] row-major <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold rows × cols floats.</exception>
    public static float[] Transpose(ReadOnlySpan<float> source, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if ((long)rows * cols != source.Length)
            throw new ArgumentException($"expected {rows} × {cols} = {(long)rows * cols} values, got {source.Length}.", nameof(source));
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = source[r * cols + c];
        return result;
    }

    /// <summary>
    /// Splits <paramref name="source"/> into blocks of <paramref name="blockLength"/> floats and returns them in the order
    /// <paramref name="order"/> gives: block k of the result is block <c>order[k]</c> of the source. For an ONNX LSTM
    /// (gates i, o, f, c) to RnnGen's i, f, g, o: <c>ReorderBlocks(w, hidden * columns, 0, 2, 3, 1)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The source is not <c>order.Length</c> blocks, or <paramref name="order"/> is not
    /// a permutation.</exception>
    public static float[] ReorderBlocks(ReadOnlySpan<float> source, int blockLength, params int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        if ((long)blockLength * order.Length != source.Length)
            throw new ArgumentException($"expected {order.Length} blocks of {blockLength} = {(long)blockLength * order.Length} values, got {source.Length}.", nameof(source));
        if (order.Distinct().Count() != order.Length || order.Any(k => k < 0 || k >= order.Length))
            throw new ArgumentException($"[{string.Join(", ", order)}] is not a permutation of 0…{order.Length - 1}.", nameof(order));
        var result = new float[source.Length];
        for (int k = 0; k < order.Length; k++)
            source.Slice(order[k] * blockLength, blockLength).CopyTo(result.AsSpan(k * blockLength, blockLength));
        return result;
    }

    private int IndexOf(string name)
    {
        ParameterLayout layout = Spec.ParameterLayout;
        for (int i = 0; i < layout.Count; i++)
            if (layout[i].Name == name) return i;
        throw new InvalidDataException($"{Spec} has no tensor {name}; its tensors are {string.Join(", ", layout.Select(t => t.Name))}.");
    }
}
