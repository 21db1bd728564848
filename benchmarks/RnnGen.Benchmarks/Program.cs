// RnnGen benchmarks. Examples:
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --filter '*GeneratedVsReference*'
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- peak      (this machine's peak FMA rate)
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --list flat
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

if (args is ["peak"])
{
    RnnGen.Benchmarks.PeakFlops.Measure(Console.Out);
    return;
}

var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(RnnGen.Benchmarks.GeneratedVsReference).Assembly).Run(args, config);
