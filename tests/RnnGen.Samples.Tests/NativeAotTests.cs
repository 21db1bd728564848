namespace RnnGen.Samples.Tests;

/// <summary>
/// NativeAOT: samples/NativeAot (training a generated GRU, a checkpoint written and reloaded,
/// streaming steps) is published with PublishAot=true — with no trim or AOT warning at all — and the native executable
/// prints exactly what the JIT build prints, number for number. The native code is compiled for this CPU
/// (IlcInstructionSet=native) so that both use the same vector paths (AVX2 + FMA here); for the portable default
/// (x86-64-v2) the native binary matches the JIT with AVX2 switched off instead.
/// </summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class NativeAotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-aot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_native_executable_publishes_without_warnings_and_prints_what_the_JIT_build_prints()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Fail("this test publishes for linux-x64; run it there");
        string project = Path.Combine(Repository.Root, "samples", "NativeAot", "NativeAot.csproj");
        var (code, publish) = Run("dotnet", Repository.Root, "publish", project, "-c", Repository.Configuration, "-r", "linux-x64", "-p:IlcInstructionSet=native", "-o", _dir);
        Assert.True(code == 0, $"publish failed:\n{publish}");
        Assert.DoesNotContain("warning", publish, StringComparison.OrdinalIgnoreCase);

        var (nativeCode, native) = Run(Path.Combine(_dir, "NativeAot"), _dir);
        var (jitCode, jit) = Run("dotnet", _dir, Repository.Built(Path.Combine("samples", "NativeAot"), "NativeAot"));
        Assert.True(nativeCode == 0 && jitCode == 0, $"native ({nativeCode}):\n{native}\nJIT ({jitCode}):\n{jit}");
        Assert.StartsWith("runtime: native executable", native);
        Assert.StartsWith("runtime: JIT", jit);
        string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];   // after the runtime line
        Assert.Equal(Lines(jit), Lines(native));
        Assert.Contains("aot sample ok", native);
    }

    private static (int Code, string Output) Run(string file, string directory, params string[] arguments) =>
        Repository.Run(file, directory, null, TimeSpan.FromMinutes(5), arguments);
}
