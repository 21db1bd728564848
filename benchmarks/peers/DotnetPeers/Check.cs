using System.Globalization;

namespace RnnGen.Peers;

/// <summary>
/// Not timed: ONNX Runtime and TorchSharp stepped side by side over 20 inputs of the ring (single stream and 256
/// streams) must agree within 1e-5 in every output.
/// </summary>
internal static class Check
{
    public const float Tolerance = 1e-5f;
    private const int Steps = 20;

    public static int Run(string peer, IReadOnlyList<Shape>? shapes)
    {
        _ = peer;
        shapes ??= [.. Shape.All().Where(s => (s.Name, s.Input, s.Hidden) is ("lstm", 8, 32) or ("gru", 8, 32) or ("lstm2", 16, 32))];
        PrintGenerator();
        bool ok = true;
        foreach (Shape shape in shapes)
        {
            foreach (int batch in new[] { 1, Harness.Streams })
            {
                using Stepper ort = new OnnxRuntimePeer(shape, batch);
                using Stepper torch = new TorchSharpPeer(shape, batch);
                float[] ring = shape.InputRing();
                float maxDiff = 0;
                for (int step = 0; step < Steps; step++)
                {
                    int row = (step * batch) % Harness.RingLength;
                    ReadOnlySpan<float> inputs = ring.AsSpan(row * shape.Input, batch * shape.Input);
                    ort.Step(inputs);
                    torch.Step(inputs);
                    ReadOnlySpan<float> a = ort.Outputs;
                    ReadOnlySpan<float> b = torch.Outputs;
                    for (int i = 0; i < a.Length; i++)
                        maxDiff = MathF.Max(maxDiff, MathF.Abs(a[i] - b[i]));
                }
                bool pass = maxDiff <= Tolerance;
                ok &= pass;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"CHECK cell={shape.Name} in={shape.Input} hidden={shape.Hidden} out={shape.Output} streams={batch} steps={Steps} " +
                    $"max_abs_diff={maxDiff:G3} tolerance={Tolerance:G3} {(pass ? "ok" : "FAILED")}"));
            }
        }
        return ok ? 0 : 1;
    }

    /// <summary>
    /// The weight generator's first draws and an FNV-1a hash of the next 1,000,000 (their float bits), for
    /// comparison with std::mt19937(42) and std::uniform_real_distribution&lt;float&gt;(-1/sqrt(32), 1/sqrt(32)) in C++.
    /// </summary>
    private static void PrintGenerator()
    {
        var rng = new Mt19937(42);
        float k = 1f / MathF.Sqrt(32f);
        string first = string.Join(' ', Enumerable.Range(0, 3).Select(_ => rng.NextUniform(-k, k).ToString("G9", CultureInfo.InvariantCulture)));
        ulong hash = 1469598103934665603ul;
        for (int i = 0; i < 1_000_000; i++)
            hash = unchecked((hash ^ BitConverter.SingleToUInt32Bits(rng.NextUniform(-k, k))) * 1099511628211ul);
        Console.WriteLine($"# mt19937(42) U(+-1/sqrt(32)): {first} fnv={hash}");
    }
}
