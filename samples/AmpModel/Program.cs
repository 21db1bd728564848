// AmpModel: a guitar amp as a recurrent network, one audio sample per step. The built-in model is a Neural Amp
// Modeler LSTM (amp.nam, 1 × LSTM(16), trained on a tube-like overdrive by tools/make_nam_fixtures.py --amp), imported
// with `rnngen import samples/AmpModel/amp.nam --out samples/AmpModel` into the generated class Amp (Amp.cs) with its
// weights baked in (Amp.safetensors). Runs a built-in test signal (or a mono WAV file of yours) through it sample by
// sample, writes the output WAV, and reports the real-time factor at 48 kHz, the per-sample latency and the bytes
// allocated by the loop (none). --model loads a .nam file of yours at run time.
//   dotnet run --project samples/AmpModel -c Release
//   dotnet run --project samples/AmpModel -c Release -- guitar.wav --model my_amp.nam --out out

using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using RnnGen.Safetensors;

const string help = """
    AmpModel: audio through a Neural Amp Modeler LSTM, one sample per step.
    usage:    AmpModel [input.wav] [--model FILE.nam] [--out DIR]
    data:     your own data: a mono 16-bit PCM or 32-bit float WAV file as the first argument (default: a built-in
              test signal, 4 s at 48 kHz: plucked notes, then a sine sweep from 60 Hz to 4 kHz)
    options:  --model FILE.nam  a NAM "LSTM" model of yours, read at run time by NamImport (default: the built-in amp
                                baked into the generated class Amp). One of Amp's shape (input 1, 1 × LSTM(16),
                                Dense(1)) runs in the generated code; any other LSTM shape runs in the reference runtime
              --out DIR         the folder output.wav is written to (amp-output, created if missing)
    verdict:  with the built-in amp, its output against the tube-like overdrive it was trained on: the error-to-signal
              ratio (ESR) must beat the clean signal's (the input itself, no amp)
    """;
string? inputPath = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
if (Arguments.Parse(inputPath is null ? args : args[1..], help, out int exitCode) is not { } arguments) return exitCode;
string? modelPath = arguments.String("model");
string outputFolder = Path.GetFullPath(arguments.String("out") ?? "amp-output");
if (!arguments.Finish(out exitCode)) return exitCode;

const int sampleRate = 48_000;
const int block = 480;   // 10 ms: the latency is measured per block, as an audio callback would run it

// The model: the generated Amp with its baked weights, or a user's .nam file.
var amp = new Amp();
ReferenceNetwork? runtime = null;
string modelText = $"built-in amp.nam, {Describe(Amp.Spec)} baked into the generated class Amp";
int modelRate = sampleRate;
if (modelPath is not null)
{
    ImportedModel imported;
    try
    {
        imported = NamImport.Read(modelPath);
    }
    catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine(e.Message);
        return Verdict.BadArgumentsExitCode;
    }
    NetworkSpec spec = imported.Spec!;
    if (spec.InputSize != 1 || spec.OutputSize != 1)
    {
        Console.Error.WriteLine($"{modelPath}: {Describe(spec)} takes {spec.InputSize} inputs and gives {spec.OutputSize} outputs per step; AmpModel runs mono audio through models with 1 input and 1 output.");
        return Verdict.BadArgumentsExitCode;
    }
    if (spec.Layers.SequenceEqual(Amp.Spec.Layers))
    {
        imported.Parameters.AsSpan().CopyTo(amp.Parameters);
        modelText = $"{modelPath}, {Describe(spec)}: Amp's shape, so its weights run in the generated class Amp";
    }
    else
    {
        runtime = new ReferenceNetwork(spec);
        imported.Parameters.AsSpan().CopyTo(runtime.Parameters);
        runtime.ResetState();
        modelText = $"{modelPath}, {Describe(spec)}: not Amp's shape ({Describe(Amp.Spec)}), so it runs in the reference runtime "
            + $"(for generated code: rnngen import {Path.GetFileName(modelPath)} --out YourProject)";
    }
    string? rate = imported.Notes.FirstOrDefault(n => n.StartsWith("trained at ", StringComparison.Ordinal));
    if (rate is not null && int.TryParse(rate["trained at ".Length..].Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int hz)) modelRate = hz;
}

// The input: a WAV file or the built-in test signal.
float[] input;
int inputRate;
if (inputPath is not null)
{
    try
    {
        (input, inputRate) = WavFile.ReadMono(inputPath);
    }
    catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine(e.Message);
        return Verdict.BadArgumentsExitCode;
    }
    if (input.Length == 0)
    {
        Console.Error.WriteLine($"{inputPath}: no samples.");
        return Verdict.BadArgumentsExitCode;
    }
}
else
{
    input = TestSignal.Generate(sampleRate);
    inputRate = sampleRate;
}

AnsiConsole.MarkupLine("[bold]RnnGen — amp model[/]");
AnsiConsole.MarkupLine($"model: {Markup.Escape(modelText)}");
AnsiConsole.MarkupLine($"input: {Markup.Escape(inputPath is null ? "built-in test signal (plucked notes, then a sine sweep)" : inputPath)}, {input.Length / (double)inputRate:F2} s at {inputRate} Hz, {input.Length:N0} samples");
if (inputRate != modelRate)
    AnsiConsole.MarkupLine($"[yellow]warning[/]: the model was trained at {modelRate} Hz and the input is {inputRate} Hz: it runs sample by sample all the same, but sounds as the amp would at another rate.");

var output = new float[input.Length];
var perSample = new double[(input.Length + block - 1) / block];   // Stopwatch ticks per sample of each block

