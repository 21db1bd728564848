using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace RnnGen.Benchmarks;

/// <summary>
/// Many streams on one set of weights: the generated <c>Step(Span&lt;State&gt;, inputs, outputs)</c> advancing 256
/// streams by one step per call (<c>mode=streams</c>), against the one-by-one loop of <c>Step(ref State, …)</c> over the
/// same 256 states (<c>mode=loop</c>), at every peer shape; ns per stream-step; the two end in the same states (checked,
/// bit for bit). Weights as in <see cref="Peers"/>; inputs U(−1, 1); 1 s warm-up; 7 repetitions of about 0.25 s each.
/// <code>
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- streams [cell in hidden]
/// </code>
/// </summary>
public static class Streams
{
    private const int Count = 256;
    private const int Repetitions = 7;

    private sealed record Shape(string Cell, int Input, int Hidden, int Output, Func<Options, (Measurement Many, Measurement Loop, bool Same)> Run);

    private readonly record struct Options(int WarmUpMilliseconds, double RepetitionSeconds);

    private readonly record struct Measurement(double Median, double Min, double Max, int Calls);

    private static readonly Shape[] Shapes =
    [
        new("lstm", 1, 8, 1, o => Time(new LstmStreams1x8(new()), o)),
        new("lstm", 1, 16, 1, o => Time(new LstmStreams1x16(new()), o)),
        new("lstm", 1, 32, 1, o => Time(new LstmStreams1x32(new()), o)),
        new("lstm", 8, 32, 8, o => Time(new LstmStreams8x32(new()), o)),
        new("lstm", 32, 64, 32, o => Time(new LstmStreams32x64(new()), o)),
        new("lstm", 64, 128, 64, o => Time(new LstmStreams64x128(new()), o)),
        new("lstm", 128, 256, 128, o => Time(new LstmStreams128x256(new()), o)),
        new("gru", 1, 8, 1, o => Time(new GruStreams1x8(new()), o)),
        new("gru", 1, 16, 1, o => Time(new GruStreams1x16(new()), o)),
        new("gru", 1, 32, 1, o => Time(new GruStreams1x32(new()), o)),
        new("gru", 8, 32, 8, o => Time(new GruStreams8x32(new()), o)),
        new("gru", 32, 64, 32, o => Time(new GruStreams32x64(new()), o)),
        new("gru", 64, 128, 64, o => Time(new GruStreams64x128(new()), o)),
        new("gru", 128, 256, 128, o => Time(new GruStreams128x256(new()), o)),
        new("rnn", 1, 8, 1, o => Time(new RnnStreams1x8(new()), o)),
        new("rnn", 1, 16, 1, o => Time(new RnnStreams1x16(new()), o)),
        new("rnn", 1, 32, 1, o => Time(new RnnStreams1x32(new()), o)),
        new("rnn", 8, 32, 8, o => Time(new RnnStreams8x32(new()), o)),
        new("rnn", 32, 64, 32, o => Time(new RnnStreams32x64(new()), o)),
        new("rnn", 64, 128, 64, o => Time(new RnnStreams64x128(new()), o)),
        new("rnn", 128, 256, 128, o => Time(new RnnStreams128x256(new()), o)),
        new("lstm2", 16, 32, 4, o => Time(new Lstm2Streams16x32(new()), o)),
    ];

