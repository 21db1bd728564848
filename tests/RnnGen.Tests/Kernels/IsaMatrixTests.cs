using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace RnnGen.Tests.Kernels;

/// <summary>
/// Every code path is checked: the kernel tests and the whole generated-vs-reference/PyTorch parity matrix run
/// again in child processes with AVX-512 switched off (Vector256 paths) and with AVX2 switched off (scalar paths).
/// .NET 10 ignores DOTNET_EnableAVX512F (its AVX-512 knob is DOTNET_EnableAVX512), so both are set; a test inside
/// the child proves the vectors really are off.
/// </summary>
public sealed class IsaMatrixTests
{
    private const string ChildVariable = "RNNGEN_ISA_CHILD";

    [Theory]
    [InlineData("AVX512", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX512")]
    [InlineData("AVX2", "DOTNET_EnableAVX2")]
    public async Task Parity_holds_with_the_instruction_set_switched_off(string isa, params string[] variables)
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) is not null) return; // already inside a child run
        string assembly = typeof(IsaMatrixTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "test", assembly, "--filter",
            "FullyQualifiedName~RnnGen.Tests.Kernels|FullyQualifiedName~RnnGen.Tests.Generated|FullyQualifiedName~PyTorchParityTests" })
            start.ArgumentList.Add(arg);
        foreach (string variable in variables) start.Environment[variable] = "0";
        start.Environment[ChildVariable] = isa;
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"child run with {string.Join(", ", variables)} = 0 failed:\n{output}\n{await error}");
        Assert.Contains("Passed!", output);
        Assert.Matches(@"Passed:\s+[1-9]\d{2,}", output); // hundreds of tests ran, not none
    }

    /// <summary>Runs in the child processes too (it matches their filter): proves the switch took effect there.</summary>
    [Fact]
    public void Inside_a_child_run_the_switched_off_vectors_are_really_off()
    {
        string? child = Environment.GetEnvironmentVariable(ChildVariable);
        if (child == "AVX512") Assert.False(Vector512.IsHardwareAccelerated);
        if (child == "AVX2") Assert.False(Vector256.IsHardwareAccelerated);
    }
}
