namespace RnnGen.Geometry;

/// <summary>A tensor at its place in a network's flat parameter buffer.</summary>
internal readonly struct PlacedTensor
{
    public PlacedTensor(string name, int layer, int direction, TensorGeometry tensor, int offset)
    {
        Name = name;
        Layer = layer;
        Direction = direction;
        Tensor = tensor;
        Offset = offset;
    }

    /// <summary>The PyTorch <c>state_dict</c> key, e.g. <c>layers.0.weight_hh_l0_reverse</c>.</summary>
    public string Name { get; }

    /// <summary>Index of the declared layer that owns it.</summary>
    public int Layer { get; }

    /// <summary>0 (forward, or a layer without directions) or 1 (reverse).</summary>
    public int Direction { get; }

    /// <summary>Role, shape and offset inside its direction's block.</summary>
    public TensorGeometry Tensor { get; }

    /// <summary>First float in the network's flat parameter buffer.</summary>
    public int Offset { get; }

    public int Rows => Tensor.Rows;

    public int Columns => Tensor.Columns;
}
