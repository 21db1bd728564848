namespace RnnGen.Samples.Tests;

/// <summary>
/// Every sample, run as a user runs it — no arguments, built-in data — must finish and report a learned result
/// against its baseline (each sample exits 0 only then). Learning tests with fixed seeds, not timing tests.
/// </summary>
public class SampleTests
{
    public static TheoryData<string, string> Samples() => new()
    {
        { "AddingProblem", "solved" },
        { "ReberGrammar", "learned" },
        { "CharLanguageModel", "learned" },
        { "Sentiment", "learned" },
        { "Forecasting", "learned" },
        { "EchoStateNetwork", "learned" },
        { "SequenceToSequence", "learned" },
    };

    [Theory, MemberData(nameof(Samples))]
    public void Runs_with_no_arguments_and_learns(string sample, string verdict)
    {
        var (exitCode, output, folder) = Run(sample);
        try
        {
            Assert.True(exitCode == 0, $"{sample} exited with {exitCode}:\n{output}");
            Assert.Contains(verdict, output);
            if (sample == "Forecasting")
            {
                string svg = File.ReadAllText(Path.Combine(folder, "forecast.svg"));
                Assert.StartsWith("<svg", svg);
                Assert.Contains("<polyline", svg);
            }
            if (sample == "AddingProblem") Assert.Contains("faster", output);   // the comparison with the reference runtime
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_bad_option_is_refused_with_exit_code_2_and_a_reason()
    {
        var (exitCode, output, folder) = Run("Forecasting", "--horizon", "zero");
        Directory.Delete(folder, recursive: true);
        Assert.Equal(2, exitCode);
        Assert.Contains("--horizon zero: expected an integer", output);
    }

    private static (int ExitCode, string Output, string Folder) Run(string sample, params string[] arguments)
    {
        string dll = Repository.Built(Path.Combine("samples", sample), sample);
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        string folder = Directory.CreateTempSubdirectory("rnngen-sample").FullName;
        var (code, output) = Repository.Run("dotnet", folder, null, TimeSpan.FromMinutes(4), [dll, .. arguments]);
        Assert.True(code != -1, $"{sample} {output}");
        return (code, output, folder);
    }
}
