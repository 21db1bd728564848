namespace RnnGen.Generators.Planning;

/// <summary>The shape of a layer's specialised streaming kernel.</summary>
internal enum StreamForm
{
    /// <summary>A recurrent cell: unit blocks of <c>Lanes</c> units, each with one accumulator per gate slot, the
    /// columns of x then of h broadcast into them, the cell's element-wise step on the accumulators in registers.</summary>
    Recurrent,

    /// <summary>A Dense layer with a multiple of <c>Lanes</c> outputs: blocks of output rows in vectors, the input's
    /// columns broadcast into them.</summary>
    DenseRows,

    /// <summary>A Dense layer with a few outputs: one dot product per output row over vectors of the input, then a
    /// horizontal sum.</summary>
    DenseDots,
}
