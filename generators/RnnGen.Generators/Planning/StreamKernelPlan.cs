using RnnGen.Generators.Model;

namespace RnnGen.Generators.Planning;

/// <summary>
/// How one layer's streaming step is written for one instruction-set tier, chosen from its exact shape by
/// <see cref="StreamPlanner"/>: vector width, blocks per register pass, partial-sum chains, how many streams share one
/// load of each weight vector, and which column loops are unrolled. Immutable, with value equality.
/// </summary>
internal sealed record StreamKernelPlan
{
    /// <summary>512 (Vector512 accelerated: 32 vector registers) or 256 (Vector256 only: 16 registers).</summary>
    public int Tier { get; init; }

    public StreamForm Form { get; init; }

    /// <summary>Floats per vector: 16 (Vector512) or 8 (Vector256).</summary>
    public int Lanes { get; init; }

    /// <summary>Accumulators per block: LSTM 4 (i, f, g, o), GRU 4 (r, z, n's input part, n's hidden part), Elman 1,
    /// Dense 1.</summary>
    public int Slots { get; init; }

    /// <summary>Accumulators each column feeds per block (GRU: 3 of its 4; the others: all).</summary>
    public int ColumnSlots { get; init; } = 1;

    /// <summary>Unit blocks (Recurrent: H / Lanes), row blocks (DenseRows: out / Lanes) or rows (DenseDots: out).</summary>
    public int Blocks { get; init; }

    /// <summary>Blocks held in registers at once by the one-stream kernel; the rest follow in further passes.</summary>
    public int BlocksPerPass { get; init; }

    /// <summary>Independent partial sums per accumulator (column c goes to chain c mod Chains; chain 0 starts from the
    /// bias; the chains are added pairwise at the end). The same in the one-stream and the many-stream kernel, so both
    /// give the same bits.</summary>
    public int Chains { get; init; }

    /// <summary>Streams whose accumulators share each weight vector loaded by the many-stream kernel (one block each).</summary>
    public int StreamTile { get; init; }

    /// <summary>Columns of the input (x) and, for a recurrent cell, of the hidden state (h).</summary>
    public int InputColumns { get; init; }
    public int HiddenColumns { get; init; }

    /// <summary>A Dense layer's outputs (its row blocks cover them, the last one padded with zero rows when they are
    /// not a multiple of Lanes).</summary>
    public int Outputs { get; init; }

    /// <summary>The column loops are written out in full (few columns); otherwise they stay loops of Chains columns.</summary>
    public bool Unrolled { get; init; }

    public string Vector => Lanes == 16 ? "Vector512" : "Vector256";

    /// <summary>Accumulators the one-stream kernel keeps in registers.</summary>
    public int Accumulators => BlocksPerPass * Slots * Chains;

    /// <summary>Passes of the one-stream kernel over its blocks.</summary>
    public int Passes => (Blocks + BlocksPerPass - 1) / BlocksPerPass;

    /// <summary>The one-line plan written above the generated kernel.</summary>
    public string Summary => Form switch
    {
        StreamForm.Recurrent =>
            $"plan: {Vector}; {Blocks} unit block{S(Blocks)} of {Lanes}, {BlocksPerPass} per pass ({Passes} pass{(Passes == 1 ? "" : "es")}); " +
            $"{Accumulators} accumulators = {BlocksPerPass} × {Slots} slot{S(Slots)} × {Chains} chain{S(Chains)}; " +
            $"{InputColumns} x + {HiddenColumns} h columns{(Unrolled ? ", unrolled" : $", loops of {Chains}")}; bias starts chain 0; {StreamTile} stream{S(StreamTile)} per weight load",
        StreamForm.DenseRows =>
            $"plan: {Vector}; {Blocks} row block{S(Blocks)} of {Lanes}{(Outputs % Lanes == 0 ? "" : $" (the last, {Outputs % Lanes} rows padded, in a pass of its own)")}, {BlocksPerPass} per pass; {Accumulators} accumulators = {BlocksPerPass} × {Chains} chain{S(Chains)}; {InputColumns} columns" +
            $"{(Unrolled ? ", unrolled" : $", loops of {Chains}")}; bias starts chain 0; {StreamTile} stream{S(StreamTile)} per weight load",
        _ =>
            $"plan: {Vector}; {Blocks} row{S(Blocks)} as dot products over {InputColumns / Lanes} vector{S(InputColumns / Lanes)} of x, {Chains} chain{S(Chains)} each, then a horizontal sum and the bias",
    };

    private static string S(int count) => count == 1 ? "" : "s";
}
