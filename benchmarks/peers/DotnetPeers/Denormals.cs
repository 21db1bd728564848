using System.Runtime.InteropServices;

namespace RnnGen.Peers;

/// <summary>
/// Flush-to-zero and denormals-are-zero for the calling thread, through glibc's fegetenv/fesetenv (its x86-64 fenv_t
/// ends with the SSE control register, MXCSR, at byte 28). Both peers run their kernels on the calling thread with
/// one intra-op thread, so this covers every step.
/// </summary>
internal static partial class Denormals
{
    private const int MxcsrOffset = 28;
    private const uint FlushToZero = 0x8000;
    private const uint DenormalsAreZero = 0x0040;

    /// <summary>Sets FTZ and DAZ; returns the MXCSR read back afterwards.</summary>
    public static unsafe uint Enable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return 0;
        byte* env = stackalloc byte[32];
        if (FeGetEnv(env) != 0)
            throw new InvalidOperationException("fegetenv failed");
        *(uint*)(env + MxcsrOffset) |= FlushToZero | DenormalsAreZero;
        if (FeSetEnv(env) != 0)
            throw new InvalidOperationException("fesetenv failed");
        if (FeGetEnv(env) != 0)
            throw new InvalidOperationException("fegetenv failed");
        return *(uint*)(env + MxcsrOffset);
    }

    [LibraryImport("libm.so.6", EntryPoint = "fegetenv")]
    private static unsafe partial int FeGetEnv(byte* env);

    [LibraryImport("libm.so.6", EntryPoint = "fesetenv")]
    private static unsafe partial int FeSetEnv(byte* env);
}