    public static int Run(string[] filter, TextWriter output)
    {
        Shape[] selected = filter.Length == 3
            ? [.. Shapes.Where(s => s.Cell == filter[0] && s.Input.ToString(CultureInfo.InvariantCulture) == filter[1] && s.Hidden.ToString(CultureInfo.InvariantCulture) == filter[2])]
            : Shapes;
        if (selected.Length == 0) { output.WriteLine("# no such shape"); return 2; }
        int warmUp = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_WARMUP_MS"), CultureInfo.InvariantCulture, out int ms) && ms > 0 ? ms : 1_000;
        double seconds = Environment.GetEnvironmentVariable("RNNGEN_STEPS") is null ? 0.25 : 0.01;
        output.WriteLine($"# rnngen streams: {Count} streams per call, Step(Span<State>, …) against a loop of Step(ref State, …); warm-up {warmUp} ms; {Repetitions} repetitions of ~{seconds} s");
        foreach (Shape shape in selected)
        {
            var (many, loop, same) = shape.Run(new Options(warmUp, seconds));
            foreach (var (mode, m) in new[] { ("streams", many), ("loop", loop) })
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT peer=rnngen mode={mode} streams={Count} cell={shape.Cell} in={shape.Input} hidden={shape.Hidden} out={shape.Output} steps={m.Calls} median_ns={m.Median:F2} min_ns={m.Min:F2} max_ns={m.Max:F2} checksum={(same ? 1 : 0)}"));
            if (!same) output.WriteLine($"# MISMATCH: {shape.Cell} {shape.Input} {shape.Hidden}: the many-stream states differ from the one-by-one states");
            output.Flush();
        }
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Measurement, Measurement, bool) Time(IStreams streams, Options options)
    {
        IRecurrentNetwork net = streams.Network;
        net.InitializeParameters(42);
        var random = new Random(1);
        var x = new float[Count * net.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        var y = new float[Count * net.OutputSize];
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.ElapsedMilliseconds < options.WarmUpMilliseconds) { streams.StepAll(x, y); streams.StepEach(x, y); calls++; }
        bool same = streams.Same();
        int perRepetition = Math.Max(5, (int)(calls * options.RepetitionSeconds * 1000 / Math.Max(1, options.WarmUpMilliseconds) / 2 * 2));
        var many = new double[Repetitions];
        var loop = new double[Repetitions];
        for (int rep = 0; rep < Repetitions; rep++)   // alternated, so both see the same machine
        {
            long start = Stopwatch.GetTimestamp();
            for (int c = 0; c < perRepetition; c++) streams.StepAll(x, y);
            many[rep] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / perRepetition / Count;
            start = Stopwatch.GetTimestamp();
            for (int c = 0; c < perRepetition; c++) streams.StepEach(x, y);
            loop[rep] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / perRepetition / Count;
        }
        same &= streams.Same();
        Array.Sort(many);
        Array.Sort(loop);
        return (new Measurement(many[Repetitions / 2], many[0], many[^1], perRepetition), new Measurement(loop[Repetitions / 2], loop[0], loop[^1], perRepetition), same);
    }

    /// <summary>256 states stepped all at once, and 256 others stepped one by one, with the same inputs.</summary>
    private interface IStreams
    {
        IRecurrentNetwork Network { get; }
        void StepAll(ReadOnlySpan<float> x, Span<float> y);
        void StepEach(ReadOnlySpan<float> x, Span<float> y);
        bool Same();
    }

