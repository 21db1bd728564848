// RnnGen benchmarks. Examples:
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --filter '*GeneratedVsReference*'
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --filter '*TrainingStep*'   (char-LM training update under BenchmarkDotNet)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- peak      (this machine's peak FMA rate)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --list flat
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- scaling   (ns/step against hidden size, SVG plot)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- latency   (p50/p99/p99.9/max per step, GC count)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training  (char-LM training step, ms and GFLOP/s)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-phases   (one char-LM update taken apart, µs per phase)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-kernels  (one shard's products, cell and passes by sequences per shard)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-peers 1|2 [shards]  (the peer harness's training rows; RESULT lines)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- step      (streaming step timed like benchmarks/cpp-eigen-baseline)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- peers [cell in hidden]    (the peer harness; benchmarks/peers/run.sh)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- bounds [cell in hidden]   (FLOPs, bytes, peaks and latencies per peer shape)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- streams [cell in hidden]  (256 streams per call against the one-by-one loop)
if (args is ["streams", .. var streamFilter])
{
    Environment.ExitCode = RnnGen.Benchmarks.Streams.Run(streamFilter, Console.Out);
    return;
}
if (args is ["peers", .. var peerFilter])
{
    Environment.ExitCode = RnnGen.Benchmarks.Peers.Run(peerFilter, Console.Out);
    return;
}
if (args is ["bounds", .. var boundFilter])
{
    Environment.ExitCode = RnnGen.Benchmarks.Peers.Bounds(boundFilter, Console.Out);
    return;
}
if (args is ["peak"])
{
    RnnGen.Benchmarks.PeakFlops.Measure(Console.Out);
    return;
}
if (args is ["latency"])
{
    Environment.ExitCode = RnnGen.Benchmarks.StreamingStep.Latency(Console.Out);
    return;
}
if (args is ["step"])
{
    RnnGen.Benchmarks.StreamingStep.Throughput(Console.Out);
    return;
}
if (args is ["sequence"])
{
    RnnGen.Benchmarks.TrainingBenchmark.SingleSequence(Console.Out);
    return;
}
if (args is ["training"])
{
    // % of peak against this machine's own measured single-core peak (the widest accelerated vectors).
    var (peak256, peak512) = RnnGen.Benchmarks.PeakFlops.Measure(Console.Out);
    RnnGen.Benchmarks.TrainingBenchmark.Run(Console.Out, peakGflops: double.IsNaN(peak512) ? peak256 : Math.Max(peak256, peak512));
    return;
}
if (args is ["training-peers", var workerCount, .. var shardCount] && shardCount.Length <= 1)
{
    Environment.ExitCode = RnnGen.Benchmarks.TrainingPeers.Run(int.Parse(workerCount, System.Globalization.CultureInfo.InvariantCulture),
        shardCount.Length == 1 ? int.Parse(shardCount[0], System.Globalization.CultureInfo.InvariantCulture) : 8, Console.Out);
    return;
}
if (args is ["training-kernels"])
{
    Environment.ExitCode = RnnGen.Benchmarks.TrainingKernels.Run(Console.Out);
    return;
}
if (args is ["training-phases"])
{
    Environment.ExitCode = RnnGen.Benchmarks.TrainingPhases.Run(Console.Out);
    return;
}
if (args is ["scaling"])
{
    string results = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "results"));
    RnnGen.Benchmarks.Scaling.Run(results, Console.Out);
    return;
}

var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(RnnGen.Benchmarks.GeneratedVsReference).Assembly).Run(args, config);
