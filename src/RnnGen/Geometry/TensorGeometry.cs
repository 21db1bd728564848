using System;

namespace RnnGen.Geometry;

/// <summary>
/// One parameter tensor of one direction of a layer (or of the whole layer, for Embedding and Dense): its role,
/// PyTorch name stem, shape and offset from the first float of that direction's block. Rows are contiguous
/// (row-major, like PyTorch).
/// </summary>
internal readonly struct TensorGeometry : IEquatable<TensorGeometry>
{
    public TensorGeometry(TensorRole role, int rows, int columns, int offset)
    {
        Role = role;
        Rows = rows;
        Columns = columns;
        Offset = offset;
    }

    /// <summary>What the tensor is for.</summary>
    public TensorRole Role { get; }

    /// <summary>First dimension.</summary>
    public int Rows { get; }

    /// <summary>Second dimension, or 0 for a vector.</summary>
    public int Columns { get; }

    /// <summary>First float, counted from the start of its direction's block (recurrent) or of its layer's block.</summary>
    public int Offset { get; }

    /// <summary>Number of floats (long: a layer that fails the size rules may not fit an int).</summary>
    public long Length => Columns == 0 ? Rows : (long)Rows * Columns;

    /// <summary>The PyTorch name stem: <c>weight</c>, <c>bias</c>, <c>weight_ih</c>, …, <c>leak</c>.</summary>
    public string BaseName => BaseNameOf(Role);

    /// <summary>The shape as PyTorch reports it: [Rows] or [Rows, Columns].</summary>
    public int[] Shape => Columns == 0 ? new[] { Rows } : new[] { Rows, Columns };

    /// <summary>The shape as text, e.g. <c>[128, 32]</c>.</summary>
    public string ShapeText => Columns == 0 ? $"[{Rows}]" : $"[{Rows}, {Columns}]";

    /// <summary>The PyTorch <c>state_dict</c> key of this tensor in layer <paramref name="layer"/>, direction
    /// <paramref name="direction"/> (0 forward, 1 reverse): <c>layers.1.weight_hh_l0_reverse</c>, <c>layers.2.bias</c>.</summary>
    public string Name(int layer, int direction, bool recurrent) =>
        "layers." + layer + "." + BaseName + (recurrent ? DirectionSuffix(direction) : "");

    /// <summary>PyTorch's suffix for one direction of a one-layer recurrent module: <c>_l0</c> or <c>_l0_reverse</c>.</summary>
    public static string DirectionSuffix(int direction) => direction == 0 ? "_l0" : "_l0_reverse";

    /// <summary>The PyTorch name stem of <paramref name="role"/>.</summary>
    public static string BaseNameOf(TensorRole role) => role switch
    {
        TensorRole.Weight => "weight",
        TensorRole.Bias => "bias",
        TensorRole.WeightIh => "weight_ih",
        TensorRole.WeightHh => "weight_hh",
        TensorRole.BiasIh => "bias_ih",
        TensorRole.BiasHh => "bias_hh",
        TensorRole.WeightSkip => "weight_skip",
        TensorRole.Leak => "leak",
        TensorRole.Peephole => "weight_peephole",
        TensorRole.Projection => "weight_hr",
        TensorRole.InitialH => "initial_h",
        TensorRole.InitialC => "initial_c",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <inheritdoc/>
    public bool Equals(TensorGeometry other) => Role == other.Role && Rows == other.Rows && Columns == other.Columns && Offset == other.Offset;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorGeometry other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (((int)Role * 397 ^ Rows) * 397 ^ Columns) * 397 ^ Offset;

    /// <inheritdoc/>
    public override string ToString() => BaseName + " " + ShapeText + " @" + Offset;
}
