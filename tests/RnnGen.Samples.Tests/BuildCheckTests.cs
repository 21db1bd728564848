using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using RnnGen.Samples;

namespace RnnGen.Samples.Tests;

/// <summary>The Debug-build warning every sample prints first (samples/Shared/BuildCheck.cs).</summary>
public class BuildCheckTests
{
    private static Assembly Marked(string name, DebuggableAttribute.DebuggingModes modes)
    {
        var builder = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName(name), AssemblyBuilderAccess.Run);
        ConstructorInfo constructor = typeof(DebuggableAttribute).GetConstructor([typeof(DebuggableAttribute.DebuggingModes)])!;
        builder.SetCustomAttribute(new CustomAttributeBuilder(constructor, [modes]));
        return builder;
    }

    [Fact]
    public void An_assembly_compiled_without_JIT_optimisation_is_named_in_the_warning()
    {
        // What the C# compiler writes for -c Debug and for -c Release.
        Assembly debug = Marked("DebugSample", DebuggableAttribute.DebuggingModes.Default | DebuggableAttribute.DebuggingModes.DisableOptimizations
            | DebuggableAttribute.DebuggingModes.IgnoreSymbolStoreSequencePoints | DebuggableAttribute.DebuggingModes.EnableEditAndContinue);
        Assembly release = Marked("ReleaseSample", DebuggableAttribute.DebuggingModes.IgnoreSymbolStoreSequencePoints);
        string? warning = BuildCheck.Warning(debug, release, null);
        Assert.NotNull(warning);
        Assert.StartsWith("warning: this is a Debug build (DebugSample without JIT optimisation)", warning);
        Assert.Contains("-c Release", warning);
        Assert.Null(BuildCheck.Warning(release, null));
    }

    [Fact]
    public void The_assemblies_of_this_build_are_judged_by_their_configuration()
    {
        string? warning = BuildCheck.Warning(typeof(BuildCheckTests).Assembly, typeof(RnnGen.Training.Trainer).Assembly);
        if (Repository.Configuration == "Release") Assert.Null(warning);
        else Assert.NotNull(warning);
    }
}
