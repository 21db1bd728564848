using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;
using RnnGen.Generators.Planning;
using static RnnGen.Generators.Emitting.Code;

namespace RnnGen.Generators.Emitting;

/// <summary>
/// Writes a layer's specialised streaming kernels from its <see cref="StreamKernelPlan"/>: <c>LayerNStep512</c> (one
/// stream: the planned blocks per pass in registers) and <c>LayerNStreams512</c> (many streams: one block at a time,
/// each weight vector loaded once per tile of streams), and the same at the 256 tier. Every trip count, stride and
/// offset is a literal. Both kernels give each element the same chain of operations (the bias, then column c into
/// chain c mod Chains in column order, the chains added pairwise, the same activation code), so stepping many
/// streams at once is bit-identical to stepping each alone.
/// </summary>
internal sealed class StreamKernelEmitter
{
    private readonly LayerPlan _p;
    private readonly StreamKernelPlan _k;
    private readonly int _xStride, _yStride, _stateSize;

    /// <param name="xStride">Floats between two streams' inputs in the many-stream kernel.</param>
    /// <param name="yStride">Floats between two streams' outputs (Dense) in the many-stream kernel.</param>
    public StreamKernelEmitter(LayerPlan layer, StreamKernelPlan kernel, int xStride, int yStride, int stateSize)
    {
        _p = layer;
        _k = kernel;
        _xStride = xStride;
        _yStride = yStride;
        _stateSize = stateSize;
    }

    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private const string FastMath = "global::RnnGen.Kernels.FastMath";

    /// <summary>The vector type's static class, fully qualified (generated code never relies on a using directive).</summary>
    private string V => "global::System.Runtime.Intrinsics." + _k.Vector;

    /// <summary>a·b + c in one rounding: the x86 intrinsics, which .NET 8 has (the tier runs only where they are supported).</summary>
    private string Fma => _k.Lanes == 16 ? "global::System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd" : "global::System.Runtime.Intrinsics.X86.Fma.MultiplyAdd";
    private int L => _k.Lanes;
    private int H => _p.H;
    private int C => _k.Chains;

    /// <summary>Floats of one unit block's weights: its slots' biases, then per column the weights of its column slots.</summary>
    private int BlockFloats => L * (_k.Slots + (_k.InputColumns + _k.HiddenColumns) * _k.ColumnSlots);

    /// <summary>The one-stream kernel needs a scratch h' when it takes more than one pass (h(t−1) is read by every pass).</summary>
    public bool StepNeedsScratch => _k.Form == StreamForm.Recurrent && _k.Passes > 1;

    /// <summary>The many-stream kernel needs a scratch h' [streams × H] when the layer has more than one unit block.</summary>
    public bool StreamsNeedScratch => _k.Form == StreamForm.Recurrent && _k.Blocks > 1;

    public string StepName => $"{_p.Name}Step{_k.Tier}";
    public string StreamsName => $"{_p.Name}Streams{_k.Tier}";

    private string[] SlotNames => _p.Layer.Kind switch
    {
        LayerKind.Lstm => new[] { "i", "f", "g", "o" },
        LayerKind.Gru => new[] { "r", "z", "nx", "nh" },
        LayerKind.Rnn => new[] { "a" },
        _ => new[] { "y" },
    };

    /// <summary>The accumulator slots the columns of x (part 0) or of h (part 1) feed: GRU's n keeps its two parts apart.</summary>
    private int[] PartSlots(int part) =>
        _p.Layer.Kind == LayerKind.Gru ? (part == 0 ? new[] { 0, 1, 2 } : new[] { 0, 1, 3 }) : Enumerable.Range(0, _k.Slots).ToArray();

    /// <param name="manyStreams">Also write the many-stream kernel (token models step many streams one by one).</param>
    public void Write(IndentedTextWriter w, bool manyStreams)
    {
        switch (_k.Form)
        {
            case StreamForm.Recurrent:
                WriteRecurrentStep(w);
                if (manyStreams) WriteRecurrentStreams(w);
                break;
            case StreamForm.DenseRows:
                WriteDenseRowsStep(w);
                if (manyStreams) WriteDenseRowsStreams(w);
                break;
            default:
                WriteDenseDots(w, manyStreams);
                break;
        }
    }

