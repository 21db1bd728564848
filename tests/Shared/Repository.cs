using System.Diagnostics;

namespace RnnGen.TestSupport;

/// <summary>Where the repository and its build outputs are, and how the process tests run a program.</summary>
internal static class Repository
{
    /// <summary>The folder holding RnnGen.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration these tests were built in (bin/&lt;Configuration&gt;/net10.0/).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>A project's built dll: <c>&lt;root&gt;/&lt;folder&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;name&gt;.dll</c>.</summary>
    public static string Built(string folder, string name) => Path.Combine(Root, folder, "bin", Configuration, "net10.0", name + ".dll");

    /// <summary>Runs <paramref name="file"/> and returns its exit code and output (stdout then stderr); -1 after the time limit.</summary>
    public static (int Code, string Output) Run(string file, string directory, IReadOnlyDictionary<string, string>? environment, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        if (environment is not null) foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"did not finish within {limit}\n{output}");
        }
        return (process.ExitCode, output + error.Result);
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "RnnGen.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
