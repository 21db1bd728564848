using System.Collections;
using RnnGen.Geometry;

namespace RnnGen;

/// <summary>
/// One named tensor inside a network's flat parameter buffer. <see cref="Name"/> is the PyTorch
/// <c>state_dict</c> key (<c>layers.{i}.weight_ih_l0</c>, …); rows are contiguous (row-major, like PyTorch).
/// </summary>
/// <param name="Name">PyTorch state_dict key, e.g. <c>layers.0.weight_hh_l0_reverse</c>.</param>
/// <param name="Layer">Index of the declared layer that owns it.</param>
/// <param name="Offset">First float of the tensor in the flat buffer.</param>
/// <param name="Rows">First dimension.</param>
/// <param name="Columns">Second dimension, or 0 for a vector.</param>
public readonly record struct ParameterTensor(string Name, int Layer, int Offset, int Rows, int Columns)
{
    /// <summary>Number of floats.</summary>
    public int Length => Columns == 0 ? Rows : Rows * Columns;

    /// <summary>The shape as PyTorch reports it: [Rows] or [Rows, Columns].</summary>
    public int[] Shape => Columns == 0 ? [Rows] : [Rows, Columns];

    /// <summary>The shape as text, e.g. <c>[128, 32]</c>.</summary>
    public string ShapeText => Columns == 0 ? $"[{Rows}]" : $"[{Rows}, {Columns}]";
}
