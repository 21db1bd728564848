using System;
using RnnGen.Generators.Model;

namespace RnnGen.Generators.Planning;

/// <summary>
/// Chooses each layer's streaming kernel for its exact shape (<see cref="StreamKernelPlan"/>). The rules:
/// <list type="bullet">
/// <item>Width: Vector512 where the tier has it and H (or the Dense outputs) is a multiple of 16, else Vector256 when a
/// multiple of 8; any other width keeps the portable kernels (no padding lanes in the state).</item>
/// <item>Registers: 24 accumulators on the 512 tier (32 registers), 12 on the 256 tier (16 registers); the rest hold
/// the broadcast column and the weight vectors.</item>
/// <item>Blocks per pass: as many as fit; chains: enough that at least <see cref="TargetChains"/> independent sums are
/// in flight (an FMA's 4-cycle latency times 2 ports, twice over), at most 4 and at most what fits.</item>
/// <item>Unrolling: the column loops are written out when the kernel's multiply-adds per pass number at most
/// <see cref="UnrollLimit"/>; above it they stay loops of Chains columns, so the file stays readable.</item>
/// <item>Many streams: one block at a time, as many streams per weight load as fit beside the weights.</item>
/// </list>
/// </summary>
internal static class StreamPlanner
{
    public const int TargetChains = 16;
    public const int MaxChains = 4;
    public const int UnrollLimit = 96;
    public const int MaxStreamTile = 8;

    public static int Registers(int tier) => tier == 512 ? 32 : 16;

    public static int AccumulatorBudget(int tier) => tier == 512 ? 24 : 12;

    /// <summary>The plan of a recurrent layer at <paramref name="tier"/>, or null where it keeps the portable kernels
    /// (a width that is not a multiple of 8, a bidirectional layer, leaky, skip or clockwork units, an Elman activation other
    /// than tanh or ReLU, an LSTM with peepholes or a projection, a GRU whose reset comes before the recurrent product).</summary>
    public static StreamKernelPlan? Recurrent(LayerModel layer, int input, int tier)
    {
        if (!layer.IsRecurrent || layer.Bidirectional || layer.IsLeaky || layer.HasSkip || layer.IsClockwork || layer.HasPeepholes || layer.HasProjection) return null;
        if (layer.HasResetBefore) return null;   // W_hn reads r ⊙ h: a second product after r, which the fused unit blocks do not have
        if (layer.Kind == LayerKind.Rnn && layer.Activation is not (Activation.Tanh or Activation.Relu)) return null;
        int hidden = layer.Size;
        int lanes = Lanes(hidden, tier);
        if (lanes == 0 || input < 1) return null;
        int slots = layer.Kind == LayerKind.Rnn ? 1 : 4;
        int blocks = hidden / lanes;
        int budget = AccumulatorBudget(tier);
        int perPass = Math.Max(1, Math.Min(blocks, budget / slots));
        int chains = Chains(perPass * slots, budget, Math.Max(input, hidden));
        int fmasPerPass = perPass * (input + hidden) * ColumnSlots(layer.Kind);
        return new StreamKernelPlan
        {
            Tier = tier,
            Form = StreamForm.Recurrent,
            Lanes = lanes,
            Slots = slots,
            ColumnSlots = ColumnSlots(layer.Kind),
            Blocks = blocks,
            BlocksPerPass = perPass,
            Chains = chains,
            StreamTile = StreamTile(slots, chains, tier),
            InputColumns = input,
            HiddenColumns = hidden,
            Unrolled = fmasPerPass <= UnrollLimit,
        };
    }

    /// <summary>The plan of a Dense layer at <paramref name="tier"/>, or null where it keeps the portable kernel.</summary>
    public static StreamKernelPlan? Dense(int input, int outputs, int tier)
    {
        int budget = AccumulatorBudget(tier);
        if (outputs >= 8)
        {
            // rows in vectors; a last partial block (outputs not a multiple of 8) computes padding rows of zero weight
            int lanes = tier == 512 && outputs % 16 == 0 ? 16 : 8;
            int blocks = (outputs + lanes - 1) / lanes;
            int perPass = Math.Max(1, Math.Min(outputs / lanes, budget));   // the full blocks; a partial last one takes a pass of its own
            int chains = Chains(perPass, budget, input);
            return new StreamKernelPlan
            {
                Tier = tier,
                Form = StreamForm.DenseRows,
                Lanes = lanes,
                Slots = 1,
                Blocks = blocks,
                BlocksPerPass = perPass,
                Chains = chains,
                StreamTile = StreamTile(1, chains, tier),
                InputColumns = input,
                Outputs = outputs,
                Unrolled = perPass * input <= UnrollLimit,
            };
        }
        int inputLanes = Lanes(input, tier);
        if (inputLanes == 0 || outputs > 7) return null;
        int vectors = input / inputLanes;
        return new StreamKernelPlan
        {
            Tier = tier,
            Form = StreamForm.DenseDots,
            Lanes = inputLanes,
            Slots = 1,
            Blocks = outputs,
            BlocksPerPass = outputs,
            Chains = Math.Max(1, Math.Min(Math.Min(MaxChains, vectors), budget / outputs)),
            StreamTile = 1,
            InputColumns = input,
            Outputs = outputs,
            Unrolled = true,
        };
    }

    /// <summary>Accumulators one column feeds per block: LSTM 4, GRU 3 (r, z and one part of n), Elman 1.</summary>
    public static int ColumnSlots(LayerKind kind) => kind switch { LayerKind.Lstm => 4, LayerKind.Gru => 3, _ => 1 };

    /// <summary>Floats of a layer's streaming weights: per unit, the biases of its slots and one weight per column and
    /// column slot (Recurrent); the bias and the weights (DenseRows); none (DenseDots reads the parameters).</summary>
    public static int PackedFloats(StreamKernelPlan plan) => plan.Form switch
    {
        StreamForm.Recurrent => checked(plan.Blocks * plan.Lanes * (plan.Slots + (plan.InputColumns + plan.HiddenColumns) * plan.ColumnSlots)),
        StreamForm.DenseRows => checked(plan.Blocks * plan.Lanes * (1 + plan.InputColumns)),
        _ => 0,
    };

    /// <summary>16 where the 512 tier can use whole Vector512s, else 8 for whole Vector256s, else 0 (portable).</summary>
    public static int Lanes(int width, int tier) =>
        tier == 512 && width % 16 == 0 ? 16 : width % 8 == 0 && width > 0 ? 8 : 0;

    /// <summary>Chains per accumulator so that at least <see cref="TargetChains"/> sums run at once, within the budget,
    /// at most <see cref="MaxChains"/> and at most the columns of the longer part.</summary>
    public static int Chains(int accumulators, int budget, int columns)
    {
        int wanted = (TargetChains + accumulators - 1) / accumulators;
        int fit = Math.Max(1, budget / accumulators);
        return Math.Max(1, Math.Min(Math.Min(wanted, fit), Math.Min(MaxChains, columns)));
    }

    /// <summary>Streams per weight load in the many-stream kernel: Slots·Chains accumulators per stream, plus the Slots
    /// weight vectors and one broadcast, within the registers less four (so nothing spills); a power of two, so that the
    /// tiles cover a chunk of streams exactly.</summary>
    public static int StreamTile(int slots, int chains, int tier)
    {
        int fit = Math.Max(1, Math.Min(MaxStreamTile, (Registers(tier) - 4 - slots - 1) / (slots * chains)));
        int tile = 1;
        while (tile * 2 <= fit) tile *= 2;
        return tile;
    }
}
