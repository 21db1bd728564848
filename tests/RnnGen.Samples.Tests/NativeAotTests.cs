using System.Diagnostics;

namespace RnnGen.Samples.Tests;

/// <summary>
/// NativeAOT (issue 7, item 2): samples/NativeAot (training a generated GRU, a checkpoint written and reloaded,
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
        string project = Path.Combine(Root, "samples", "NativeAot", "NativeAot.csproj");
        var (code, publish) = Run("dotnet", Root, "publish", project, "-c", Configuration, "-r", "linux-x64", "-p:IlcInstructionSet=native", "-o", _dir);
        Assert.True(code == 0, $"publish failed:\n{publish}");
        Assert.DoesNotContain("warning", publish, StringComparison.OrdinalIgnoreCase);

        var (nativeCode, native) = Run(Path.Combine(_dir, "NativeAot"), _dir);
        var (jitCode, jit) = Run("dotnet", _dir, Path.Combine(Root, "samples", "NativeAot", "bin", Configuration, "net10.0", "NativeAot.dll"));
        Assert.True(nativeCode == 0 && jitCode == 0, $"native ({nativeCode}):\n{native}\nJIT ({jitCode}):\n{jit}");
        Assert.StartsWith("runtime: native executable", native);
        Assert.StartsWith("runtime: JIT", jit);
        string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];   // after the runtime line
        Assert.Equal(Lines(jit), Lines(native));
        Assert.Contains("aot sample ok", native);
    }

    private static (int Code, string Output) Run(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out\n" + output);
        }
        return (process.ExitCode, output + error.Result);
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "RnnGen.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