    private void Header(IndentedTextWriter w, string summary)
    {
        w.WriteLine($"/// <summary>{_p.Name} ({_p.Title}): {summary}</summary>");
        w.WriteLine($"// {_k.Summary}");
        w.WriteLine(MethodImpl);
    }

    private string WeightsComment => _k.Form == StreamForm.Recurrent
        ? $"// w: unit block u (units {L}·u …) at u·{F(BlockFloats)}: biases [{string.Join(" ", SlotNames)}] × {L}, then per x column and per h column the weights of [{string.Join(" ", PartSlots(0).Select(s => SlotNames[s]))}]{(_p.Layer.Kind == LayerKind.Gru ? " / [r z nh]" : "")} × {L}"
        : $"// w: b [{F(PaddedRows)}], then column c of W [{F(PaddedRows)}] at {F(PaddedRows)} + c·{F(PaddedRows)}{(PartialRows > 0 ? $" (rows {F(_k.Outputs)} … {F(PaddedRows - 1)} zero)" : "")}";

    // ---------------------------------------------------------------- recurrent

    private void WriteRecurrentStep(IndentedTextWriter w)
    {
        string scratch = StepNeedsScratch ? ", ref float hNext" : "";
        Header(w, $"one streaming step on {V}; s is the layer's state [h, c], stepped in place{(StepNeedsScratch ? "; h' goes through hNext, since every pass reads h(t−1)" : "")}.");
        using (w.WriteBlock($"private static void {StepName}(ref float w, ref float x, ref float s{scratch})"))
        {
            w.WriteLine(WeightsComment);
            int full = _k.Blocks / _k.BlocksPerPass, rest = _k.Blocks % _k.BlocksPerPass;
            string output = StepNeedsScratch ? "hNext" : "s";
            if (full == 1)
                Pass(w, "0", _k.BlocksPerPass, output);
            else
                using (w.WriteBlock($"for (int u = 0; u < {F(full * _k.BlocksPerPass)}; u += {F(_k.BlocksPerPass)})"))
                    Pass(w, "u", _k.BlocksPerPass, output);
            if (rest > 0) Pass(w, F(full * _k.BlocksPerPass), rest, output);
            if (StepNeedsScratch)
                w.WriteLine($"{Unsafe}.CopyBlockUnaligned(ref {Unsafe}.As<float, byte>(ref s), ref {Unsafe}.As<float, byte>(ref hNext), {F(4 * H)});   // h' [{F(H)}]");
        }
        w.WriteLine();
    }

    /// <summary>One register pass of the one-stream kernel over <paramref name="blocks"/> unit blocks from block <paramref name="first"/>.</summary>
    private void Pass(IndentedTextWriter w, string first, int blocks, string output)
    {
        using (w.WriteBlock())
        {
            w.WriteLine(blocks == 1 ? $"// unit block {first}" : first == "0" ? $"// unit blocks 0 … {F(blocks - 1)}" : $"// unit blocks {first} … {first} + {F(blocks - 1)}");
            WriteRefs(w, first, "x", "s", output, "0", "0");
            RecurrentBody(w, blocks, streams: 1, outputStride: 0);
        }
    }

    private void WriteRefs(IndentedTextWriter w, string firstBlock, string x, string s, string output, string streamX, string streamS)
    {
        string unit = Scaled(firstBlock, L);
        w.WriteLine($"ref float wb = ref {Offset("w", Scaled(firstBlock, BlockFloats))};");
        w.WriteLine($"ref float xb = ref {Offset(x, streamX)};");
        w.WriteLine($"ref float sb = ref {Offset(s, streamS)};   // h(t−1) of the stream{(streamS == "0" ? "" : "s")}");
        w.WriteLine($"ref float ub = ref {Offset("sb", unit)};   // this pass's units: h(t−1) at 0, c at {F(H)}");
        w.WriteLine($"ref float ob = ref {Offset(output, output == "s" ? Plus(streamS, unit) : Plus(streamS == "0" ? "0" : Times("t", H), unit))};   // h'");
    }

    /// <summary><paramref name="index"/> · <paramref name="factor"/>, a literal when the index is one.</summary>
    private static string Scaled(string index, int factor) =>
        int.TryParse(index, out int value) ? F(value * factor) : Times(index, factor);

    private static string Offset(string reference, string offset) => offset == "0" ? reference : $"{Unsafe}.Add(ref {reference}, {offset})";

    /// <summary>
    /// The accumulators of <paramref name="blocks"/> unit blocks of <paramref name="streams"/> streams (one of the two is
    /// 1), the columns of x and of h, the chains added, then the cell's element-wise step, all in registers.
    /// </summary>
    private void RecurrentBody(IndentedTextWriter w, int blocks, int streams, int outputStride)
    {
        string[] names = SlotNames;
        int items = Math.Max(blocks, streams);
        string Acc(int slot, int item, int chain) => $"{names[slot]}{item}{(chain == 0 ? "" : "_" + chain)}";
        for (int item = 0; item < items; item++)
            for (int slot = 0; slot < _k.Slots; slot++)
            {
                int block = streams > 1 ? 0 : item;
                string inits = string.Join(", ", Enumerable.Range(0, C).Select(c => c == 0
                    ? $"{Acc(slot, item, 0)} = {V}.LoadUnsafe(ref wb, {F(block * BlockFloats + slot * L)})"
                    : $"{Acc(slot, item, c)} = {V}<float>.Zero"));
                w.WriteLine($"{V}<float> {inits};");
            }
        int xAt = L * _k.Slots, hAt = xAt + L * _k.ColumnSlots * _k.InputColumns;
        Columns(w, "xb", streams > 1 ? _xStride : 0, _k.InputColumns, xAt, L * _k.ColumnSlots, PartSlots(0), blocks, streams, Acc, BlockFloats, "x");
        Columns(w, "sb", streams > 1 ? _stateSize : 0, _k.HiddenColumns, hAt, L * _k.ColumnSlots, PartSlots(1), blocks, streams, Acc, BlockFloats, "h");
        for (int item = 0; item < items; item++)
        {
            int block = streams > 1 ? 0 : item, stream = streams > 1 ? item : 0;
            string state = F(stream * _stateSize + block * L), output = F(stream * outputStride + block * L);
            for (int slot = 0; slot < _k.Slots; slot++)
                if (C > 1) w.WriteLine($"{Acc(slot, item, 0)} = {Sum(Enumerable.Range(0, C).Select(c => Acc(slot, item, c)).ToList())};");
            string a(int slot) => Acc(slot, item, 0);
            switch (_p.Layer.Kind)
            {
                case LayerKind.Lstm:
                    w.WriteLine($"// {(streams > 1 ? $"stream {item}" : $"block {item}")}: c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g);  h' = σ(o) ⊙ tanh(c')");
                    w.WriteLine($"var c{item} = {FastMath}.GateSigmoid({a(1)}) * {V}.LoadUnsafe(ref ub, {F(stream * _stateSize + H + block * L)}) + {FastMath}.GateSigmoid({a(0)}) * {FastMath}.Tanh({a(2)});");
                    w.WriteLine($"{V}.StoreUnsafe(c{item}, ref ub, {F(stream * _stateSize + H + block * L)});");
                    w.WriteLine($"{V}.StoreUnsafe({FastMath}.GateSigmoid({a(3)}) * {FastMath}.Tanh(c{item}), ref ob, {output});");
                    break;
                case LayerKind.Gru:
                    w.WriteLine($"// {(streams > 1 ? $"stream {item}" : $"block {item}")}: n = tanh(nx + σ(r) ⊙ nh);  h' = (1 − σ(z)) ⊙ n + σ(z) ⊙ h");
                    w.WriteLine($"var n{item} = {FastMath}.Tanh({a(2)} + {FastMath}.GateSigmoid({a(0)}) * {a(3)});");
                    w.WriteLine($"var u{item} = {FastMath}.GateSigmoid({a(1)});");
                    w.WriteLine($"{V}.StoreUnsafe(({V}<float>.One - u{item}) * n{item} + u{item} * {V}.LoadUnsafe(ref ub, {state}), ref ob, {output});");
                    break;
                default:
                    w.WriteLine(_p.Layer.Activation == Activation.Relu
                        ? $"{V}.StoreUnsafe({V}.Max({a(0)}, {V}<float>.Zero), ref ob, {output});   // h' = relu(a)"
                        : $"{V}.StoreUnsafe({FastMath}.Tanh({a(0)}), ref ob, {output});   // h' = tanh(a)");
                    break;
            }
        }
    }

    /// <summary>(a + b) + (c + d): the chains added pairwise, in one fixed order.</summary>
    private static string Sum(List<string> terms) => terms.Count switch
    {
        1 => terms[0],
        2 => $"{terms[0]} + {terms[1]}",
        3 => $"{terms[0]} + {terms[1]} + {terms[2]}",
        _ => $"({terms[0]} + {terms[1]}) + ({terms[2]} + {terms[3]})",
    };

    /// <summary>
    /// The columns of one operand (x, or h), each broadcast into the accumulators it feeds: written out when the plan
    /// unrolls, else a loop of <see cref="C"/> columns per pass (one per chain) and the last columns % Chains written out.
    /// </summary>
    private void Columns(IndentedTextWriter w, string source, int sourceStride, int count, int at, int columnStride, int[] slots,
        int blocks, int streams, Func<int, int, int, string> acc, int blockStride, string what)
    {
        if (count == 0) return;
        bool unrolled = _k.Unrolled && count * streams * slots.Length <= StreamPlanner.UnrollLimit * 2;   // a tile of streams multiplies the body
        if (unrolled || count < C)
        {
            w.WriteLine($"// {what}: {F(count)} column{(count == 1 ? "" : "s")}, written out");
            for (int c = 0; c < count; c++)
                Column(w, "wb", F(at + c * columnStride), source, sourceStride, F(c), c % C, slots, blocks, streams, acc, blockStride);
            return;
        }
        int full = count - count % C;
        w.WriteLine($"// {what}: {F(count)} columns, {F(C)} per turn");
        using (w.WriteBlock($"for (int c = 0; c < {F(full)}; c += {F(C)})"))
        {
            w.WriteLine($"ref float wc = ref {Unsafe}.Add(ref wb, {F(at)} + c * {F(columnStride)});");
            for (int j = 0; j < C; j++)
                Column(w, "wc", F(j * columnStride), source, sourceStride, j == 0 ? "c" : $"c + {F(j)}", j, slots, blocks, streams, acc, blockStride);
        }
        for (int c = full; c < count; c++)
            Column(w, "wb", F(at + c * columnStride), source, sourceStride, F(c), c % C, slots, blocks, streams, acc, blockStride);
    }

    private void Column(IndentedTextWriter w, string weights, string weightAt, string source, int sourceStride, string index, int chain,
        int[] slots, int blocks, int streams, Func<int, int, int, string> acc, int blockStride)
    {
        string Load(int block, int k) => $"{V}.LoadUnsafe(ref {weights}, {Plus(weightAt, F(block * blockStride + k * L))})";
        string broadcast(int s) => $"{V}.Create({Unsafe}.Add(ref {source}, {(s == 0 ? index : $"{F(s * sourceStride)} + {index}")}))";
        if (streams == 1 && blocks * slots.Length == 1)
        {
            string a = acc(slots[0], 0, chain);
            w.WriteLine($"{a} = {Fma}({Load(0, 0)}, {broadcast(0)}, {a});");
            return;
        }
        using (w.WriteBlock())
        {
            if (streams == 1)
            {
                w.WriteLine($"var v = {V}.Create({Unsafe}.Add(ref {source}, {index}));");
                for (int block = 0; block < blocks; block++)
                    for (int k = 0; k < slots.Length; k++)
                    {
                        string a = acc(slots[k], block, chain);
                        w.WriteLine($"{a} = {Fma}({Load(block, k)}, v, {a});");
                    }
                return;
            }
            w.WriteLine(string.Join(" ", Enumerable.Range(0, slots.Length).Select(k => $"var w{k} = {Load(0, k)};")));
            for (int s = 0; s < streams; s++)
                w.WriteLine($"var v{s} = {broadcast(s)}; " + string.Join(" ", Enumerable.Range(0, slots.Length).Select(k =>
                {
                    string a = acc(slots[k], s, chain);
                    return $"{a} = {Fma}(w{k}, v{s}, {a});";
                })) + $"   // stream {s}");
        }
    }

    private void WriteRecurrentStreams(IndentedTextWriter w)
    {
        int tile = _k.StreamTile;
        string scratch = StreamsNeedScratch ? ", ref float hNext" : "";
        Header(w, $"one step of n streams on {V}; stream t's input at x + t·{F(_xStride)}, its layer state at s + t·{F(_stateSize)}; " +
            $"one unit block at a time, each weight vector loaded once per {tile} stream{(tile == 1 ? "" : "s")}{(StreamsNeedScratch ? "; h' goes through hNext [n × " + F(H) + "]" : "")}.");
        using (w.WriteBlock($"private static void {StreamsName}(ref float w, ref float x, ref float s, int n{scratch})"))
        {
            w.WriteLine(WeightsComment);
            IDisposable? blocks = _k.Blocks > 1 ? w.WriteBlock($"for (int u = 0; u < {F(_k.Blocks)}; u++)") : null;
            string block = _k.Blocks > 1 ? "u" : "0";
            string output = StreamsNeedScratch ? "hNext" : "s";
            int outputStride = StreamsNeedScratch ? H : _stateSize;
            w.WriteLine("int t = 0;");
            if (tile > 1)
                using (w.WriteBlock($"for (; t <= n - {F(tile)}; t += {F(tile)})"))
                {
                    WriteStreamRefs(w, block, output);
                    RecurrentBody(w, 1, tile, outputStride);
                }
            using (w.WriteBlock("for (; t < n; t++)"))
            {
                WriteStreamRefs(w, block, output);
                RecurrentBody(w, 1, 1, outputStride);
            }
            blocks?.Dispose();
            if (StreamsNeedScratch)
                using (w.WriteBlock("for (int t = 0; t < n; t++)"))
                    w.WriteLine($"{Unsafe}.CopyBlockUnaligned(ref {Unsafe}.As<float, byte>(ref {Unsafe}.Add(ref s, t * {F(_stateSize)})), ref {Unsafe}.As<float, byte>(ref {Unsafe}.Add(ref hNext, t * {F(H)})), {F(4 * H)});   // h' [{F(H)}]");
        }
        w.WriteLine();
    }

    private void WriteStreamRefs(IndentedTextWriter w, string block, string output)
    {
        string unit = Scaled(block, L);
        w.WriteLine($"ref float wb = ref {Offset("w", Scaled(block, BlockFloats))};");
        w.WriteLine($"ref float xb = ref {Unsafe}.Add(ref x, t * {F(_xStride)});");
        w.WriteLine($"ref float sb = ref {Unsafe}.Add(ref s, t * {F(_stateSize)});   // h(t−1) of stream t");
        w.WriteLine($"ref float ub = ref {Offset("sb", unit)};   // this block's units: h(t−1) at 0, c at {F(H)}");
        w.WriteLine(output == "s"
            ? $"ref float ob = ref ub;   // h' in place (one unit block)"
            : $"ref float ob = ref {Unsafe}.Add(ref hNext, {Plus(Times("t", H), unit)});   // h'");
    }

    // ---------------------------------------------------------------- dense

    /// <summary>Rows of the packed Dense weights: the outputs rounded up to whole row blocks.</summary>
    private int PaddedRows => _k.Blocks * L;

    private int FullBlocks => _k.Outputs / L;

    private int PartialRows => _k.Outputs % L;

    private void WriteDenseRowsStep(IndentedTextWriter w)
    {
        Header(w, $"z = W·x + b for one stream on {V} (the activation, if any, follows in the caller).");
        using (w.WriteBlock($"private static void {StepName}(ref float w, ref float x, ref float y)"))
        {
            w.WriteLine(WeightsComment);
            int perPass = Math.Max(1, Math.Min(_k.BlocksPerPass, FullBlocks));
            int full = FullBlocks / perPass, rest = FullBlocks % perPass;
            if (full == 1) DensePass(w, "0", perPass, 1, perStream: false, partial: false);
            else if (full > 1)
                using (w.WriteBlock($"for (int u = 0; u < {F(full * perPass)}; u += {F(perPass)})"))
                    DensePass(w, "u", perPass, 1, perStream: false, partial: false);
            if (rest > 0) DensePass(w, F(full * perPass), rest, 1, perStream: false, partial: false);
            if (PartialRows > 0) DensePass(w, F(FullBlocks), 1, 1, perStream: false, partial: true);
        }
        w.WriteLine();
    }

    private void DensePass(IndentedTextWriter w, string first, int blocks, int streams, bool perStream, bool partial)
    {
        using (w.WriteBlock())
        {
            string rows = Scaled(first, L);
            w.WriteLine($"ref float wb = ref {Offset("w", rows)};   // rows {rows} …{(partial ? $" (the last {F(PartialRows)}, padded to {L})" : "")}");
            w.WriteLine(!perStream ? "ref float xb = ref x;" : $"ref float xb = ref {Unsafe}.Add(ref x, t * {F(_xStride)});");
            w.WriteLine(!perStream ? $"ref float yb = ref {Offset("y", rows)};" : $"ref float yb = ref {Unsafe}.Add(ref y, {Plus(Times("t", _yStride), rows)});");
            DenseBody(w, blocks, streams, partial);
        }
    }

    private void DenseBody(IndentedTextWriter w, int blocks, int streams, bool partial)
    {
        int items = Math.Max(blocks, streams);
        string Acc(int slot, int item, int chain) => $"y{item}{(chain == 0 ? "" : "_" + chain)}";
        for (int item = 0; item < items; item++)
        {
            int block = streams > 1 ? 0 : item;
            w.WriteLine($"{V}<float> " + string.Join(", ", Enumerable.Range(0, C).Select(c => c == 0
                ? $"{Acc(0, item, 0)} = {V}.LoadUnsafe(ref wb, {F(block * L)})"
                : $"{Acc(0, item, c)} = {V}<float>.Zero")) + ";");
        }
        Columns(w, "xb", streams > 1 ? _xStride : 0, _k.InputColumns, PaddedRows, PaddedRows, new[] { 0 }, blocks, streams, Acc, L, "x");
        for (int item = 0; item < items; item++)
        {
            int block = streams > 1 ? 0 : item, stream = streams > 1 ? item : 0;
            string sum = Sum(Enumerable.Range(0, C).Select(c => Acc(0, item, c)).ToList());
            int at = stream * _yStride + block * L;
            if (!partial)
            {
                w.WriteLine($"{V}.StoreUnsafe({sum}, ref yb, {F(at)});");
                continue;
            }
            w.WriteLine($"var z{item} = {sum};   // the last block: its {F(PartialRows)} real rows only");
            w.WriteLine(string.Join(" ", Enumerable.Range(0, PartialRows).Select(r => $"{Unsafe}.Add(ref yb, {F(at + r)}) = {V}.GetElement(z{item}, {F(r)});")));
        }
    }

    private void WriteDenseRowsStreams(IndentedTextWriter w)
    {
        int tile = _k.StreamTile;
        Header(w, $"z = W·x + b for n streams on {V}; stream t's input at x + t·{F(_xStride)}, its z at y + t·{F(_yStride)}; one row block at a time, each weight vector loaded once per {tile} stream{(tile == 1 ? "" : "s")}.");
        using (w.WriteBlock($"private static void {StreamsName}(ref float w, ref float x, ref float y, int n)"))
        {
            w.WriteLine(WeightsComment);
            if (FullBlocks > 0)
            {
                using (w.WriteBlock(FullBlocks > 1 ? $"for (int u = 0; u < {F(FullBlocks)}; u++)" : null))
                    StreamTiles(w, FullBlocks > 1 ? "u" : "0", tile, partial: false);
            }
            if (PartialRows > 0)
                using (w.WriteBlock())
                    StreamTiles(w, F(FullBlocks), tile, partial: true);
        }
        w.WriteLine();
    }

    private void StreamTiles(IndentedTextWriter w, string block, int tile, bool partial)
    {
        w.WriteLine("int t = 0;");
        if (tile > 1)
            using (w.WriteBlock($"for (; t <= n - {F(tile)}; t += {F(tile)})"))
                DensePass(w, block, 1, tile, perStream: true, partial);
        using (w.WriteBlock("for (; t < n; t++)"))
            DensePass(w, block, 1, 1, perStream: true, partial);
    }

    private void WriteDenseDots(IndentedTextWriter w, bool manyStreams)
    {
        int vectors = _k.InputColumns / L;
        Header(w, $"z = W·x + b for one stream on {V}, W [{F(_p.H)} × {F(_k.InputColumns)}] row by row from the parameters.");
        using (w.WriteBlock($"private static void {StepName}(ref float w, ref float b, ref float x, ref float y)"))
        {
            for (int r = 0; r < _k.Blocks; r++)
            {
                var chains = new List<string>();
                for (int v = 0; v < vectors; v++)
                {
                    string acc = $"y{r}{(v % C == 0 ? "" : "_" + (v % C))}";
                    string weight = $"{V}.LoadUnsafe(ref w, {F(r * _k.InputColumns + v * L)})", input = $"{V}.LoadUnsafe(ref x, {F(v * L)})";
                    if (v < C) { w.WriteLine($"var {acc} = {weight} * {input};"); chains.Add(acc); }
                    else w.WriteLine($"{acc} = {Fma}({weight}, {input}, {acc});");
                }
                w.WriteLine($"{Unsafe}.Add(ref y, {F(r)}) = {V}.Sum({Sum(chains)}) + {Unsafe}.Add(ref b, {F(r)});   // row {r}");
            }
        }
        w.WriteLine();
        if (!manyStreams) return;
        Header(w, $"z = W·x + b for n streams, stream t's input at x + t·{F(_xStride)}, its z at y + t·{F(_yStride)} (the one-stream kernel per stream; W stays in L1).");
        using (w.WriteBlock($"private static void {StreamsName}(ref float w, ref float b, ref float x, ref float y, int n)"))
            w.WriteLine($"for (int t = 0; t < n; t++) {StepName}(ref w, ref b, ref {Unsafe}.Add(ref x, t * {F(_xStride)}), ref {Unsafe}.Add(ref y, t * {F(_yStride)}));");
        w.WriteLine();
    }

    /// <summary>The layer's line in <c>EnsurePacked</c>: its streaming weights, laid out for the tier the machine has.</summary>
    public static void WritePacking(IndentedTextWriter w, LayerPlan p)
    {
        StreamKernelPlan? any = new[] { p.Stream512, p.Stream256 }.FirstOrDefault(k => k is not null && k.Form != StreamForm.DenseDots);
        if (any is null) return;   // no kernel, or dot products that read the parameters
        DirectionPlan d = p.Directions[0];
        string lanes = $"global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? {F(p.Stream512?.Lanes ?? 8)} : 8";
        if (any.Form == StreamForm.Recurrent)
            w.WriteLine($"{Support}.PackUnitBlocks(p.Slice({Range(d.Input)}), p.Slice({Range(d.Hidden!)}), p.Slice({Range(d.Bias!)}), p.Slice({Range(d.HiddenBias!)}), s.Slice({p.Name}Stream, {F(StreamPlanner.PackedFloats(any))}), {F(p.Layer.GateCount)}, {F(p.H)}, {F(p.In)}, {lanes});   // {p.Name}: unit blocks");
        else
            w.WriteLine($"{Support}.PackDenseColumns(p.Slice({Range(d.Input)}), p.Slice({Range(d.Bias!)}), s.Slice({p.Name}Stream, {F(StreamPlanner.PackedFloats(any))}), {F(p.H)}, {F(p.In)}, {F(any.Blocks * any.Lanes)});   // {p.Name}: b, then W by columns");
    }
}
