using System.Globalization;

namespace RnnGen.Peers;

/// <summary>
/// The .NET peers of the streaming-step benchmark: ONNX Runtime and TorchSharp, one shape at a time, single stream
/// and 256 streams per call, printing RESULT lines; or `check`, comparing the two peers' outputs.
/// Usage: DotnetPeers onnxruntime|torchsharp|check [single|streams] [cell in hidden]
///        DotnetPeers torchsharp training THREADS   (the char-LM training update; see TorchSharpTraining)
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length < 1 || args[0] is not ("onnxruntime" or "torchsharp" or "check"))
            return Usage();
        if (args is ["torchsharp", "training", var threadCount])
            return int.TryParse(threadCount, CultureInfo.InvariantCulture, out int threads) && threads > 0 ? TorchSharpTraining.Run(threads) : Usage();
        string peer = args[0];
        int next = 1;
        string mode = "all";
        if (args.Length > next && args[next] is "single" or "streams")
            mode = args[next++];
        IReadOnlyList<Shape> shapes = Shape.All();
        if (args.Length > next)
        {
            if (args.Length != next + 3 || !int.TryParse(args[next + 1], CultureInfo.InvariantCulture, out int input) ||
                !int.TryParse(args[next + 2], CultureInfo.InvariantCulture, out int hidden))
                return Usage();
            string cell = args[next];
            shapes = [.. shapes.Where(s => s.Name == cell && s.Input == input && s.Hidden == hidden)];
            if (shapes.Count == 0)
            {
                Console.Error.WriteLine($"no shape {cell} {input} {hidden}");
                return 2;
            }
        }

        if (peer == "check")
        {
            Denormals.Enable();
            return Check.Run(peer, args.Length > next ? shapes : null);
        }
        uint mxcsr = Denormals.Enable();
        Console.WriteLine($"# peer={peer} mxcsr=0x{mxcsr:x4} steps={Harness.Steps} stream_calls={Harness.StreamCalls} warmup_ms={Harness.WarmupMs} " +
            $"reps={Harness.Repetitions} runtime={Environment.Version}");
        if (mode is "all" or "single")
        {
            foreach (Shape shape in shapes)
            {
                using Stepper stepper = Create(peer, shape, 1);
                Harness.Run(peer, stepper);
            }
        }
        if (mode is "all" or "streams")
        {
            foreach (Shape shape in shapes)
            {
                using Stepper stepper = Create(peer, shape, Harness.Streams);
                Harness.Run(peer, stepper);
            }
        }
        return 0;
    }

    public static Stepper Create(string peer, Shape shape, int batch) =>
        peer == "onnxruntime" ? new OnnxRuntimePeer(shape, batch) : new TorchSharpPeer(shape, batch);

    private static int Usage()
    {
        Console.Error.WriteLine("usage: DotnetPeers onnxruntime|torchsharp|check [single|streams] [cell in hidden]");
        Console.Error.WriteLine("       DotnetPeers torchsharp training THREADS");
        return 2;
    }
}
