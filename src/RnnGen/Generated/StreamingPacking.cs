namespace RnnGen.Generated;

// The weights of the generated streaming kernels (called by EnsurePacked in generated code). The layouts follow the
// kernels' loops, so each kernel reads its weights front to back.
public static partial class GeneratedModelSupport
{
    /// <summary>
    /// A recurrent layer's weights in unit blocks of <paramref name="lanes"/> units. Block u holds, for units
    /// u·lanes … u·lanes + lanes − 1: the biases of its accumulator slots, then for each column of x and then of h the
    /// weights of the gates that column feeds, lanes floats each. Slots are the gates (LSTM i, f, g, o with b_ih + b_hh;
    /// Elman one), except for a GRU (<paramref name="gates"/> = 3): r and z with b_ih + b_hh, then n's input part with
    /// b_in and n's hidden part with b_hn, which stay apart because r multiplies only the latter.
    /// </summary>
    /// <remarks>W_ih is [gates·hidden × inputs] and W_hh [gates·hidden × hidden], PyTorch's layouts.</remarks>
    public static void PackUnitBlocks(ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        Span<float> packed, int gates, int hidden, int inputs, int lanes)
    {
        bool gru = gates == 3;
        int slots = gru ? 4 : gates;
        int blockFloats = lanes * (slots + (inputs + hidden) * gates);
        Guard.Length(weightIh.Length, gates * hidden * inputs, nameof(weightIh));
        Guard.Length(weightHh.Length, gates * hidden * hidden, nameof(weightHh));
        Guard.Length(packed.Length, hidden / lanes * blockFloats, nameof(packed));
        for (int u = 0; u < hidden / lanes; u++)
        {
            Span<float> block = packed.Slice(u * blockFloats, blockFloats);
            for (int l = 0; l < lanes; l++)
            {
                int unit = u * lanes + l;
                for (int slot = 0; slot < slots; slot++)
                    block[slot * lanes + l] = !gru || slot < 2 ? biasIh[slot * hidden + unit] + biasHh[slot * hidden + unit]
                        : slot == 2 ? biasIh[2 * hidden + unit] : biasHh[2 * hidden + unit];
                for (int c = 0; c < inputs; c++)
                    for (int g = 0; g < gates; g++)
                        block[(slots + c * gates + g) * lanes + l] = weightIh[(g * hidden + unit) * inputs + c];
                for (int j = 0; j < hidden; j++)
                    for (int g = 0; g < gates; g++)
                        block[(slots + (inputs + j) * gates + g) * lanes + l] = weightHh[(g * hidden + unit) * hidden + j];
            }
        }
    }

    /// <summary>A Dense layer's weights for the row-block kernels: b, then column c of W at rows + c·rows, where
    /// <paramref name="rows"/> ≥ <paramref name="outputs"/> rounds the outputs up to whole vectors (the padding rows are zero).</summary>
    public static void PackDenseColumns(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> packed, int outputs, int inputs, int rows)
    {
        Guard.Length(weight.Length, outputs * inputs, nameof(weight));
        Guard.Length(packed.Length, rows * (1 + inputs), nameof(packed));
        packed.Clear();
        bias.Slice(0, outputs).CopyTo(packed);
        for (int c = 0; c < inputs; c++)
            for (int r = 0; r < outputs; r++)
                packed[rows + c * rows + r] = weight[r * inputs + c];
    }
}
