namespace RnnGen.Generators.Tests;

/// <summary>Finds the checkout from the test binaries (CI builds map source paths to /_/, so [CallerFilePath] cannot be used).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Snapshots => Path.Combine(Root, "tests", "RnnGen.Generators.Tests", "Snapshots");

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "RnnGen.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
