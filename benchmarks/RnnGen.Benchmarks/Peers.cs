using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Benchmarks;

/// <summary>
/// RnnGen's side of the peer benchmark (<c>benchmarks/peers/run.sh</c> runs it beside RTNeural, ONNX Runtime and
/// TorchSharp): the generated streaming <c>Step(ref State, input, output)</c> at every peer shape, timed with the
/// peers' common harness method, one <c>RESULT</c> line per shape.
/// <list type="bullet">
/// <item>Weights from <c>std::mt19937(42)</c> with <c>std::uniform_real_distribution&lt;float&gt;(−k, k)</c> semantics
/// (<see cref="Mt19937"/>), drawn tensor by tensor in PyTorch's <c>state_dict</c> order, each row-major;
/// k = 1/√H for a recurrent layer of H units, 1/√I for a Dense layer of I inputs.</item>
/// <item>A ring of 1,024 inputs U(−1, 1) from <c>std::mt19937(1)</c>, row-major.</item>
/// <item>1 s of stepping as warm-up (so tiered JIT has promoted the loop), then the state is reset and 7 repetitions of
/// 200,000 steps are timed; ns per step per repetition; median, min and max.</item>
/// <item>Every output of every timed step is summed into the checksum (deterministic: it does not depend on the warm-up).</item>
/// </list>
/// <code>
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- peers [cell in hidden]
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- bounds [cell in hidden]
/// </code>
/// Environment: <c>RNNGEN_STEPS</c> (steps per repetition) and <c>RNNGEN_WARMUP_MS</c> shrink a smoke run.
/// </summary>
public static class Peers
{
    private const int Repetitions = 7;
    private const int Ring = 1024;
    private const int WeightSeed = 42;
    private const int InputSeed = 1;

    /// <summary>One peer shape: a cell (lstm, gru, rnn, lstm2), its widths, and how to build and time it.</summary>
    private sealed record Shape(string Cell, int Input, int Hidden, int Output, Func<Options, Measurement> Run);

    private readonly record struct Options(int Steps, int WarmUpMilliseconds);

    private readonly record struct Measurement(double Median, double Min, double Max, double Checksum);

    private static readonly Shape[] Shapes =
    [
        new("lstm", 1, 8, 1, o => Time(new LstmStep1x8(new()), o)),
        new("lstm", 1, 16, 1, o => Time(new LstmStep1x16(new()), o)),
        new("lstm", 1, 32, 1, o => Time(new LstmStep1x32(new()), o)),
        new("lstm", 8, 32, 8, o => Time(new LstmStep8x32(new()), o)),
        new("lstm", 32, 64, 32, o => Time(new LstmStep32x64(new()), o)),
        new("lstm", 64, 128, 64, o => Time(new LstmStep64x128(new()), o)),
        new("lstm", 128, 256, 128, o => Time(new LstmStep128x256(new()), o)),
        new("gru", 1, 8, 1, o => Time(new GruStep1x8(new()), o)),
        new("gru", 1, 16, 1, o => Time(new GruStep1x16(new()), o)),
        new("gru", 1, 32, 1, o => Time(new GruStep1x32(new()), o)),
        new("gru", 8, 32, 8, o => Time(new GruStep8x32(new()), o)),
        new("gru", 32, 64, 32, o => Time(new GruStep32x64(new()), o)),
        new("gru", 64, 128, 64, o => Time(new GruStep64x128(new()), o)),
        new("gru", 128, 256, 128, o => Time(new GruStep128x256(new()), o)),
        new("rnn", 1, 8, 1, o => Time(new RnnStep1x8(new()), o)),
        new("rnn", 1, 16, 1, o => Time(new RnnStep1x16(new()), o)),
        new("rnn", 1, 32, 1, o => Time(new RnnStep1x32(new()), o)),
        new("rnn", 8, 32, 8, o => Time(new RnnStep8x32(new()), o)),
        new("rnn", 32, 64, 32, o => Time(new RnnStep32x64(new()), o)),
        new("rnn", 64, 128, 64, o => Time(new RnnStep64x128(new()), o)),
        new("rnn", 128, 256, 128, o => Time(new RnnStep128x256(new()), o)),
        new("lstm2", 16, 32, 4, o => Time(new Lstm2Step16x32(new()), o)),
    ];

