namespace RnnGen.Samples.Tests;

/// <summary>The built <c>rnngen</c> tool, run as a user runs it: <c>dotnet RnnGen.Cli.dll …</c> in a folder.</summary>
internal static class RnngenTool
{
    /// <summary>Runs <c>rnngen <paramref name="arguments"/></c> in <paramref name="workingDirectory"/> and returns its
    /// exit code and output (stdout then stderr); fails the test if the tool is not built or does not finish in a minute.</summary>
    public static (int Code, string Output) Run(string workingDirectory, params string[] arguments)
    {
        string dll = Repository.Built(Path.Combine("src", "RnnGen.Cli"), "RnnGen.Cli");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        var result = Repository.Run("dotnet", workingDirectory, null, TimeSpan.FromMinutes(1), [dll, .. arguments]);
        Assert.True(result.Code != -1, "rnngen " + result.Output);
        return result;
    }
}