    private sealed class LstmStreams1x8(Lstm_1_8 model) : IStreams { private readonly Lstm_1_8 _model = model; private readonly Lstm_1_8.State[] _all = new Lstm_1_8.State[Count], _each = new Lstm_1_8.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_1_8.InputSize, o = Lstm_1_8.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams1x16(Lstm_1_16 model) : IStreams { private readonly Lstm_1_16 _model = model; private readonly Lstm_1_16.State[] _all = new Lstm_1_16.State[Count], _each = new Lstm_1_16.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_1_16.InputSize, o = Lstm_1_16.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams1x32(Lstm_1_32 model) : IStreams { private readonly Lstm_1_32 _model = model; private readonly Lstm_1_32.State[] _all = new Lstm_1_32.State[Count], _each = new Lstm_1_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_1_32.InputSize, o = Lstm_1_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams8x32(Lstm_8_32 model) : IStreams { private readonly Lstm_8_32 _model = model; private readonly Lstm_8_32.State[] _all = new Lstm_8_32.State[Count], _each = new Lstm_8_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_8_32.InputSize, o = Lstm_8_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams32x64(Lstm_32_64 model) : IStreams { private readonly Lstm_32_64 _model = model; private readonly Lstm_32_64.State[] _all = new Lstm_32_64.State[Count], _each = new Lstm_32_64.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_32_64.InputSize, o = Lstm_32_64.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams64x128(Lstm_64_128 model) : IStreams { private readonly Lstm_64_128 _model = model; private readonly Lstm_64_128.State[] _all = new Lstm_64_128.State[Count], _each = new Lstm_64_128.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_64_128.InputSize, o = Lstm_64_128.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class LstmStreams128x256(Lstm_128_256 model) : IStreams { private readonly Lstm_128_256 _model = model; private readonly Lstm_128_256.State[] _all = new Lstm_128_256.State[Count], _each = new Lstm_128_256.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm_128_256.InputSize, o = Lstm_128_256.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams1x8(Gru_1_8 model) : IStreams { private readonly Gru_1_8 _model = model; private readonly Gru_1_8.State[] _all = new Gru_1_8.State[Count], _each = new Gru_1_8.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_1_8.InputSize, o = Gru_1_8.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams1x16(Gru_1_16 model) : IStreams { private readonly Gru_1_16 _model = model; private readonly Gru_1_16.State[] _all = new Gru_1_16.State[Count], _each = new Gru_1_16.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_1_16.InputSize, o = Gru_1_16.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams1x32(Gru_1_32 model) : IStreams { private readonly Gru_1_32 _model = model; private readonly Gru_1_32.State[] _all = new Gru_1_32.State[Count], _each = new Gru_1_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_1_32.InputSize, o = Gru_1_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams8x32(Gru_8_32 model) : IStreams { private readonly Gru_8_32 _model = model; private readonly Gru_8_32.State[] _all = new Gru_8_32.State[Count], _each = new Gru_8_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_8_32.InputSize, o = Gru_8_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams32x64(Gru_32_64 model) : IStreams { private readonly Gru_32_64 _model = model; private readonly Gru_32_64.State[] _all = new Gru_32_64.State[Count], _each = new Gru_32_64.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_32_64.InputSize, o = Gru_32_64.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams64x128(Gru_64_128 model) : IStreams { private readonly Gru_64_128 _model = model; private readonly Gru_64_128.State[] _all = new Gru_64_128.State[Count], _each = new Gru_64_128.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_64_128.InputSize, o = Gru_64_128.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class GruStreams128x256(Gru_128_256 model) : IStreams { private readonly Gru_128_256 _model = model; private readonly Gru_128_256.State[] _all = new Gru_128_256.State[Count], _each = new Gru_128_256.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Gru_128_256.InputSize, o = Gru_128_256.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams1x8(Rnn_1_8 model) : IStreams { private readonly Rnn_1_8 _model = model; private readonly Rnn_1_8.State[] _all = new Rnn_1_8.State[Count], _each = new Rnn_1_8.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_1_8.InputSize, o = Rnn_1_8.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams1x16(Rnn_1_16 model) : IStreams { private readonly Rnn_1_16 _model = model; private readonly Rnn_1_16.State[] _all = new Rnn_1_16.State[Count], _each = new Rnn_1_16.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_1_16.InputSize, o = Rnn_1_16.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams1x32(Rnn_1_32 model) : IStreams { private readonly Rnn_1_32 _model = model; private readonly Rnn_1_32.State[] _all = new Rnn_1_32.State[Count], _each = new Rnn_1_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_1_32.InputSize, o = Rnn_1_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams8x32(Rnn_8_32 model) : IStreams { private readonly Rnn_8_32 _model = model; private readonly Rnn_8_32.State[] _all = new Rnn_8_32.State[Count], _each = new Rnn_8_32.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_8_32.InputSize, o = Rnn_8_32.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams32x64(Rnn_32_64 model) : IStreams { private readonly Rnn_32_64 _model = model; private readonly Rnn_32_64.State[] _all = new Rnn_32_64.State[Count], _each = new Rnn_32_64.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_32_64.InputSize, o = Rnn_32_64.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams64x128(Rnn_64_128 model) : IStreams { private readonly Rnn_64_128 _model = model; private readonly Rnn_64_128.State[] _all = new Rnn_64_128.State[Count], _each = new Rnn_64_128.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_64_128.InputSize, o = Rnn_64_128.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class RnnStreams128x256(Rnn_128_256 model) : IStreams { private readonly Rnn_128_256 _model = model; private readonly Rnn_128_256.State[] _all = new Rnn_128_256.State[Count], _each = new Rnn_128_256.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Rnn_128_256.InputSize, o = Rnn_128_256.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
    private sealed class Lstm2Streams16x32(Lstm2_16_32_32_4 model) : IStreams { private readonly Lstm2_16_32_32_4 _model = model; private readonly Lstm2_16_32_32_4.State[] _all = new Lstm2_16_32_32_4.State[Count], _each = new Lstm2_16_32_32_4.State[Count]; public IRecurrentNetwork Network => _model; public void StepAll(ReadOnlySpan<float> x, Span<float> y) => _model.Step(_all, x, y); public void StepEach(ReadOnlySpan<float> x, Span<float> y) { const int i = Lstm2_16_32_32_4.InputSize, o = Lstm2_16_32_32_4.OutputSize; for (int s = 0; s < _each.Length; s++) _model.Step(ref _each[s], x.Slice(s * i, i), y.Slice(s * o, o)); } public bool Same() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(_all.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_each.AsSpan())); }
}