    /// <summary>The <c>peers</c> command: times every shape (or the one <paramref name="filter"/> names) and prints the
    /// RESULT protocol. Returns the process exit code.</summary>
    public static int Run(string[] filter, TextWriter output)
    {
        if (!TrySelect(filter, out Shape[] selected, output)) return 2;
        var options = new Options(EnvironmentInt("RNNGEN_STEPS", 200_000), EnvironmentInt("RNNGEN_WARMUP_MS", 1_000));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# rnngen: Step(ref State, input, output); weights mt19937({WeightSeed}) U(±1/√H); inputs ring {Ring} × U(−1, 1) from mt19937({InputSeed}); warm-up {options.WarmUpMilliseconds} ms; {Repetitions} × {options.Steps} steps"));
        output.WriteLine("# rnngen: FTZ/DAZ cannot be set from .NET (no MXCSR access); the run keeps the default IEEE denormal handling");
        output.WriteLine($"# rnngen: .NET {Environment.Version}, Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
        foreach (Shape shape in selected)
        {
            Measurement m = shape.Run(options);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT peer=rnngen cell={shape.Cell} in={shape.Input} hidden={shape.Hidden} out={shape.Output} steps={options.Steps} median_ns={m.Median:F1} min_ns={m.Min:F1} max_ns={m.Max:F1} checksum={m.Checksum:G10}"));
            output.Flush();
        }
        return 0;
    }

    /// <summary>The <c>bounds</c> command: per shape the FLOPs and bytes of one step, with this machine's FMA peaks,
    /// dependent-FMA and activation latencies and L1/L2 read bandwidths, for the summariser's bound models.</summary>
    public static int Bounds(string[] filter, TextWriter output)
    {
        if (!TrySelect(filter, out Shape[] selected, output)) return 2;
        var peaks = new StringWriter(CultureInfo.InvariantCulture);
        var (peak256, peak512) = PeakFlops.Measure(peaks);
        output.WriteLine("# " + peaks.ToString().Trim());
        Probes.Result probe = Probes.Measure();
        foreach (Shape shape in selected)
        {
            var (flops, bytes) = Cost(shape);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"BOUND cell={shape.Cell} in={shape.Input} hidden={shape.Hidden} out={shape.Output} flops={flops} bytes={bytes} peak256_gflops={Gflops(peak256)} peak512_gflops={Gflops(peak512)} fma_latency_ns={probe.FmaNs:F3} act_latency_ns={probe.TanhNs:F3} sigmoid_latency_ns={probe.GateSigmoidNs:F3} l1d_bytes={probe.L1Bytes} l2_bytes={probe.L2Bytes} l1_read_gbps={probe.L1ReadGBps:F1} l2_read_gbps={probe.L2ReadGBps:F1}"));
        }
        output.WriteLine("# bounds: flops = 2 per multiply-add of the matrix products (activations and element-wise updates not counted); bytes = weights and biases as the step reads them + the recurrent state read and written, 4 bytes a float");
        output.WriteLine("# bounds: act_latency_ns = one dependent FastMath.Tanh on a Vector256, sigmoid_latency_ns = one dependent FastMath.GateSigmoid (the σ the generated cells apply)");
        return 0;
    }

    private static string Gflops(double value) => double.IsNaN(value) ? "nan" : value.ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>FLOPs and bytes of one step. Per recurrent layer of G gate blocks, H units, I inputs: 2·G·H·(I + H) FLOPs;
    /// weights G·H·(I + H) plus biases (LSTM one summed bias per gate row, GRU also the separate hidden bias of the
    /// candidate, Elman one); state (h, and c for LSTM) read and written. Dense U × I: 2·U·I FLOPs, U·I + U floats.</summary>
    private static (long Flops, long Bytes) Cost(Shape shape)
    {
        long flops = 0, floats = 0;
        void Recurrent(int gates, int input, int hidden)
        {
            flops += 2L * gates * hidden * (input + hidden);
            floats += (long)gates * hidden * (input + hidden) + gates * hidden;
            if (gates == 3) floats += hidden;                  // GRU: b_hn stays apart (it is multiplied by r)
            floats += 2L * (gates == 4 ? 2 : 1) * hidden;      // state read and written
        }
        switch (shape.Cell)
        {
            case "lstm": Recurrent(4, shape.Input, shape.Hidden); break;
            case "gru": Recurrent(3, shape.Input, shape.Hidden); break;
            case "rnn": Recurrent(1, shape.Input, shape.Hidden); break;
            case "lstm2": Recurrent(4, shape.Input, shape.Hidden); Recurrent(4, shape.Hidden, shape.Hidden); break;
            default: throw new ArgumentException(shape.Cell);
        }
        flops += 2L * shape.Output * shape.Hidden;
        floats += (long)shape.Output * shape.Hidden + shape.Output;
        return (flops, 4 * floats);
    }

    private static bool TrySelect(string[] filter, out Shape[] selected, TextWriter output)
    {
        selected = Shapes;
        if (filter.Length == 0) return true;
        if (filter.Length == 3 && int.TryParse(filter[1], CultureInfo.InvariantCulture, out int input) && int.TryParse(filter[2], CultureInfo.InvariantCulture, out int hidden))
        {
            string cell = filter[0].ToLowerInvariant();
            selected = [.. Shapes.Where(s => s.Cell == cell && s.Input == input && s.Hidden == hidden)];
            if (selected.Length > 0) return true;
        }
        output.WriteLine($"# no such shape: {string.Join(' ', filter)}; shapes: {string.Join(", ", Shapes.Select(s => $"{s.Cell} {s.Input} {s.Hidden}"))}");
        return false;
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    /// <summary>Fills the network's parameters with the harness weights and times its streaming step.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Measurement Time<TStep>(TStep step, Options options) where TStep : struct, IStreamStep
    {
        IRecurrentNetwork net = step.Network;
        WriteHarnessWeights(net);
        int inputSize = net.InputSize, outputSize = net.OutputSize;
        var inputs = new float[Ring * inputSize];
        var inputRandom = new Mt19937(InputSeed);
        for (int i = 0; i < inputs.Length; i++) inputs[i] = inputRandom.NextUniform(-1f, 1f);
        var y = new float[outputSize];
        var sums = new float[outputSize];

        // Warm-up in short calls, so that the stepping loop itself is called often enough to be promoted to tier 1.
        int ring = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < options.WarmUpMilliseconds) StepMany(ref step, inputs, inputSize, y, sums, 1024, ref ring);

        step.Reset();
        sums.AsSpan().Clear();
        ring = 0;
        var ns = new double[Repetitions];
        for (int rep = 0; rep < Repetitions; rep++)
        {
            long start = Stopwatch.GetTimestamp();
            StepMany(ref step, inputs, inputSize, y, sums, options.Steps, ref ring);
            ns[rep] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / options.Steps;
        }
        Array.Sort(ns);
        double checksum = 0;
        foreach (float s in sums) checksum += s;
        return new Measurement(ns[Repetitions / 2], ns[0], ns[^1], checksum);
    }

    /// <summary>Steps <paramref name="steps"/> times over the input ring, adding every output into <paramref name="sums"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StepMany<TStep>(ref TStep step, float[] inputs, int inputSize, float[] y, float[] sums, int steps, ref int ring) where TStep : struct, IStreamStep
    {
        int r = ring;
        Span<Vector<float>> sumVectors = MemoryMarshal.Cast<float, Vector<float>>(sums.AsSpan());
        ReadOnlySpan<Vector<float>> yVectors = MemoryMarshal.Cast<float, Vector<float>>(y.AsSpan());
        int tail = sumVectors.Length * Vector<float>.Count;
        for (int s = 0; s < steps; s++)
        {
            step.Step(inputs.AsSpan(r * inputSize, inputSize), y);
            r = (r + 1) & (Ring - 1);
            for (int j = 0; j < sumVectors.Length; j++) sumVectors[j] += yVectors[j];
            for (int j = tail; j < y.Length; j++) sums[j] += y[j];
        }
        ring = r;
    }

    /// <summary>The harness weights: one mt19937(42) stream over the tensors in PyTorch's order, each row-major,
    /// U(−k, k) with k = 1/√(hidden) for a recurrent layer and 1/√(inputs) for a Dense layer.</summary>
    private static void WriteHarnessWeights(IRecurrentNetwork net)
    {
        ParameterLayout layout = net.Spec.ParameterLayout;
        var fanByLayer = new Dictionary<int, int>();
        foreach (ParameterTensor t in layout)
        {
            if (t.Name.Contains("weight_hh", StringComparison.Ordinal)) fanByLayer[t.Layer] = t.Columns;   // recurrent: H
            else if (t.Columns > 0) fanByLayer.TryAdd(t.Layer, t.Columns);                                     // Dense: its input width
        }
        var random = new Mt19937(WeightSeed);
        Span<float> parameters = net.Parameters;   // one fresh access: the generated class repacks before the next step
        foreach (ParameterTensor t in layout)
        {
            float k = 1f / MathF.Sqrt(fanByLayer[t.Layer]);
            Span<float> values = parameters.Slice(t.Offset, t.Length);
            for (int i = 0; i < values.Length; i++) values[i] = random.NextUniform(-k, k);
        }
    }

    /// <summary>One generated model's streaming step on a state held in this value (a local of the timing loop).</summary>
    private interface IStreamStep
    {
        IRecurrentNetwork Network { get; }
        void Step(ReadOnlySpan<float> input, Span<float> output);
        void Reset();
    }

    private struct LstmStep1x8(Lstm_1_8 model) : IStreamStep { private readonly Lstm_1_8 _model = model; private Lstm_1_8.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep1x16(Lstm_1_16 model) : IStreamStep { private readonly Lstm_1_16 _model = model; private Lstm_1_16.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep1x32(Lstm_1_32 model) : IStreamStep { private readonly Lstm_1_32 _model = model; private Lstm_1_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep8x32(Lstm_8_32 model) : IStreamStep { private readonly Lstm_8_32 _model = model; private Lstm_8_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep32x64(Lstm_32_64 model) : IStreamStep { private readonly Lstm_32_64 _model = model; private Lstm_32_64.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep64x128(Lstm_64_128 model) : IStreamStep { private readonly Lstm_64_128 _model = model; private Lstm_64_128.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct LstmStep128x256(Lstm_128_256 model) : IStreamStep { private readonly Lstm_128_256 _model = model; private Lstm_128_256.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep1x8(Gru_1_8 model) : IStreamStep { private readonly Gru_1_8 _model = model; private Gru_1_8.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep1x16(Gru_1_16 model) : IStreamStep { private readonly Gru_1_16 _model = model; private Gru_1_16.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep1x32(Gru_1_32 model) : IStreamStep { private readonly Gru_1_32 _model = model; private Gru_1_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep8x32(Gru_8_32 model) : IStreamStep { private readonly Gru_8_32 _model = model; private Gru_8_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep32x64(Gru_32_64 model) : IStreamStep { private readonly Gru_32_64 _model = model; private Gru_32_64.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep64x128(Gru_64_128 model) : IStreamStep { private readonly Gru_64_128 _model = model; private Gru_64_128.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct GruStep128x256(Gru_128_256 model) : IStreamStep { private readonly Gru_128_256 _model = model; private Gru_128_256.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep1x8(Rnn_1_8 model) : IStreamStep { private readonly Rnn_1_8 _model = model; private Rnn_1_8.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep1x16(Rnn_1_16 model) : IStreamStep { private readonly Rnn_1_16 _model = model; private Rnn_1_16.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep1x32(Rnn_1_32 model) : IStreamStep { private readonly Rnn_1_32 _model = model; private Rnn_1_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep8x32(Rnn_8_32 model) : IStreamStep { private readonly Rnn_8_32 _model = model; private Rnn_8_32.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep32x64(Rnn_32_64 model) : IStreamStep { private readonly Rnn_32_64 _model = model; private Rnn_32_64.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep64x128(Rnn_64_128 model) : IStreamStep { private readonly Rnn_64_128 _model = model; private Rnn_64_128.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct RnnStep128x256(Rnn_128_256 model) : IStreamStep { private readonly Rnn_128_256 _model = model; private Rnn_128_256.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
    private struct Lstm2Step16x32(Lstm2_16_32_32_4 model) : IStreamStep { private readonly Lstm2_16_32_32_4 _model = model; private Lstm2_16_32_32_4.State _state; public readonly IRecurrentNetwork Network => _model; public void Step(ReadOnlySpan<float> x, Span<float> y) => _model.Step(ref _state, x, y); public void Reset() => _state = default; }
}