// Warm up (packed weights, the callees' JIT) on a scratch state through the same loop, then run from the model's
// initial state (NAM's stored h and c). The loop is its own method, compiled optimised up front, so that no
// recompilation happens inside the measured run.
Amp.State state = default;
float[] warmInput = input[..Math.Min(block, input.Length)];
RunBlocks(amp, ref state, runtime, warmInput, new float[warmInput.Length], new double[1], block);
amp.ResetState(ref state);
runtime?.ResetState();

long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
long start = Stopwatch.GetTimestamp();
RunBlocks(amp, ref state, runtime, input, output, perSample, block);
long elapsed = Stopwatch.GetTimestamp() - start;
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

Directory.CreateDirectory(outputFolder);
string outputPath = Path.Combine(outputFolder, "output.wav");
WavFile.WriteMonoFloat(outputPath, output, inputRate);

double seconds = elapsed / (double)Stopwatch.Frequency;
double audioSeconds = input.Length / (double)sampleRate;
Array.Sort(perSample);
double p50 = Percentile(perSample, 0.50), p99 = Percentile(perSample, 0.99);
double microsPerTick = 1e6 / Stopwatch.Frequency;
AnsiConsole.MarkupLine($"output: {Markup.Escape(outputPath)} (mono 32-bit float WAV, {inputRate} Hz)");
AnsiConsole.MarkupLine(Invariant($"real-time factor at 48 kHz: {audioSeconds / seconds:N0}× ({audioSeconds:F2} s of audio in {seconds * 1e3:F1} ms, {(runtime is null ? "generated code, Step(ref state, input, output)" : "reference runtime, Step(input, output)")})"));
AnsiConsole.MarkupLine(Invariant($"per-sample latency: p50 {p50:F2} ticks ({p50 * microsPerTick:F3} µs), p99 {p99:F2} ticks ({p99 * microsPerTick:F3} µs); Stopwatch ticks per sample over {perSample.Length:N0} blocks of {block} samples, {Stopwatch.Frequency:N0} ticks/s"));
AnsiConsole.MarkupLine(Invariant($"allocated by the loop: {allocated:N0} bytes (GC.GetAllocatedBytesForCurrentThread around it)"));

if (modelPath is not null) return 0;

// The built-in model: the same network read from amp.nam at run time by the reference runtime gives the same samples,
// and the output sounds like the amp it was trained on (the tube-like overdrive of tools/make_nam_fixtures.py).
string namPath = Path.Combine(AppContext.BaseDirectory, "amp.nam");
ImportedModel builtIn = NamImport.Read(namPath);
var check = new ReferenceNetwork(builtIn.Spec!);
builtIn.Parameters.AsSpan().CopyTo(check.Parameters);
check.ResetState();   // to the learned initial state, now that the parameters hold it
double worst = 0;
var one = new float[1];
for (int i = 0; i < input.Length; i++)
{
    check.Step(input.AsSpan(i, 1), one);
    worst = Math.Max(worst, Math.Abs(one[0] - output[i]));
}
AnsiConsole.MarkupLine(Invariant($"reference runtime, amp.nam read at run time: max |Δ| {worst:E1} against the generated code over {input.Length:N0} samples"));
if (!(worst <= 1e-4))
{
    AnsiConsole.MarkupLine("[red]the generated code and the reference runtime disagree[/]");
    return Verdict.NotLearnedExitCode;
}
double[] target = TestSignal.Overdrive(input);
int skip = Math.Min(input.Length / 10, sampleRate / 10);   // the first 0.1 s: the state settling from silence
double esr = Esr(output, target, skip), clean = Esr(input, target, skip);
return SampleConsole.Conclude(Verdict.Compare(esr, clean, Better.Lower),
    Invariant($"ESR {esr:F4} against the tube-like overdrive it was trained on (the clean signal scores {clean:F4})"),
    "the model does not match its amp: regenerate amp.nam with tools/make_nam_fixtures.py --amp",
    learned: "sounds like its amp", level: "no better than no amp", notLearned: "does not sound like its amp");

// One Step per sample, in blocks: the Stopwatch ticks per sample of block b go to perSample[b].
[MethodImpl(MethodImplOptions.AggressiveOptimization)]
static void RunBlocks(Amp amp, ref Amp.State state, ReferenceNetwork? runtime, float[] input, float[] output, double[] perSample, int block)
{
    for (int b = 0, at = 0; at < input.Length; b++, at += block)
    {
        int end = Math.Min(at + block, input.Length);
        long t0 = Stopwatch.GetTimestamp();
        if (runtime is null)
            for (int i = at; i < end; i++) amp.Step(ref state, input.AsSpan(i, 1), output.AsSpan(i, 1));
        else
            for (int i = at; i < end; i++) runtime.Step(input.AsSpan(i, 1), output.AsSpan(i, 1));
        perSample[b] = (Stopwatch.GetTimestamp() - t0) / (double)(end - at);
    }
}

static double Esr(ReadOnlySpan<float> y, double[] target, int skip)
{
    double error = 0, energy = 0;
    for (int i = skip; i < target.Length; i++)
    {
        error += (y[i] - target[i]) * (y[i] - target[i]);
        energy += target[i] * target[i];
    }
    return energy > 0 ? error / energy : double.NaN;
}

static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * (sorted.Length - 1) + 0.5))];

static string Describe(NetworkSpec spec) =>
    $"input {spec.InputSize}, {string.Join(", ", spec.Layers.GroupBy(l => l).Select(g => g.Count() > 1 ? $"{g.Count()} × {Layer(g.Key)}" : Layer(g.Key)))}";

static string Layer(LayerSpec l) => l.Kind == LayerKind.Dense ? $"Dense({l.Size})" : $"{l.Kind.ToString().ToUpperInvariant()}({l.Size})";

static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
