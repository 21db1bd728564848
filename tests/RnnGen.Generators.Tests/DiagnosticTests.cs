using Microsoft.CodeAnalysis;

namespace RnnGen.Generators.Tests;

/// <summary>One test per diagnostic: the id, that it is located on the offending attribute, that the message
/// says how to fix it, and that the generator reported it instead of throwing.</summary>
public sealed class DiagnosticTests
{
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // id, declaration, text of the located attribute (prefix), a phrase of the message
        { "RNNG001", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public class NotPartial;", "RnnModel(", "add the 'partial' modifier" },
        { "RNNG002", "public partial class Outer { [RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public partial class Inner; }", "RnnModel(", "nested in 'Outer'" },
        { "RNNG002", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public partial class Generic<T>;", "RnnModel(", "generic" },
        { "RNNG002", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public static partial class Static;", "RnnModel(", "static" },
        { "RNNG003", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(0)] public partial class M;", "Lstm(0)", "[Lstm] hidden size = 0 is outside the allowed range 1..8192" },
        { "RNNG003", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Gru(3)] [Dense(9000)] public partial class M;", "Dense(9000)", "[Dense] units = 9000" },
        { "RNNG003", "[RnnModel(MaxSteps = 4)] [Embedding(0, 3)] [Gru(3)] public partial class M;", "Embedding(0, 3)", "[Embedding] vocabulary = 0" },
        { "RNNG003", "[RnnModel(InputSize = 1, MaxSteps = 2000000)] [Rnn(3)] public partial class M;", "RnnModel(", "MaxSteps = 2000000" },
        { "RNNG003", "[RnnModel(InputSize = 9000, MaxSteps = 4)] [Rnn(3)] public partial class M;", "RnnModel(", "InputSize = 9000" },
        { "RNNG002", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public partial record Rec;", "RnnModel(", "because it is a record" },
        { "RNNG004", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Dense(3, Activation.Softmax)] [Lstm(3)] public partial class M;", "Dense(3, Activation.Softmax)", "this is layer 1 of 2, [Dense(3, Activation.Softmax)]" },
        { "RNNG005", "[RnnModel(InputSize = 1, MaxSteps = 4, Loss = LossKind.CrossEntropy)] [Lstm(3)] public partial class M;", "RnnModel(", "the final layer, layer 1, [Lstm(3)], is not" },
        { "RNNG005", "[RnnModel(InputSize = 1, MaxSteps = 4, Loss = LossKind.BinaryCrossEntropy)] [Lstm(3)] [Dense(2, Activation.Tanh)] public partial class M;", "RnnModel(", "Identity (logits) or Sigmoid" },
        { "RNNG006", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] [Embedding(5, 2)] public partial class M;", "Embedding(5, 2)", "must be the first layer, but it is layer 2 of 2, [Embedding(5, 2)]" },
        { "RNNG007", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] public partial class M; [Dense(1)] public partial class M;", "Dense(1)", "more than one partial declaration" },
        { "RNNG008", "[RnnModel(InputSize = 1)] [Lstm(3)] public partial class M;", "RnnModel(", "add for example MaxSteps = 64" },
        { "RNNG009", "[RnnModel(InputSize = 1, MaxSteps = 4, Loss = (LossKind)42)] [Lstm(3)] public partial class M;", "RnnModel(", "Loss = 42 is not a defined LossKind" },
        { "RNNG009", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] [Dense(2, (Activation)9)] public partial class M;", "Dense(2, (Activation)9)", "[Dense] Activation = 9 is not a defined Activation" },
        { "RNNG010", "[RnnModel(InputSize = 1, MaxSteps = 4)] public partial class M;", "RnnModel(", "declares no layers" },
        { "RNNG011", "[RnnModel(MaxSteps = 4)] [Lstm(3)] public partial class M;", "RnnModel(", "add for example InputSize = 4" },
        { "RNNG012", "[RnnModel(InputSize = 3, MaxSteps = 4)] [Embedding(5, 2)] [Lstm(3)] public partial class M;", "RnnModel(", "remove InputSize" },
        { "RNNG013", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, Activation = Activation.Sigmoid)] public partial class M;", "Rnn(3, Activation = Activation.Sigmoid)", "not Sigmoid" },
        { "RNNG014", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, Leak = 1f)] public partial class M;", "Rnn(3, Leak = 1f)", "Leak = 0.9f" },
        { "RNNG014", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, Leak = -0.5f)] [Dense(1)] public partial class M;", "Rnn(3, Leak = -0.5f)", "must be in [0, 1)" },
        { "RNNG014", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, Leak = float.NaN)] public partial class M;", "Rnn(3, Leak = float.NaN)", "Leak = NaN" },
        { "RNNG014", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Reservoir(30, Leak = 2f)] [Dense(1)] public partial class M;", "Reservoir(30, Leak = 2f)", "[Reservoir] Leak = 2" },
        { "RNNG020", "[Lstm(3)] public partial class Forgotten;", "Lstm(3)", "[Lstm] on 'Forgotten' does nothing: 'Forgotten' has no [RnnModel]" },
        { "RNNG020", "[Gru(3)] public partial record ForgottenRecord;", "Gru(3)", "add [RnnModel(InputSize = …, MaxSteps = …)]" },
        { "RNNG018", "[RnnModel(InputSize = 1, MaxSteps = 4, Weights = \"no-such-dir/trained.safetensors\")] [Gru(3)] public partial class M;", "RnnModel(InputSize = 1, MaxSteps = 4, Weights = \"no-such-dir/trained.safetensors\")", "a relative path starts at the project directory" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(8, ClockPeriods = new[] { 1, 4, 2, 8 })] public partial class M;", "Rnn(8, ClockPeriods = new[] { 1, 4, 2, 8 })", "4 is followed by 2; list each period once, shortest first" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(8, ClockPeriods = new int[0])] public partial class M;", "Rnn(8, ClockPeriods = new int[0])", "there must be at least one period" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(8, ClockPeriods = new[] { 0, 2 })] public partial class M;", "Rnn(8, ClockPeriods = new[] { 0, 2 })", "every period must be ≥ 1" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(10, ClockPeriods = new[] { 1, 2, 4 })] [Dense(1)] public partial class M;", "Rnn(10, ClockPeriods = new[] { 1, 2, 4 })", "make the hidden size a multiple of 3 (e.g. 12)" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(2, ClockPeriods = new[] { 1, 2, 4 })] public partial class M;", "Rnn(2, ClockPeriods = new[] { 1, 2, 4 })", "3 groups need at least 3 units" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, ClockPeriods = new[] { 4099, 4111, 4127 })] public partial class M;", "Rnn(3, ClockPeriods = new[] { 4099, 4111, 4127 })", "exceeds 16777216 (2^24)" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(4, Bidirectional = true, ClockPeriods = new[] { 1, 2 })] public partial class M;", "Rnn(4, Bidirectional = true, ClockPeriods = new[] { 1, 2 })", "remove Bidirectional" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(4, Leak = 0.5f, ClockPeriods = new[] { 1, 2 })] public partial class M;", "Rnn(4, Leak = 0.5f, ClockPeriods = new[] { 1, 2 })", "remove Leak and LearnLeak" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(4, SkipDelay = 3, ClockPeriods = new[] { 1, 2 })] public partial class M;", "Rnn(4, SkipDelay = 3, ClockPeriods = new[] { 1, 2 })", "remove SkipDelay" },
        { "RNNG023", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, ReplaceUnitDelay = true)] [Dense(1)] public partial class M;", "Rnn(3, ReplaceUnitDelay = true)", "needs SkipDelay = d ≥ 2; add for example SkipDelay = 4" },
        { "RNNG022", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(4, RecurrentDropout = 0.2f, ClockPeriods = new[] { 1, 2 })] [Dense(1)] public partial class M;", "Rnn(4, RecurrentDropout = 0.2f, ClockPeriods = new[] { 1, 2 })", "remove RecurrentDropout" },
        { "RNNG023", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, SkipDelay = 2, ReplaceUnitDelay = true, RecurrentDropout = 0.2f)] [Dense(1)] public partial class M;", "Rnn(3, SkipDelay = 2, ReplaceUnitDelay = true, RecurrentDropout = 0.2f)", "a term this layer does not have" },
        { "RNNG017", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, LearnLeak = true)] public partial class M;", "Rnn(3, LearnLeak = true)", "add for example Leak = 0.5f" },
        { "RNNG016", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, SkipDelay = 1)] public partial class M;", "Rnn(3, SkipDelay = 1)", "d = 1 is W_hh itself" },
        { "RNNG016", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, SkipDelay = 5000)] [Dense(2)] public partial class M;", "Rnn(3, SkipDelay = 5000)", "SkipDelay = 5000" },
        { "RNNG015", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Reservoir(30, SpectralRadius = 0f)] [Dense(1)] public partial class M;", "Reservoir(30, SpectralRadius = 0f)", "SpectralRadius = 0, but it must be a finite number > 0" },
        { "RNNG015", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Reservoir(30, Density = 1.5f)] [Dense(1)] public partial class M;", "Reservoir(30, Density = 1.5f)", "Density = 1.5, but it must be in (0, 1]" },
        { "RNNG015", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Reservoir(30, InputScaling = -1f)] [Dense(1)] public partial class M;", "Reservoir(30, InputScaling = -1f)", "InputScaling = -1" },
        { "RNNG026", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3, Dropout = 1f)] [Dense(1)] public partial class M;", "Lstm(3, Dropout = 1f)", "[Lstm] Dropout = 1 is outside the valid range [0, 1)" },
        { "RNNG026", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Gru(3, RecurrentDropout = -0.1f)] [Dense(1)] public partial class M;", "Gru(3, RecurrentDropout = -0.1f)", "RecurrentDropout = -0.1 is outside the valid range [0, 1)" },
        { "RNNG026", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Dense(4, Dropout = float.NaN)] [Dense(1)] public partial class M;", "Dense(4, Dropout = float.NaN)", "Dropout = NaN is outside the valid range" },
        { "RNNG026", "[RnnModel(MaxSteps = 4)] [Embedding(5, 2, Dropout = 1.5f)] [Rnn(3)] [Dense(1)] public partial class M;", "Embedding(5, 2, Dropout = 1.5f)", "choose 0 ≤ p < 1" },
        { "RNNG026", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(3)] [Dense(1, Dropout = 0.5f)] public partial class M;", "Dense(1, Dropout = 0.5f)", "is on the final layer" },
        { "RNNG021", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(4, ProjectionSize = 4)] public partial class M;", "Lstm(4, ProjectionSize = 4)", "smaller than the hidden size 4 (PyTorch's proj_size < hidden_size) and not negative; use a value in 1…3" },
        { "RNNG021", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(4, ProjectionSize = -2)] [Dense(1)] public partial class M;", "Lstm(4, ProjectionSize = -2)", "ProjectionSize = -2, but" },
        { "RNNG021", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Gru(3)] [Lstm(6, Peepholes = true, ProjectionSize = 2)] public partial class M;", "Lstm(6, Peepholes = true, ProjectionSize = 2)", "remove Peepholes = true or ProjectionSize" },
        { "RNNG021", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(6, ProjectionSize = 2, RecurrentDropout = 0.2f)] [Dense(1)] public partial class M;", "Lstm(6, ProjectionSize = 2, RecurrentDropout = 0.2f)", "remove RecurrentDropout or ProjectionSize" },
        { "RNNG025", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(3, SkipDelay = 4, LearnInitialState = true)] [Dense(1)] public partial class M;", "Rnn(3, SkipDelay = 4, LearnInitialState = true)", "remove SkipDelay or LearnInitialState" },
        { "RNNG025", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Rnn(4, ClockPeriods = new[] { 1, 2 }, LearnInitialState = true)] [Dense(1)] public partial class M;", "Rnn(4, ClockPeriods = new[] { 1, 2 }, LearnInitialState = true)", "Remove ClockPeriods or LearnInitialState" },
        { "RNNG025", "[RnnModel(InputSize = 1, MaxSteps = 4)] [Lstm(6, ProjectionSize = 2, LearnInitialState = true)] [Dense(1)] public partial class M;", "Lstm(6, ProjectionSize = 2, LearnInitialState = true)", "Remove ProjectionSize or LearnInitialState" },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Bad_declarations_get_a_located_diagnostic(string id, string declaration, string locatedText, string phrase)
    {
        string source = GeneratorHarness.Usings + "namespace Demo;\n" + declaration;
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(source);
        Assert.Null(run.Result.Results.Single().Exception);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        // Locations travel through the pipeline as path + span (so they cache); find the text through the path.
        SyntaxTree tree = run.Output.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        string located = tree.GetText().ToString(diagnostic.Location.SourceSpan);
        Assert.StartsWith(locatedText, located);
        Assert.Contains(phrase, diagnostic.GetMessage());
        Assert.Empty(run.Result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void Each_layer_attribute_of_a_class_without_RnnModel_is_reported_and_a_model_class_is_not()
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings +
            "namespace Demo; [Embedding(5, 2)] [Lstm(3)] [Dense(2)] [Dense(1)] public partial class Forgotten; " +
            "[RnnModel(MaxSteps = 4)] [Embedding(5, 2)] [Gru(3)] public partial class Fine;");
        Assert.Null(run.Result.Results.Single().Exception);
        var stray = run.GeneratorDiagnostics.Where(d => d.Id == "RNNG020").Select(d => d.GetMessage()).ToList();
        Assert.Equal(4, stray.Count);
        Assert.All(stray, m => Assert.Contains("'Forgotten' has no [RnnModel]", m));
        Assert.Equal(2, stray.Count(m => m.StartsWith("[Dense]", StringComparison.Ordinal)));
        Assert.Single(run.Result.Results.Single().GeneratedSources);   // Fine
    }

    [Fact]
    public void Every_descriptor_is_tracked_in_the_release_files_and_tested()
    {
        string root = Path.Combine(RepositoryPaths.Root, "generators", "RnnGen.Generators");
        string tracked = File.ReadAllText(Path.Combine(root, "AnalyzerReleases.Shipped.md")) + File.ReadAllText(Path.Combine(root, "AnalyzerReleases.Unshipped.md"));
        var ids = typeof(RnnModelGenerator).Assembly.GetType("RnnGen.Generators.DiagnosticDescriptors")!
            .GetFields().Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();
        Assert.Equal(26, ids.Count);
        Assert.All(ids, id => Assert.Contains(id + " ", tracked));
        var tested = Cases().Select(row => (string)row[0]).ToHashSet();
        // RNNG019 needs a weights file on disk: BakedWeightsTests covers it (mismatched, truncated and corrupt files).
        Assert.All(ids.Where(id => id is not ("RNNG000" or "RNNG019")), id => Assert.Contains(id, tested));
    }

    [Fact]
    public void A_valid_declaration_produces_no_diagnostics_and_compiles_cleanly()
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings +
            "namespace Demo; [RnnModel(InputSize = 4, MaxSteps = 64)] [Lstm(32)] [Gru(16, Bidirectional = true)] [Dense(4, Activation.Tanh)] public partial class Forecaster;");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
    }
}
