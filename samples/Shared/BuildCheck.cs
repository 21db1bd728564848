using System.Diagnostics;
using System.Reflection;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace RnnGen.Samples;

/// <summary>Warns, once, when a sample runs a Debug build: its training and timings are then several times slower
/// than the figures it is documented with.</summary>
internal static class BuildCheck
{
    private static bool _warned;

    /// <summary>The warning for these assemblies (the sample and the RnnGen library), or null when all are optimised.</summary>
    public static string? Warning(params Assembly?[] assemblies)
    {
        string[] unoptimised = assemblies.OfType<Assembly>().Distinct()
            .Where(a => a.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            .Select(a => a.GetName().Name ?? "?").ToArray();
        if (unoptimised.Length == 0) return null;
        return $"warning: this is a Debug build ({string.Join(", ", unoptimised)} without JIT optimisation); training and timings run several times slower than documented. Run it with -c Release.";
    }

    /// <summary>
    /// Whether a JIT compiles this process's code (false for a NativeAOT executable). Not
    /// <see cref="RuntimeFeature.IsDynamicCodeSupported"/> alone: a project with PublishAot=true sets that switch to
    /// false in its JIT builds too (dotnet run, dotnet X.dll), so that they behave as the native executable will.
    /// </summary>
    public static bool UnderJit => RuntimeFeature.IsDynamicCodeSupported || JitInfo.GetCompiledMethodCount() > 0;

    /// <summary>Writes the warning to the error stream, at most once per process. Under NativeAOT there is no JIT to
    /// switch off, so nothing is checked.</summary>
    public static void WarnIfDebug()
    {
        if (_warned || !UnderJit) return;
        _warned = true;
        if (Warning(Assembly.GetEntryAssembly(), typeof(RnnGen.Training.Trainer).Assembly) is { } warning) Console.Error.WriteLine(warning);
    }
}
