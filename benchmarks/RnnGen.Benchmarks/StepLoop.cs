using System.Diagnostics;
using System.Globalization;

namespace RnnGen.Benchmarks;

/// <summary>
/// The streaming step timed exactly as <c>benchmarks/cpp-eigen-baseline/step.cpp</c> times its C++ Eigen baseline
/// (9 runs of 200,000 steps over 1,024 random inputs, best and median ns per step), so the two can be compared
/// from the same machine in the same session:
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- step
///   bash benchmarks/cpp-eigen-baseline/run.sh
/// </summary>
public static class StepLoop
{
    private const int Steps = 200_000;

    public static void Run(TextWriter output)
    {
        output.WriteLine("| net | best ns/step | median ns/step | GFLOP/s (median) |");
        output.WriteLine("|---|---|---|---|");
        foreach (string kind in new[] { "Lstm", "Gru" })
        foreach ((int input, int hidden) in new[] { (1, 8), (1, 32), (8, 32), (32, 64), (64, 128) })
        {
            int gates = kind == "Lstm" ? 4 : 3;
            Time(output, $"{kind.ToUpperInvariant()} {input}→{hidden}→{input}", Models.Create(kind, input, hidden),
                2 * gates * hidden * (input + hidden) + 2 * input * hidden);
        }
        Time(output, "LSTM 16→32→32→4", new Lstm2_16_32_32_4(), 2 * 4 * 32 * 48 + 2 * 4 * 32 * 64 + 2 * 4 * 32);
    }

    private static void Time(TextWriter output, string name, IRecurrentNetwork net, int flops)
    {
        net.InitializeParameters(1);
        int inputSize = net.InputSize;
        var random = new Random(1);
        var inputs = new float[1024 * inputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle() * 2 - 1;
        var y = new float[net.OutputSize];
        float sink = 0;
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalMilliseconds < 300) { net.Step(inputs.AsSpan(0, inputSize), y); sink += y[0]; }   // tiered JIT
        var runs = new double[9];
        for (int run = 0; run < runs.Length; run++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int s = 0; s < Steps; s++)
            {
                net.Step(inputs.AsSpan((s & 1023) * inputSize, inputSize), y);
                sink += y[0];
            }
            runs[run] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Steps;
        }
        Array.Sort(runs);
        double median = runs[runs.Length / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {runs[0]:F0} | {median:F0} | {flops / median:F1} | (checksum {sink:G3})"));
    }
}
