using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace RnnGen.Benchmarks;

/// <summary>
/// How every BenchmarkDotNet suite here runs: in <paramref name="category"/> (what <c>--filter</c>, <c>--anyCategories</c>
/// and <c>--list</c> see), one launch, <paramref name="warmupCount"/> warm-up and <paramref name="iterationCount"/>
/// measured iterations, with MemoryDiagnoser (allocation per call is part of every result).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SuiteAttribute(string category, int warmupCount, int iterationCount) : BenchmarkCategoryAttribute(category), IConfigSource
{
    public IConfig Config { get; } = ManualConfig.CreateEmpty()
        .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(warmupCount).WithIterationCount(iterationCount))
        .AddDiagnoser(MemoryDiagnoser.Default);
}
