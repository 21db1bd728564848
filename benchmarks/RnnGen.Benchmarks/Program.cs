// RnnGen benchmarks. Examples:
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --filter '*GeneratedVsReference*'
//   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- --list flat
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(RnnGen.Benchmarks.GeneratedVsReference).Assembly).Run(args, config);
