namespace RnnGen.Samples.Tests;

/// <summary>A sample built in Debug says so, once, before anything else (samples/Shared/BuildCheck.cs); the Release
/// builds the other tests run say nothing of the kind.</summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class DebugBuildTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-debug-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_Debug_build_of_a_sample_warns_once()
    {
        string project = Path.Combine(Repository.Root, "samples", "ReberGrammar", "ReberGrammar.csproj");
        var (code, build) = Repository.Run("dotnet", Repository.Root, null, TimeSpan.FromMinutes(5), "build", project, "-c", "Debug", "-o", _dir);
        Assert.True(code == 0, $"the Debug build failed:\n{build}");
        // --help: the warning comes first, before any option is looked at, so the quickest run shows it.
        var (_, output) = Repository.Run("dotnet", _dir, null, TimeSpan.FromMinutes(1), Path.Combine(_dir, "ReberGrammar.dll"), "--help");
        string[] warnings = output.Split('\n').Where(l => l.StartsWith("warning: this is a Debug build", StringComparison.Ordinal)).ToArray();
        string warning = Assert.Single(warnings);
        Assert.Contains("ReberGrammar", warning);
        Assert.Contains("Run it with -c Release.", warning);
    }
}
