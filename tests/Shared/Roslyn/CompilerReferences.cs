using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RnnGen.TestSupport;

/// <summary>
/// What an in-process compilation against RnnGen references: the framework assemblies of the running test host (its
/// trusted platform assemblies named System.*, mscorlib and netstandard), the RnnGen runtime and
/// System.Numerics.Tensors, which generated code calls. Linked into the test projects that compile C# with Roslyn.
/// </summary>
internal static class CompilerReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Lazy = new(() =>
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var refs = tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(NetworkSpec).Assembly.Location));
        refs.Add(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location));
        return [.. refs];
    });

    public static ImmutableArray<MetadataReference> All => Lazy.Value;
}
